"""The format boundary: what a lesson format is, and the list of formats lessonkit reads.

A :class:`LessonFormat` knows one format's quirks: how to recognise a lesson,
read its configuration, list its pages (in order, with their kinds and proposed
names), turn one page's bytes into model nodes, and where its pages, figures
and data live. The shared pipeline (:mod:`lessonkit.readers.pipeline`) does
everything else the same way for every format: cached reading, page names,
references, assets and citation. The reader attaches its format to the
:class:`~lessonkit.model.Lesson` (``lesson.layout``) so that checks, links and
execution ask it instead of knowing folder names.

Adding a format: subclass :class:`LessonFormat` in a module of this package and
add one line to :func:`formats`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Report
from lessonkit.model import Asset, Lesson, LessonConfig, Page

#: File name endings of lesson pages, in every format.
PAGE_SUFFIXES = (".md", ".Rmd", ".rmd", ".markdown")
#: Reader problems that mean a file could not be made sense of (rules about it would only repeat them).
UNREADABLE = frozenset({"yaml-syntax", "front-matter-unclosed", "front-matter-not-mapping", "config-not-mapping",
                        "file-unreadable"})


@dataclass
class ConfigFile:
    """A lesson's configuration as its reader read it: checks use this, never the file again."""

    name: str  # file name relative to the lesson root ("config.yaml", "_config.yml")
    config: LessonConfig
    data: dict[str, Any] = field(default_factory=dict)  # the parsed file ({} when unreadable)
    text: str = ""
    digest: str | None = None  # of the file's bytes; None when it could not be read
    readable: bool = True  # False when the file could not be read or parsed (already reported)
    _positions: dict[str, tuple[int, list[int]]] | None = field(default=None, repr=False)

    def _lines(self) -> dict[str, tuple[int, list[int]]]:
        if self._positions is None:
            self._positions = key_positions(self.text)
        return self._positions

    def line(self, key: str) -> int:
        """1-based line of top-level ``key`` (0 when it is not there)."""
        return self._lines().get(key, (0, []))[0]

    def item_line(self, key: str, index: int) -> int:
        """1-based line of item ``index`` of the list under ``key`` (the key's line when unknown)."""
        line, items = self._lines().get(key, (0, []))
        return items[index] if 0 <= index < len(items) else line


def key_positions(text: str) -> dict[str, tuple[int, list[int]]]:
    """Top-level keys of a YAML mapping -> (line of the key, lines of its list items)."""
    import yaml

    found: dict[str, tuple[int, list[int]]] = {}
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return found
    if not isinstance(node, yaml.MappingNode):
        return found
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            items = [item.start_mark.line + 1 for item in value.value] if isinstance(value, yaml.SequenceNode) else []
            found.setdefault(str(key.value), (key.start_mark.line + 1, items))
    return found


@dataclass(frozen=True, slots=True)
class PageSource:
    """A page a format lists: where it is, what part of the lesson it is, and the name it asks for."""

    rel: str  # path relative to the lesson root
    kind: str  # index | episode | learner | instructor | profile | extra
    slug: str  # the name it would like in the site
    rename: str | None = None  # the name to use when ``slug`` is taken; None: leave the page out then
    line: int = 0  # line of the config entry that lists it (for diagnostics about the name)


class LessonFormat(ABC):
    """One lesson format: subclasses implement the four abstract methods and override what differs."""

    name = "unknown"
    config_file = "config.yaml"
    #: folders whose pages the site merges into one (relative links resolve against each)
    page_folders: tuple[str, ...] = ()
    #: folders of files copied into the site as they are ({folder}/fig/... -> fig/...)
    asset_folders: tuple[str, ...] = ("fig", "files", "data", "code")
    #: where asset folders are looked for ("." is the lesson root)
    asset_roots: tuple[str, ...] = (".",)
    #: folders holding data that executed code may read
    data_folders: tuple[str, ...] = ("data", "files")
    #: configuration keys the site shows, which the config-field-missing check asks for
    required_config: tuple[str, ...] = ()

    def detect(self, root: Path) -> bool:
        """Whether ``root`` is a lesson of this format (its line in ``readers/registry.py``)."""
        from lessonkit.readers.registry import REGISTERED

        return next(entry for entry in REGISTERED if entry.name == self.name).detect(str(root))

    @abstractmethod
    def read_config(self, root: Path, report: Report) -> ConfigFile:
        ...

    @abstractmethod
    def sources(self, root: Path, config: ConfigFile, report: Report) -> list[PageSource]:
        """Every page of the lesson in order (the index page first)."""
        ...

    @abstractmethod
    def parse(self, root: Path, source: PageSource, data: bytes, config: ConfigFile, report: Report
              ) -> tuple[Page, dict[str, str]]:
        """The page made from ``data`` (the bytes of ``source.rel``), and every file it was read from
        (``{rel: digest}``: the page itself, included child documents, configuration it depends on)."""
        ...

    def finish(self, lesson: Lesson, config: ConfigFile, report: Report) -> None:  # noqa: B027 (optional hook)
        """Format-specific lesson-wide parts (e.g. reference links); called after every page is read.
        A format without such parts (MyST) keeps this, which adds nothing."""

    def no_episodes(self, lesson: Lesson, config: ConfigFile, report: Report) -> None:
        """Report a lesson without episodes (formats override it with their own fix)."""
        report.warning(config.name, 0, "no-episodes", "the lesson has no episodes",
                       f"List the lesson's pages in {config.name}.")

    # -- where things are ------------------------------------------------------

    def link_candidates(self, page_source: str, path: str) -> list[str]:
        """Source paths a relative link from ``page_source`` may mean, most likely first."""
        import posixpath

        folder = posixpath.dirname(page_source)
        found = [posixpath.normpath(posixpath.join(folder, path))]
        if folder in self.page_folders or folder == "":
            # the page folders (and the root) are one folder in the site
            for other in (*self.page_folders, ""):
                joined = posixpath.normpath(posixpath.join(other, path)) if other else posixpath.normpath(path)
                if joined not in found:
                    found.append(joined)
        return [c for c in found if not c.startswith("../") and c != ".."]

    def asset_site_path(self, candidate: str) -> str | None:
        """The site path of source file ``candidate`` when it is under an asset folder."""
        parts = candidate.split("/")
        if len(parts) >= 3 and parts[0] in self.page_folders and parts[1] in self.asset_folders:
            return "/".join(parts[1:])
        if len(parts) >= 2 and parts[0] in self.asset_folders:
            return candidate
        return None

    def assets(self, root: Path, report: Report) -> list[Asset]:
        from lessonkit.readers.workbench import collect_assets

        return collect_assets(root, list(self.asset_roots), report)

    def data_roots(self, root: Path, page_source: str) -> list[Path]:
        """Folders whose data folders code on ``page_source`` may read."""
        return sorted({(root / page_source).parent, root, *(root / f for f in self.page_folders)})


def formats() -> list[LessonFormat]:
    """The formats lessonkit reads, in the order they are tried (``readers/registry.py``)."""
    return [_load(entry.where) for entry in _registered()]


def _registered():
    from lessonkit.readers.registry import REGISTERED

    return REGISTERED


def _load(where: str) -> LessonFormat:
    import importlib

    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)()


def detect(root: Path) -> LessonFormat | None:
    """The format of the lesson at ``root`` (only its reader is imported)."""
    from lessonkit.readers.registry import detect_name

    name = detect_name(root)
    return by_name(name) if name else None


def by_name(name: str) -> LessonFormat | None:
    return next((_load(entry.where) for entry in _registered() if entry.name == name), None)
