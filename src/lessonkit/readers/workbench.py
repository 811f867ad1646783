"""Reader for Carpentries Workbench lessons (sandpaper's format).

A Workbench lesson has ``config.yaml`` at its root, pages in ``episodes/``,
``learners/``, ``instructors/`` and ``profiles/`` (Markdown or R Markdown), an
``index.md`` landing page and optionally ``links.md`` with reference links.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.markdown.frontmatter import load_yaml, split_front_matter
from lessonkit.markdown.references import collect_references
from lessonkit.model import Asset, CodeChunk, Lesson, LessonConfig, Node, Page
from lessonkit.readers.formats import (
    PAGE_SUFFIXES,
    UNREADABLE,
    ConfigFile,
    LessonFormat,
    PageSource,
    key_positions,
)
from lessonkit.readers.page_cache import PageCache
from lessonkit.readers.page_text import make_page
from lessonkit.readers.paths import entry_problem, resolve_inside, walk_files
from lessonkit.readers.sources import decode, digest, read_text
from lessonkit.readers.urls import check_config_urls

FOLDERS = {"episodes": "episode", "learners": "learner", "instructors": "instructor", "profiles": "profile"}
ASSET_FOLDERS = ("fig", "files", "data", "code")
CONFIG_FIELDS = ("title", "carpentry", "life_cycle", "license", "source", "branch", "contact", "created",
                 "url", "lang")
MAX_CHILD_DEPTH = 8
#: Child documents included into one page, in all (a document included twice counts twice).
MAX_CHILD_INCLUSIONS = 64


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


class ConfigLines(dict):
    """Line numbers of the entries of the episodes/learners/... lists in config.yaml,
    worked out only when a diagnostic needs one."""

    def __init__(self, config_text: str):
        super().__init__()
        self.text = config_text
        self.done = False

    def get(self, key, default=None):
        if not self.done:
            self.update(_list_lines(self.text))
            self.done = True
        return super().get(key, default)


def _list_lines(config_text: str) -> dict[str, list[int]]:
    """Line numbers of the entries of the episodes/learners/... lists in config.yaml."""
    lines: dict[str, list[int]] = {}
    for key, (line, items) in key_positions(config_text).items():
        if key in FOLDERS:
            if items:
                lines[key] = items
            lines[key + ":key"] = [line]
    return lines


def read_config(root: Path, report: Report) -> tuple[LessonConfig, dict[str, Any], str]:
    rel = "config.yaml"
    read = read_text(root / rel, rel, report)
    if read is None:
        return LessonConfig(), {}, ""
    text, _ = read
    data = load_yaml(text, rel, report)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        report.error(rel, 1, "config-not-mapping", "config.yaml must be a mapping of keys to values",
                     "Write the configuration as 'key: value' lines, e.g. \"title: 'My lesson'\".")
        data = {}
    config = LessonConfig()
    for name in CONFIG_FIELDS:
        if data.get(name) not in (None, ""):
            setattr(config, name, _scalar(data[name]))
    keywords = data.get("keywords")
    if isinstance(keywords, str):
        config.keywords = [k.strip() for k in keywords.split(",") if k.strip()]
    elif isinstance(keywords, list):
        config.keywords = [str(k).strip() for k in keywords if str(k).strip()]
    config.overview = data.get("overview") is True
    known = {*CONFIG_FIELDS, "keywords", "overview", *FOLDERS}
    config.extra = {k: v for k, v in data.items() if k not in known}
    check_config_urls(config, text, rel, report)  # source/url/contact/feedback_url: http(s)/mailto only
    return config, data, text


def _listed(data: dict[str, Any], folder: str, root: Path, report: Report, lines: ConfigLines) -> list[str]:
    """File names for one folder: the config's order, or alphabetical when empty."""
    entries = data.get(folder)
    directory = root / folder
    files: set[str] = set()
    try:
        with os.scandir(directory) as entries_found:  # d_type: no stat() per file
            files = {e.name for e in entries_found if not e.name.startswith(".") and e.is_file()}
    except OSError:
        pass
    present = sorted(n for n in files if os.path.splitext(n)[1] in PAGE_SUFFIXES)
    if entries in (None, "", []):
        return present
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list):
        line = lines.get(folder + ":key", [1])[0]
        report.error("config.yaml", line, "config-list", f"'{folder}' must be a list of file names",
                     f"Write '{folder}:' followed by lines like '- introduction.md'.")
        return present
    names: list[str] = []
    entry_lines = lines.get(folder, [])
    for position, entry in enumerate(entries):
        line = entry_lines[position] if position < len(entry_lines) else lines.get(folder + ":key", [1])[0]
        if not isinstance(entry, str) or not entry.strip():
            report.error("config.yaml", line, "config-list", f"entry {position + 1} of '{folder}' is not a file name",
                         "Each entry is a file name such as 'introduction.md'.")
            continue
        name = entry.strip()
        if (problem := entry_problem(name)) is not None:
            report.error("config.yaml", line, "path-outside-lesson",
                         f"'{folder}' entry {name!r} {problem}; only files inside {folder}/ can be listed",
                         f"Write the file's name inside {folder}/, e.g. '- introduction.md'.")
            continue
        if name not in files and not (directory / name).is_file():  # a name in a sub-folder is stat()ed
            hint = _closest(name, present)
            report.error(
                "config.yaml", line, "config-missing-file",
                f"'{folder}' lists {name}, but {folder}/{name} does not exist",
                f"Create {folder}/{name}, remove it from the list" + (f", or did you mean {hint}?" if hint else "."),
            )
            continue
        if name in names:
            report.warning("config.yaml", line, "config-duplicate", f"{name} is listed twice in '{folder}'",
                           "Remove the second entry.")
            continue
        names.append(name)
    return names


