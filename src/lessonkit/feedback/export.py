"""Exporting feedback: CSV (safe to open in a spreadsheet), JSON, and Markdown
issue bodies ready to paste into GitHub issues.

User text is neutralised for each format: CSV cells that a spreadsheet would
run as a formula get a leading apostrophe; in Markdown, markup characters are
escaped and ``@mentions`` / ``#refs`` are written as entities, so a pasted
comment shows exactly what was written and pings nobody.
"""

from __future__ import annotations

import csv
import io
import json
import re

from lessonkit.feedback.models import CATEGORIES

COLUMNS = ["id", "lesson", "page", "page_title", "section", "section_title", "rating", "category", "comment",
           "source", "round", "reviewer", "status", "assignee", "created_at", "updated_at", "client_id"]
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "md": "text/markdown; charset=utf-8"}


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps({"feedback": rows, "count": len(rows)}, ensure_ascii=False, indent=2) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_escape(text: str) -> str:
    """Plain text -> Markdown that renders as the same text (no markup, no mentions)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "&#64;")


def _first_words(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def issue_title(row: dict) -> str:
    kind = CATEGORIES.get(row.get("category") or "", "Feedback")
    where = row.get("page_title") or row["page"]
    if row.get("section_title") or row.get("section"):
        where += f" › {row.get('section_title') or row['section']}"
    summary = _first_words(row.get("comment") or "")
    if not summary and row.get("rating"):
        summary = f"rated {row['rating']}/5"
    return f"{kind}: {where}" + (f" — {summary}" if summary else "")


def issue_body(row: dict) -> str:
    lines = [
        f"**Lesson:** `{row['lesson']}`  ",
        f"**Episode:** {md_escape(row.get('page_title') or row['page'])} (`{row['page']}`)  ",
    ]
    if row.get("section") or row.get("section_title"):
        anchor = f" (`#{row['section']}`)" if row.get("section") else ""
        lines.append(f"**Section:** {md_escape(row.get('section_title') or row['section'])}{anchor}  ")
    if row.get("category"):
        lines.append(f"**Category:** {CATEGORIES.get(row['category'], row['category'])}  ")
    if row.get("rating"):
        lines.append(f"**Rating:** {row['rating']}/5  ")
    source = "page widget" if row.get("source") == "widget" else "review"
    if row.get("round"):
        source += f" round “{md_escape(row['round'])}”"
    if row.get("reviewer"):
        source += f" by {md_escape(row['reviewer'])}"
    lines.append(f"**From:** {source}, {row['created_at']}  ")
    lines.append(f"**Feedback id:** {row['id']}")
    comment = (row.get("comment") or "").strip()
    if comment:
        lines.append("")
        lines.extend("> " + md_escape(line) if line.strip() else ">" for line in comment.splitlines())
    return "\n".join(lines) + "\n"


def to_markdown(rows: list[dict]) -> str:
    """One block per item: a ``##`` line with the issue title, then the issue body."""
    if not rows:
        return "_No feedback matches these filters._\n"
    blocks = []
    for row in rows:
        blocks.append(f"## {md_escape(issue_title(row))}\n\n{issue_body(row)}")
    return "\n---\n\n".join(blocks)


def render(rows: list[dict], fmt: str) -> str:
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "json":
        return to_json(rows)
    if fmt == "md":
        return to_markdown(rows)
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
