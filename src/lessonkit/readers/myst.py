"""A sketch of a third format, to keep the format boundary honest: a MyST Markdown project.

A folder with ``myst.yml`` whose ``project.toc`` lists the pages in order
(``- file: intro.md``); the first entry is the landing page, the others are
episodes. Pages are read with the lesson Markdown dialect (MyST's ``:::``
directives are pandoc-style fenced divs). Only what is needed to build such a
folder into a lesson site is understood; everything else in ``myst.yml`` is kept
in ``config.extra``.
"""

from __future__ import annotations

import re
from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.markdown.frontmatter import load_yaml, split_front_matter
from lessonkit.model import LessonConfig, Page
from lessonkit.readers.formats import PAGE_SUFFIXES, ConfigFile, LessonFormat, PageSource
from lessonkit.readers.page_text import make_page
from lessonkit.readers.sources import decode, digest, read_text


class MystFormat(LessonFormat):
    name = "myst"
    config_file = "myst.yml"
    page_folders = ()
    asset_roots = (".",)

    def read_config(self, root: Path, report: Report) -> ConfigFile:
        read = read_text(root / "myst.yml", "myst.yml", report)
        data = load_yaml(read[0], "myst.yml", report) if read else None
        data = data if isinstance(data, dict) else {}
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        config = LessonConfig()
        for key in ("title", "license", "url"):
            if isinstance(project.get(key), str) and project[key].strip():
                setattr(config, key, project[key].strip())
        if isinstance(project.get("github"), str):
            config.source = project["github"]
        config.extra = {k: v for k, v in data.items() if k != "project"}
        return ConfigFile("myst.yml", config, data, read[0] if read else "", read[1] if read else None,
                          read is not None)

    def sources(self, root: Path, config: ConfigFile, report: Report) -> list[PageSource]:
        project = config.data.get("project") if isinstance(config.data.get("project"), dict) else {}
        toc = project.get("toc")
        files: list[str] = []
        if isinstance(toc, list):
            files = [str(e["file"]) for e in toc if isinstance(e, dict) and isinstance(e.get("file"), str)]
        if not files:
            files = sorted(p.name for p in root.iterdir() if p.is_file() and p.suffix in PAGE_SUFFIXES)
        found: list[PageSource] = []
        for position, rel in enumerate(files):
            if not (root / rel).is_file():
                report.error("myst.yml", config.item_line("project", 0), "config-missing-file",
                             f"the table of contents lists {rel}, which does not exist",
                             f"Create {rel} or remove it from project.toc in myst.yml.")
                continue
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", rel.rsplit(".", 1)[0]).strip("-") or "page"
            if position == 0:
                found.append(PageSource(rel, "index", "index"))
            else:
                found.append(PageSource(rel, "episode", slug, rename=f"episode-{slug}"))
        return found

    def parse(self, root: Path, source: PageSource, data: bytes, config: ConfigFile, report: Report
              ) -> tuple[Page, dict[str, str]]:
        text = decode(data, source.rel, report)
        front = split_front_matter(text, source.rel, report)
        body = parse_body(front.body, front.body_line, source.rel, report)
        page = make_page(source.kind, source.rel, source.slug, front, body, digest(data), report)
        return page, {source.rel: digest(data)}