def _closest(name: str, candidates: list[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return match[0] if match else None


def _include_children(nodes: list[Node], root: Path, folder: Path, rel: str, report: Report,
                      files: dict[str, str], depth: int, chain: tuple[str, ...] = (),
                      budget: list[int] | None = None) -> list[Node]:
    """Replace knitr chunks with ``child="file.Rmd"`` by the child document's content.

    ``chain`` holds the documents being included (a document including one of them is a cycle);
    ``budget`` the inclusions this page may still make (against exponential fan-out)."""
    budget = budget if budget is not None else [MAX_CHILD_INCLUSIONS]
    result: list[Node] = []
    for node in nodes:
        if isinstance(node, CodeChunk) and node.option("child"):
            child = node.option("child")
            if not isinstance(child, str):
                report.warning(rel, node.line, "chunk-child", f"cannot read child={child!r}",
                               'Write child="path/to/file.Rmd".')
                continue
            target = resolve_inside(root, folder / child)
            if target is None:
                report.error(rel, node.line, "path-outside-lesson", f"child document {child} is outside the lesson",
                             "Keep child documents inside the lesson folder.")
                continue
            child_rel = target.relative_to(os.path.realpath(root)).as_posix()
            if child_rel in chain:
                report.error(rel, node.line, "chunk-child",
                             f"child document {child} includes itself ({' -> '.join((*chain, child_rel))})",
                             "Remove the child= chunk that closes the cycle.")
                continue
            if budget[0] <= 0:
                if budget[0] == 0:  # said once per page
                    report.error(rel, node.line, "chunk-child",
                                 f"more than {MAX_CHILD_INCLUSIONS} child documents are included into one page",
                                 "Include each child document once, or split the page.")
                    budget[0] = -1
                continue
            budget[0] -= 1
            if depth >= MAX_CHILD_DEPTH:
                report.error(rel, node.line, "chunk-child", f"child documents nested deeper than {MAX_CHILD_DEPTH}",
                             "Check for a child document that includes itself.")
                continue
            read = read_text(target, child_rel, report)
            if read is None:
                report.error(rel, node.line, "chunk-child", f"child document {child} cannot be read",
                             f"Create {child_rel} or fix the path in the chunk's child= option.")
                continue
            text, child_digest = read
            files[child_rel] = child_digest
            front = split_front_matter(text, child_rel, report)
            children = parse_body(front.body, front.body_line, child_rel, report)
            _mark_source(children, child_rel)
            result.extend(_include_children(children, root, target.parent, child_rel, report, files, depth + 1,
                                            (*chain, child_rel), budget))
            continue
        if hasattr(node, "children"):
            node.children = _include_children(node.children, root, folder, rel, report, files, depth, chain, budget)
        result.append(node)
    return result


def _mark_source(nodes: list[Node], source: str) -> None:
    from lessonkit.model import Block

    for node in nodes:
        node.source = source
        if isinstance(node, Block):
            _mark_source(node.children, source)


def _slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "page"


class WorkbenchFormat(LessonFormat):
    """The Carpentries Workbench (sandpaper): config.yaml, episodes/, learners/, instructors/, profiles/."""

    name = "workbench"
    config_file = "config.yaml"
    page_folders = tuple(FOLDERS)
    required_config = ("title", "carpentry", "life_cycle", "license", "source", "contact")
    asset_roots = (*FOLDERS, ".")


    def read_config(self, root: Path, report: Report) -> ConfigFile:
        config, data, text = read_config(root, report)
        unreadable = any(d.path == "config.yaml" and d.rule in UNREADABLE for d in report)
        return ConfigFile("config.yaml", config, data, text, digest(text.encode()), not unreadable)

    def sources(self, root: Path, config: ConfigFile, report: Report) -> list[PageSource]:
        found: list[PageSource] = []
        index_rel = next((n for n in ("index.md", "index.Rmd") if (root / n).is_file()), None)
        if index_rel:
            found.append(PageSource(index_rel, "index", "index"))
        lines = ConfigLines(config.text)
        for folder, kind in FOLDERS.items():
            if folder == "episodes" and config.config.overview and not (root / folder).is_dir():
                continue  # a workshop overview page: no episodes of its own
            for name in _listed(config.data, folder, root, report, lines):
                slug = _slug(name)
                found.append(PageSource(f"{folder}/{name}", kind, slug, rename=f"{folder}-{slug}"))
        for name in EXTRA_PAGES:
            if (root / name).is_file():
                found.append(PageSource(name, "extra", _slug(name)))  # left out when its name is taken
        return found

    def parse(self, root: Path, source: PageSource, data: bytes, config: ConfigFile, report: Report
              ) -> tuple[Page, dict[str, str]]:
        rel = source.rel
        text = decode(data, rel, report)
        front = split_front_matter(text, rel, report)
        body = parse_body(front.body, front.body_line, rel, report)
        files = {rel: digest(data)}
        body = _include_children(body, root, (root / rel).parent, rel, report, files, 0, (rel,),
                                [MAX_CHILD_INCLUSIONS])
        combined = digest("".join(files.values()).encode()) if len(files) > 1 else files[rel]
        return make_page(source.kind, rel, source.slug, front, body, combined, report), files

    def no_episodes(self, lesson: Lesson, config: ConfigFile, report: Report) -> None:
        if not config.config.overview and not report.errors:
            report.warning(
                "config.yaml", 0, "no-episodes",
                "the lesson has no episodes",
                "Add Markdown files to episodes/ (and list them under 'episodes:' in config.yaml), "
                "or set 'overview: true' for a workshop overview page.",
            )

    def finish(self, lesson: Lesson, config: ConfigFile, report: Report) -> None:
        links = lesson.root / "links.md"
        if links.is_file():
            read = read_text(links, "links.md", report)
            if read is not None:
                lesson.references = collect_references(read[0])
                lesson.files["links.md"] = read[1]


def read_workbench(root: Path, cache: PageCache | None = None) -> Lesson:
    from lessonkit.readers.pipeline import read_with

    return read_with(WorkbenchFormat(), root, cache)


#: Pages at the lesson's root that the site shows too (linked from the footer).
EXTRA_PAGES = ("LICENSE.md", "CODE_OF_CONDUCT.md", "CONTRIBUTING.md")

def collect_assets(root: Path, folders: list[str], report: Report | None = None) -> list[Asset]:
    """Files under <folder>/{fig,files,data,code} are copied to {fig,files,data,code}/ in the site.
    Symbolic links that lead outside the lesson are refused (reported to ``report``)."""
    assets: dict[str, Asset] = {}
    for folder in folders:
        for sub in ASSET_FOLDERS:
            base = root / folder / sub
            if not base.is_dir():
                continue
            rel_base = sub if folder == "." else f"{folder}/{sub}"
            for path, rel in walk_files(root, base, report, rel_base):
                target = f"{sub}/{rel}"
                assets.setdefault(target, Asset(path, target))
    return list(assets.values())
