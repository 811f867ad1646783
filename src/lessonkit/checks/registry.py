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


@dataclass
class Context:
    lesson: Lesson
    site: SiteMap
    scans: dict[tuple[str, str], PageScan] = field(default_factory=dict)  # (source, digest) -> scan
    memo: dict = field(default_factory=dict)  # anything a rule wants to work out once per check

    def page_scan(self, page: Page) -> PageScan:
        key = (page.source, page.digest)
        found = self.scans.get(key)
        if found is None:
            found = self.scans[key] = scan_page(page)
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


RULES_VERSION = "1"


class Checker:
    """Runs every rule; remembers page results between runs (``lessonkit serve``)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], list[Diagnostic]] = {}
        self.scans: dict[tuple[str, str], PageScan] = {}

    def check(self, lesson: Lesson, site: SiteMap | None = None, rules: Iterable[str] | None = None
              ) -> list[Diagnostic]:
        import lessonkit.checks.rules  # noqa: F401  (registers the rules)

        site = site or SiteMap.of(lesson)
        context = Context(lesson, site, self.scans)
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
                results = []
                for item in page_rules:
                    results.extend(item.function(page, context))
            fresh[key] = results
            found.extend(results)
        self.cache = fresh
        for item in lesson_rules:
            found.extend(item.function(lesson, context))
        live = {(p.source, p.digest) for p in lesson.pages()}
        self.scans = {k: v for k, v in context.scans.items() if k in live}
        return found


def check_lesson(lesson: Lesson) -> list[Diagnostic]:
    """Every rule's diagnostics for ``lesson`` (reader diagnostics are in ``lesson.report``)."""
    return Checker().check(lesson)
