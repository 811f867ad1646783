"""The rule registry and the checker that runs rules over a lesson.

A rule is a small function registered with :func:`rule`. Page rules look at one
page at a time (``(page, context) -> diagnostics``) and their results are cached by
the page's content hash and the lesson's link map, so re-checking a lesson after an
edit costs little; lesson rules look at the whole lesson (``(lesson, context)``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.checks.scan import Scan, scan
from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.markdown.parser import slugify
from lessonkit.model import Block, Lesson, Markdown, Page
from lessonkit.site.links import SiteMap


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    scope: str  # "page" or "lesson"
    function: Callable


RULES: dict[str, Rule] = {}
#: Reader problems after which rules about the same file would only repeat the problem.
UNREADABLE = {"yaml-syntax", "front-matter-unclosed", "front-matter-not-mapping", "config-not-mapping",
              "file-unreadable"}


def rule(id: str, severity: Severity, summary: str, scope: str = "page"):
    """Register a rule function under ``id``."""

    def register(function: Callable) -> Callable:
        RULES[id] = Rule(id, severity, summary, scope, function)
        return function

    return register


@dataclass
class PageScan:
    """A page's Markdown, scanned once for every rule."""

    runs: list[tuple[Markdown, Scan]]
    anchors: set[str]
    walk: list[tuple[object, tuple[Block, ...]]]  # page.walk(), once

    @property
    def blocks(self) -> list[Block]:
        return [node for node, _ in self.walk if isinstance(node, Block)]

    def headings(self):
        for node, result in self.runs:
            for heading in result.headings:
                yield node, heading

    def links(self):
        for node, result in self.runs:
            for link in result.links:
                yield node, link


@dataclass(frozen=True)
class AnchorSummary:
    """What the lesson-wide anchor rule needs from a page: small enough to keep between runs
    of separate processes, so that an unchanged page is not scanned again."""

    anchors: frozenset[str]
    links: tuple[tuple[str, int, int, str], ...]  # (url, line, column, source file) of links with a '#'


@dataclass
class Context:
    lesson: Lesson
    site: SiteMap
    scans: dict[tuple[str, str], PageScan] = field(default_factory=dict)  # (source, digest) -> scan
    memo: dict = field(default_factory=dict)  # anything a rule wants to work out once per check
    summaries: dict[tuple[str, str], AnchorSummary] = field(default_factory=dict)  # (source, digest) -> summary

    def page_scan(self, page: Page) -> PageScan:
        key = (page.source, page.digest)
        found = self.scans.get(key)
        if found is None:
            found = self.scans[key] = scan_page(page)
        return found

    def anchor_summary(self, page: Page) -> AnchorSummary:
        key = (page.source, page.digest)
        found = self.summaries.get(key)
        if found is None:
            scan = self.page_scan(page)
            links = tuple((link.url, link.line, link.column, getattr(node, "source", None) or page.source)
                          for node, link in scan.links() if "#" in link.url and not link.image)
            found = self.summaries[key] = AnchorSummary(frozenset(scan.anchors), links)
        return found

    def unreadable(self, path: str) -> bool:
        """Whether the reader could not make sense of ``path`` (its problems are already reported)."""
        return any(d.path == path and d.rule in UNREADABLE for d in self.lesson.report)

    def page_by_slug(self, slug: str) -> Page | None:
        for page in self.lesson.pages():
            if page.slug == slug:
                return page
        return None

    def diagnostic(self, rule_id: str, page: Page | None, line: int, column: int, message: str, fix: str,
                   node=None, severity: Severity | None = None, path: str | None = None) -> Diagnostic:
        path = path or (getattr(node, "source", None) if node is not None else None) or (page.source if page else "")
        return Diagnostic(path, line, column, rule_id, severity or RULES[rule_id].severity, message, fix)


