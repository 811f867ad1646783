"""Turning one Markdown source file into a :class:`Page` (shared by the readers)."""

from __future__ import annotations

from typing import Any

from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import ATX_HEADING
from lessonkit.markdown.frontmatter import FrontMatter
from lessonkit.model import Page


def as_minutes(meta: dict[str, Any], key: str, path: str, report: Report) -> int | None:
    """Read ``teaching:``/``exercises:`` as whole minutes, reporting anything else."""
    if key not in meta or meta[key] is None or meta[key] == "":
        return None
    value = meta[key]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        value = None
    elif isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isdigit() else None
    elif isinstance(value, float):
        value = int(value) if value.is_integer() else None
    if value is None or value < 0:
        report.error(
            path, 0, "episode-timing",
            f"'{key}' in the front matter must be a whole number of minutes, not {meta[key]!r}",
            f"Write e.g. '{key}: 15'.",
        )
        return None
    return value


def page_title(meta: dict[str, Any], body: str, fallback: str) -> str:
    title = meta.get("title")
    if isinstance(title, str | int | float) and not isinstance(title, bool) and str(title).strip():
        return str(title).strip()
    for line in body.split("\n")[:50]:
        m = ATX_HEADING.match(line)
        if m and len(m.group(1)) == 1 and m.group(2):
            return m.group(2).strip()
    return fallback


def make_page(kind: str, source: str, slug: str, front: FrontMatter, body: list, file_digest: str,
              report: Report) -> Page:
    stem_title = slug.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled"
    page = Page(
        kind=kind,
        source=source,
        slug=slug,
        title=page_title(front.data, front.body, stem_title),
        body=body,
        meta=front.data,
        digest=file_digest,
        teaching=as_minutes(front.data, "teaching", source, report),
        exercises=as_minutes(front.data, "exercises", source, report),
    )
    page.has_chunks = bool(page.chunks())
    lang = front.data.get("lang")
    page.lang = lang.strip() if isinstance(lang, str) else ""
    return page
