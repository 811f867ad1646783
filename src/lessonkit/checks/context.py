"""The inputs rules are given: a page's scan, the lesson's anchors, the parsed configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lessonkit.checks.scan import Heading, Link, Scan, Spot, scan
from lessonkit.markdown.parser import slugify
from lessonkit.model import Block, Lesson, Markdown, Node, Page
from lessonkit.readers.formats import UNREADABLE, ConfigFile
from lessonkit.site.links import SiteMap


@dataclass(frozen=True, slots=True)
class Run:
    """One run of Markdown of a page and what the scanner found in it."""

    node: Markdown
    found: Scan


@dataclass(frozen=True, slots=True)
class Visit:
    """A node of a page's body with the blocks around it (``Page.walk``)."""

    node: Node
    parents: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """A heading of the page's outline: a Markdown heading or a block's title."""

    node: Node
    level: int
    text: str
    at: Spot
    in_block: bool


@dataclass
class PageScan:
    """A page's Markdown, scanned once for every rule."""

    page: Page
    runs: list[Run]
    anchors: set[str]
    walk: list[Visit]

    @property
    def blocks(self) -> list[Block]:
        return [visit.node for visit in self.walk if isinstance(visit.node, Block)]

    def spot(self, node: Node | None, line: int, column: int = 1) -> Spot:
        """A place in the file ``node`` was read from (the page's own file unless it came from another)."""
        return Spot(getattr(node, "source", None) or self.page.source, line, column)

    def headings(self) -> Iterator[Heading]:
        for run in self.runs:
            yield from run.found.headings

    def links(self) -> Iterator[Link]:
        """Links and images, with reference uses resolved (where the page or links.md defines them)."""
        for run in self.runs:
            yield from run.found.links
        yield from self.resolved_references

    def outline(self) -> list[OutlineEntry]:
        """Every heading of the body with its level, in order (block titles included)."""
        by_node = {id(run.node): run.found for run in self.runs}
        found = []
        for visit in self.walk:
            node = visit.node
            if isinstance(node, Block) and node.title is not None and node.title_level:
                found.append(OutlineEntry(node, node.title_level, node.title, self.spot(node, node.title_line), True))
            elif id(node) in by_node:
                for heading in by_node[id(node)].headings:
                    found.append(OutlineEntry(node, heading.level, heading.text, heading.at, bool(visit.parents)))
        return found

    resolved_references: list[Link] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AnchorLink:
    url: str
    at: Spot


@dataclass(frozen=True)
class AnchorSummary:
    """What the lesson-wide anchor rule needs from a page: small enough to keep between runs
    of separate processes, so that an unchanged page is not scanned again."""

    anchors: frozenset[str]
    links: tuple[AnchorLink, ...]  # links with a '#'


@dataclass
class Context:
    lesson: Lesson
    site: SiteMap
    scans: dict[tuple[str, str], PageScan] = field(default_factory=dict)  # (source, digest) -> scan
    summaries: dict[tuple[str, str], AnchorSummary] = field(default_factory=dict)  # (source, digest) -> summary
    memo: dict = field(default_factory=dict)  # anything worked out once per check
    #: (fact, source, digest) -> plain data a lesson rule worked out from one page; kept between builds
    #: with the check results, so that a lesson rule over every page opens only the pages that changed
    facts: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    def page_fact(self, page: Page, name: str, compute: Callable[[Page], Any]) -> Any:
        """``compute(page)`` (plain data, or model objects and Diagnostics), remembered per page version."""
        key = (name, page.source, page.digest)
        if key not in self.facts:
            self.facts[key] = compute(page)
        return self.facts[key]

    def page_scan(self, page: Page) -> PageScan:
        key = (page.source, page.digest)
        found = self.scans.get(key)
        if found is None:
            found = self.scans[key] = scan_page(page, self.lesson.references)
        return found

    def anchor_summary(self, page: Page) -> AnchorSummary:
        key = (page.source, page.digest)
        found = self.summaries.get(key)
        if found is None:
            links = tuple(AnchorLink(link.url, link.at) for link in self.page_scan(page).links()
                          if "#" in link.url and not link.image)
            found = self.summaries[key] = AnchorSummary(frozenset(self.page_scan(page).anchors), links)
        return found

    def unreadable(self, path: str) -> bool:
        """Whether the reader could not make sense of ``path`` (its problems are already reported)."""
        return any(d.path == path and d.rule in UNREADABLE for d in self.lesson.report)

    def page_by_slug(self, slug: str) -> Page | None:
        if "slugs" not in self.memo:
            self.memo["slugs"] = {page.slug: page for page in self.lesson.pages()}
        return self.memo["slugs"].get(slug)

    @property
    def config(self) -> ConfigFile:
        """The configuration as the reader read it (a stand-in that is not readable when there is none)."""
        found = self.lesson.config_file
        if found is None:
            name = getattr(self.lesson.layout, "config_file", "config.yaml")
            found = ConfigFile(name, self.lesson.config, readable=False)
        return found


def scan_page(page: Page, lesson_references: dict | None = None) -> PageScan:
    runs: list[Run] = []
    anchors: set[str] = set()
    counts: dict[str, int] = {}

    def add(anchor: str) -> None:
        # The renderer makes repeated ids unique with -1, -2, ...
        number = counts.get(anchor, 0)
        anchors.add(anchor if number == 0 else f"{anchor}-{number}")
        counts[anchor] = number + 1

    walk = [Visit(node, parents) for node, parents in page.walk()]
    for visit in walk:
        node = visit.node
        if isinstance(node, Markdown):
            result = scan(node.text, node.line, node.source or page.source)
            runs.append(Run(node, result))
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
    return PageScan(page, runs, anchors, walk, _resolve_references(runs, lesson_references or {}))


def _resolve_references(runs: list[Run], lesson_references: dict) -> list[Link]:
    """Reference uses as links at the place they are used, with the target of their definition
    (on the page, else in links.md) and, for images, the alt text of either."""
    definitions = {}
    for run in runs:
        definitions.update(run.found.definitions)
    lesson_defined = {" ".join(k.lower().split()): v for k, v in lesson_references.items()}
    links = []
    for run in runs:
        for use in run.found.references:
            key = " ".join(use.label.lower().split())
            definition = definitions.get(key)
            if definition is not None:
                url, attrs = definition.url, {**definition.attrs, **use.attrs}
            elif key in lesson_defined:
                url, attrs = str(lesson_defined[key].get("href", "")), dict(use.attrs)
            else:
                continue
            alt = attrs.get("alt", use.text) if use.image else None
            links.append(Link(use.text, url, use.at, use.image, alt, reference=use.label))
    return links