def scan_page(page: Page) -> PageScan:
    runs: list[tuple[Markdown, Scan]] = []
    anchors: set[str] = set()
    counts: dict[str, int] = {}

    def add(anchor: str) -> None:
        # The renderer makes repeated ids unique with -1, -2, ...
        number = counts.get(anchor, 0)
        anchors.add(anchor if number == 0 else f"{anchor}-{number}")
        counts[anchor] = number + 1

    walk = list(page.walk())
    for node, _ in walk:
        if isinstance(node, Markdown):
            result = scan(node.text, node.line)
            runs.append((node, result))
            for heading in result.headings:
                add(heading.anchor or slugify(heading.text))
            anchors.update(result.anchors)
        elif isinstance(node, Block):
            if node.id:
                anchors.add(node.id)
            elif node.title or node.spec:
                add(slugify(node.title or (node.spec.title if node.spec else node.kind)))
            if node.kind in ("questions", "objectives"):
                anchors.add(node.kind)
    return PageScan(runs, anchors, walk)


RULES_VERSION = "2"
CHECKS_FILE = "checks.msgpack"


def _rules_signature() -> str:
    from lessonkit.signature import code_signature

    return code_signature(("lessonkit.checks", "."), ("lessonkit.checks", "rules"), ("lessonkit", "."),
                          ("lessonkit.markdown", "."))


class Checker:
    """Runs every rule; remembers page results between runs (``lessonkit serve``), and between
    processes when saved to the lesson's cache folder (``lessonkit build``)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], list[Diagnostic]] = {}
        self.scans: dict[tuple[str, str], PageScan] = {}
        self.summaries: dict[tuple[str, str], AnchorSummary] = {}
        self.changed = True

    @classmethod
    def load(cls, folder: Path | None) -> Checker:
        """The checker saved in a cache folder, or a new one (after a lessonkit upgrade, say)."""
        from lessonkit import codec
        from lessonkit.cache import load_data

        checker = cls()
        saved = load_data(folder / CHECKS_FILE, "checks", _rules_signature()) if folder is not None else None
        if isinstance(saved, dict):
            try:
                results = codec.decode(saved.get("results"), codec.types(AnchorSummary))
                summaries = codec.decode(saved.get("summaries"), codec.types(AnchorSummary))
            except codec.DecodeError:
                return checker
            if isinstance(results, dict) and isinstance(summaries, dict):
                checker.cache, checker.summaries = results, summaries
        return checker

    def save(self, folder: Path) -> None:
        """Keep page results and anchor summaries (not the scans, which hold whole pages)."""
        from lessonkit import codec
        from lessonkit.cache import save_data

        if self.changed:
            save_data(folder / CHECKS_FILE, "checks", _rules_signature(),
                      {"results": codec.encode(self.cache), "summaries": codec.encode(self.summaries)})
            self.changed = False

    def check(self, lesson: Lesson, site: SiteMap | None = None, rules: Iterable[str] | None = None
              ) -> list[Diagnostic]:
        import lessonkit.checks.rules  # noqa: F401  (registers the rules)

        site = site or SiteMap.of(lesson)
        context = Context(lesson, site, self.scans, summaries=dict(self.summaries))
        selected = [RULES[r] for r in (rules or RULES)]
        page_rules = [r for r in selected if r.scope == "page"]
        lesson_rules = [r for r in selected if r.scope == "lesson"]
        signature = hashlib.blake2b(
            (site.signature() + RULES_VERSION + ",".join(r.id for r in page_rules)
             + repr(sorted(lesson.references))).encode(), digest_size=12).hexdigest()
        found: list[Diagnostic] = []
        fresh: dict[tuple[str, str], list[Diagnostic]] = {}
        for page in lesson.pages():
            key = (page.source, page.digest + signature + page.kind + page.slug)
            results = self.cache.get(key)
            if results is None:
                self.changed = True
                results = []
                for item in page_rules:
                    results.extend(item.function(page, context))
            fresh[key] = results
            found.extend(results)
        if fresh.keys() != self.cache.keys():
            self.changed = True  # pages added, edited or removed
        self.cache = fresh
        for item in lesson_rules:
            found.extend(item.function(lesson, context))
        live = {(p.source, p.digest) for p in lesson.pages()}
        self.scans = {k: v for k, v in context.scans.items() if k in live}
        summaries = {k: v for k, v in context.summaries.items() if k in live}
        self.changed |= summaries.keys() != self.summaries.keys()
        self.summaries = summaries
        return found


def check_lesson(lesson: Lesson) -> list[Diagnostic]:
    """Every rule's diagnostics for ``lesson`` (reader diagnostics are in ``lesson.report``)."""
    return Checker().check(lesson)
