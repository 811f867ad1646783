"""The lesson model: what every reader produces and every check and renderer uses.

A :class:`Lesson` holds its configuration and ordered :class:`Page` lists.  A
page's body is a tree of three kinds of node:

* :class:`Markdown` - a run of Markdown text (CommonMark with the pandoc
  extensions the Workbench uses), with the line it starts on in its file;
* :class:`Block` - a lesson block such as a challenge, solution or instructor
  note (a pandoc fenced div in the Workbench format, a kramdown blockquote in
  the styles format), with its title and children;
* :class:`CodeChunk` - an executable code chunk (R Markdown style), with the
  outputs that execution attached to it.

Readers translate their format's quirks into this model; nothing downstream
needs to know which format a lesson was written in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Report


@dataclass(frozen=True, slots=True)
class BlockSpec:
    title: str  # the default title shown when a block has none of its own
    role: str  # callout | collapsible | overview | instructor | tabs
    icon: str  # name of the icon in the theme's sprite


#: Every block class the Carpentries Workbench knows, with how it is shown.
BLOCKS: dict[str, BlockSpec] = {
    "objectives": BlockSpec("Objectives", "overview", "objectives"),
    "questions": BlockSpec("Questions", "overview", "questions"),
    "keypoints": BlockSpec("Key Points", "callout", "keypoints"),
    "challenge": BlockSpec("Challenge", "callout", "challenge"),
    "solution": BlockSpec("Show me the solution", "collapsible", "solution"),
    "hint": BlockSpec("Give me a hint", "collapsible", "hint"),
    "spoiler": BlockSpec("Show details", "collapsible", "spoiler"),
    "callout": BlockSpec("Callout", "callout", "callout"),
    "discussion": BlockSpec("Discussion", "callout", "discussion"),
    "checklist": BlockSpec("Checklist", "callout", "checklist"),
    "prereq": BlockSpec("Prerequisite", "callout", "prereq"),
    "testimonial": BlockSpec("Testimonial", "callout", "testimonial"),
    "caution": BlockSpec("Caution", "callout", "caution"),
    "instructor": BlockSpec("Instructor Note", "instructor", "instructor"),
    "tab": BlockSpec("", "tabs", ""),
    "group-tab": BlockSpec("", "tabs", ""),
}

PAGE_KINDS = ("index", "episode", "learner", "instructor", "profile", "extra")


@dataclass(slots=True)
class Markdown:
    text: str
    line: int  # 1-based line of the first line of ``text`` in the source file
    source: str | None = None  # file the text was read from, when not the page's own


@dataclass(slots=True)
class Block:
    kind: str  # the block's first class, lower case ("" for a plain div)
    line: int  # line of the opening fence
    end_line: int  # line of the closing fence (equal to ``line`` when unclosed)
    children: list[Node] = field(default_factory=list)
    classes: tuple[str, ...] = ()
    id: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    title: str | None = None  # inline Markdown taken from the block's first heading
    title_level: int = 0  # level of that heading (0 when there is none)
    title_line: int = 0
    source: str | None = None  # file the block was read from, when not the page's own

    @property
    def known(self) -> bool:
        return self.kind in BLOCKS

    @property
    def spec(self) -> BlockSpec | None:
        return BLOCKS.get(self.kind)

    def descendants(self) -> list[Block]:
        """The blocks inside this one, depth first (a block before the blocks inside it)."""
        found: list[Block] = []
        for child in self.children:
            if isinstance(child, Block):
                found.append(child)
                found.extend(child.descendants())
        return found


@dataclass(slots=True)
class Output:
    """One output of an executed chunk."""

    kind: str  # stdout | stderr | text | html | markdown | image | error
    text: str = ""  # text, HTML or Markdown; for images, the site path of the file
    mime: str = "text/plain"
    data: bytes | None = None  # image bytes
    alt: str = ""
    caption: str = ""


@dataclass(slots=True)
class CodeChunk:
    engine: str  # python, r, bash, ...
    code: str
    line: int  # line of the opening fence
    label: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    executed: bool = False
    source: str | None = None  # file the chunk was read from, when not the page's own

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


Node = Markdown | Block | CodeChunk


@dataclass(slots=True)
class Page:
    kind: str  # one of PAGE_KINDS
    source: str  # path relative to the lesson root, POSIX separators
    slug: str  # output file name without ".html"
    title: str
    body: list[Node] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # front matter
    digest: str = ""  # hash of everything the page was read from
    teaching: int | None = None
    exercises: int | None = None
    has_chunks: bool = False  # set by the reader: whether the body holds any CodeChunk
    lang: str = ""  # the page's own ``lang:`` (front matter), "" for the lesson's language
    # A page read from the cache is *lazy*: ``body`` and ``meta`` are loaded the first time
    # something asks for them (an unchanged page of a large lesson is usually never opened).
    _load: Callable[[], Page] | None = field(default=None, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails: for an unset lazy field.
        if name in ("body", "meta"):
            load = object.__getattribute__(self, "_load")
            if load is not None:
                self._load = None
                full = load()
                self.body, self.meta = full.body, full.meta
                return object.__getattribute__(self, name)
        raise AttributeError(name)

    @classmethod
    def lazy(cls, kind: str, source: str, slug: str, title: str, digest: str, teaching: int | None,
             exercises: int | None, has_chunks: bool, load: Callable[[], Page], lang: str = "") -> Page:
        """A page whose body and front matter are read by ``load`` when first needed."""
        page = cls(kind, source, slug, title, digest=digest, teaching=teaching, exercises=exercises,
                   has_chunks=has_chunks, lang=lang, _load=load)
        del page.body, page.meta
        return page

    @property
    def loaded(self) -> bool:
        return self._load is None

    def walk(self) -> Iterator[tuple[Node, tuple[Block, ...]]]:
        """Every node of the body, depth first, with its enclosing blocks."""
        stack: list[tuple[list[Node], tuple[Block, ...]]] = [(self.body, ())]
        while stack:
            nodes, parents = stack.pop()
            for index, node in enumerate(nodes):
                yield node, parents
                if isinstance(node, Block):
                    # Visit children before the next sibling.
                    stack.append((nodes[index + 1 :], parents))
                    stack.append((node.children, (*parents, node)))
                    break

    def blocks(self, kind: str | None = None) -> list[Block]:
        return [n for n, _ in self.walk() if isinstance(n, Block) and (kind is None or n.kind == kind)]

    def chunks(self) -> list[CodeChunk]:
        return [n for n, _ in self.walk() if isinstance(n, CodeChunk)]

    @property
    def minutes(self) -> int:
        return (self.teaching or 0) + (self.exercises or 0)

    @property
    def filename(self) -> str:
        return f"{self.slug}.html"


@dataclass(slots=True)
class LessonConfig:
    title: str = "Lesson Title"
    carpentry: str = "incubator"
    life_cycle: str = "pre-alpha"
    license: str = "CC-BY 4.0"
    source: str = ""
    branch: str = "main"
    contact: str = ""
    created: str = ""
    keywords: list[str] = field(default_factory=list)
    url: str = ""
    lang: str = "en"
    overview: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # everything else in the config file


@dataclass(slots=True)
class Citation:
    """How to cite the lesson (from CITATION.cff, or the text of a CITATION file)."""

    text: str  # a ready-to-read citation
    authors: list[str] = field(default_factory=list)
    title: str = ""
    year: str = ""
    doi: str = ""
    url: str = ""
    source: str = ""  # the file it came from


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied as-is into the site."""

    source: Path  # absolute path
    target: str  # path in the site, POSIX separators


