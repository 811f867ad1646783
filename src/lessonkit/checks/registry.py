"""The rule registry and the checker that runs rules over a lesson.

``RULES`` is collected from the rule modules listed in ``RULE_MODULES`` (a rule is a
:class:`~lessonkit.checks.rule.Rule` defined at module level): importing this module is
enough for it to be complete. Page rules (those that take ``page`` or ``scan``) look at one
page at a time and their results are cached by the page's content hash and the lesson's link
map, so re-checking a lesson after an edit costs little; lesson rules look at the whole lesson.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from lessonkit.checks.context import AnchorLink, AnchorSummary, Context, PageScan
from lessonkit.checks.rule import Rule
from lessonkit.checks.rules import (
    accessibility,
    blocks,
    citations,
    config,
    credit,
    files,
    front_matter,
    glosario,
    headings,
    images,
    language,
    links,
    schedules,
)
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.model import Lesson, LessonConfig, Page
from lessonkit.site.links import SiteMap

RULE_MODULES: tuple[ModuleType, ...] = (headings, images, links, accessibility, blocks, front_matter, config, files,
                                         citations, credit, schedules, language, glosario)


def collect(modules: Iterable[ModuleType]) -> dict[str, Rule]:
    """Every :class:`Rule` defined in ``modules`` (a module attribute, or in a tuple of rules), by id, in the
    order of the modules and their source."""
    found: dict[str, Rule] = {}
    for module in modules:
        for value in vars(module).values():
            for item in value if isinstance(value, tuple) else (value,):  # a rule, or a tuple of rules
                if isinstance(item, Rule):
                    if item.id in found and found[item.id] is not item:
                        raise ValueError(f"two rules have the id {item.id!r}")
                    found[item.id] = item
    return found


RULES: dict[str, Rule] = collect(RULE_MODULES)

RULES_VERSION = "3"
CHECKS_FILE = "checks.msgpack"
CHECKS_KIND = "checks"


def _rules_signature() -> str:
    from lessonkit.signature import code_signature

    return code_signature(("lessonkit.checks", "."), ("lessonkit.checks", "rules"), ("lessonkit", "."),
                          ("lessonkit.markdown", "."))


class Checker:
    """Runs every rule; remembers page results between runs (``lessonkit serve``), and between
    processes when saved to the lesson's cache folder (``lessonkit build``), as plain data."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], list[Diagnostic]] = {}
        self.scans: dict[tuple[str, str], PageScan] = {}
        self.summaries: dict[tuple[str, str], AnchorSummary] = {}
        self.facts: dict[tuple[str, str, str], object] = {}
        self.changed = True

    @classmethod
    def load(cls, folder: Path | None) -> Checker:
        """The checker saved in a cache folder, or a new one (after a lessonkit upgrade, say)."""
        from lessonkit.cache import load_data

        checker = cls()
        saved = load_data(folder / CHECKS_FILE, CHECKS_KIND, _rules_signature()) if folder is not None else None
        if isinstance(saved, dict):
            try:
                results, summaries, facts = _decode_saved(saved)
            except (TypeError, ValueError, KeyError):
                return checker  # not what this version writes: check every page again
            checker.cache, checker.summaries, checker.facts, checker.changed = results, summaries, facts, False
        return checker

    def save(self, folder: Path) -> None:
        """Keep page results and anchor summaries (not the scans, which hold whole pages), as plain data."""
        from lessonkit import codec
        from lessonkit.cache import save_data

        if self.changed:
            save_data(folder / CHECKS_FILE, CHECKS_KIND, _rules_signature(), {
                "results": [[source, key, [[d.path, d.line, d.column, d.rule, int(d.severity), d.message, d.fix]
                                           for d in found]] for (source, key), found in self.cache.items()],
                "summaries": [[source, key, sorted(s.anchors),
                               [[link.url, link.at.path, link.at.line, link.at.column] for link in s.links]]
                              for (source, key), s in self.summaries.items()],
                "facts": [[*name, codec.encode(value)] for name, value in self.facts.items()]})
            self.changed = False

    def check(self, lesson: Lesson, site: SiteMap | None = None, rules: Iterable[str] | None = None
              ) -> list[Diagnostic]:
        site = site or SiteMap.of(lesson)
        context = Context(lesson, site, self.scans, summaries=dict(self.summaries), facts=dict(self.facts))
        selected = [RULES[r] for r in (rules or RULES)]
        page_rules = [r for r in selected if r.scope == "page"]
        lesson_rules = [r for r in selected if r.scope == "lesson"]
        signature = hashlib.blake2b(
            (site.signature() + RULES_VERSION + ",".join(r.id for r in page_rules)
             + repr(sorted((k, sorted(v.items())) for k, v in lesson.references.items()))).encode(),
            digest_size=12).hexdigest()
        found: list[Diagnostic] = []
        fresh: dict[tuple[str, str], list[Diagnostic]] = {}
        shared = {"lesson": lesson, "site": site, "context": context}
        pages = [(page, (page.source, page.digest + signature + page.kind + page.slug)) for page in lesson.pages()]
        checked = _check_pages([(p, k) for p, k in pages if k not in self.cache], page_rules, shared, context)
        for _page, key in pages:
            results = self.cache.get(key)
            if results is None:
                self.changed = True
                results = checked[key]
            fresh[key] = results
            found.extend(results)
        if fresh.keys() != self.cache.keys():
            self.changed = True  # pages added, edited or removed
        self.cache = fresh
        arguments = _Arguments(shared, None, context)
        for item in lesson_rules:
            found.extend(item.diagnostics(arguments))
        live = {(p.source, p.digest) for p in lesson.pages()}
        self.scans = {k: v for k, v in context.scans.items() if k in live}
        summaries = {k: v for k, v in context.summaries.items() if k in live}
        self.changed |= summaries.keys() != self.summaries.keys()
        self.summaries = summaries
        facts = {k: v for k, v in context.facts.items() if (k[1], k[2]) in live}
        self.changed |= facts.keys() != self.facts.keys()
        self.facts = facts
        return found


def _check_pages(pages: list[tuple[Page, tuple[str, str]]], rules: list[Rule], shared: dict, context: Context
                 ) -> dict[tuple[str, str], list[Diagnostic]]:
    """Run the page rules on ``pages`` — on every core for a large batch (a clean build), each worker
    sending back the page's diagnostics and the anchor summary the lesson-wide link rule needs."""
    from lessonkit.parallel import map_pages

    def task(index: int) -> tuple[list[Diagnostic], AnchorSummary]:
        page = pages[index][0]
        arguments = _Arguments(shared, page, context)
        results = [d for item in rules for d in item.diagnostics(arguments)]
        return results, context.anchor_summary(page)

    checked: dict[tuple[str, str], list[Diagnostic]] = {}
    for (page, key), (results, summary) in zip(pages, map_pages(task, len(pages)), strict=True):
        checked[key] = results
        context.summaries[(page.source, page.digest)] = summary
    return checked


class _Arguments(dict):
    """A rule's inputs, each worked out only when a rule asks for it."""

    def __init__(self, shared: dict, page: Page | None, context: Context):
        super().__init__(shared)
        self.page = page
        self.context = context

    def __missing__(self, name: str):
        if name == "page" and self.page is not None:
            value = self.page
        elif name == "scan" and self.page is not None:
            value = self.context.page_scan(self.page)
        elif name == "config":
            value = self.context.config
        else:
            raise KeyError(name)
        self[name] = value
        return value


def check_lesson(lesson: Lesson) -> list[Diagnostic]:
    """Every rule's diagnostics for ``lesson`` (reader diagnostics are in ``lesson.report``)."""
    return Checker().check(lesson)


def check_markdown(text: str, rule: str | None = None, *, kind: str = "episode", source: str = "episodes/page.md",
                   root: Path | None = None, meta: dict | None = None,
                   references: dict[str, dict[str, str]] | None = None) -> list[Diagnostic]:
    """The diagnostics of one rule (or every page rule) on a page made of ``text`` (Workbench Markdown,
    first line 1), in a lesson of that one page: the helper for testing a rule on a snippet."""
    from lessonkit.diagnostics import Report
    from lessonkit.markdown.fenced_divs import parse_body

    report = Report()
    body = parse_body(text, 1, source, report)
    page = Page(kind=kind, source=source, slug=Path(source).stem, title="Page", body=body,
                meta=dict(meta or {"title": "Page", "teaching": 1, "exercises": 1}), digest="snippet")
    lesson = Lesson(root=root or Path("."), format="workbench", config=LessonConfig(), report=report,
                    references=dict(references or {}))
    if kind == "index":
        lesson.index = page
    else:
        lesson.episodes.append(page)
    selected = [rule] if rule else [r.id for r in RULES.values() if r.scope == "page"]
    return Checker().check(lesson, rules=selected)


def _decode_saved(saved: dict) -> tuple[dict, dict, dict]:
    """The checker's cache file, written by ``Checker.save``: plain lists, built back into the
    checker's types directly (a generic decoder spent more than the rest of a no-change check)."""
    from lessonkit import codec

    results = {(str(source), str(key)): [Diagnostic(str(p), int(ln), int(col), str(rule), Severity(sev), str(msg),
                                                    str(fix)) for p, ln, col, rule, sev, msg, fix in found]
               for source, key, found in saved["results"]}
    summaries = {(str(source), str(key)): AnchorSummary(
        _strings(anchors), tuple(AnchorLink(str(url), Spot(str(p), int(ln), int(col))) for url, p, ln, col in links))
                 for source, key, anchors, links in saved["summaries"]}
    allowed = codec.types(AnchorSummary, AnchorLink, Spot)
    try:  # most facts are a page's empty list: nothing to build
        facts = {(str(a), str(b), str(c)): [] if value == [] else codec.decode(value, allowed)
                 for a, b, c, value in saved["facts"]}
    except codec.DecodeError as error:
        raise ValueError(str(error)) from None
    return results, summaries, facts


def _strings(items: list) -> frozenset[str]:
    found = frozenset(items)
    if not all(type(item) is str for item in found):
        raise ValueError("an anchor that is not a string")
    return found