@dataclass
class Lesson:
    root: Path
    format: str  # "workbench" or "styles"
    config: LessonConfig
    index: Page | None = None
    episodes: list[Page] = field(default_factory=list)
    learners: list[Page] = field(default_factory=list)
    instructors: list[Page] = field(default_factory=list)
    profiles: list[Page] = field(default_factory=list)
    extras: list[Page] = field(default_factory=list)  # e.g. LICENSE.md, CODE_OF_CONDUCT.md
    references: dict[str, dict[str, str]] = field(default_factory=dict)  # from links.md
    assets: list[Asset] = field(default_factory=list)
    citation: Citation | None = None
    files: dict[str, str] = field(default_factory=dict)  # every source file read -> digest
    report: Report = field(default_factory=Report)
    #: the format it was read in (a ``lessonkit.readers.formats.LessonFormat``): checks, links and
    #: execution ask it where pages, figures and data live instead of knowing folder names
    layout: Any = None
    #: the configuration file as read (a ``lessonkit.readers.formats.ConfigFile``: parsed data, key lines)
    config_file: Any = None

    @property
    def name(self) -> str:
        return self.root.name

    def pages(self) -> list[Page]:
        pages = [self.index] if self.index else []
        return pages + self.episodes + self.learners + self.instructors + self.profiles + self.extras

    def page_by_source(self, source: str) -> Page | None:
        for page in self.pages():
            if page.source == source:
                return page
        return None
