"""Exporting feedback: CSV (safe to open in a spreadsheet), JSON, and Markdown
issue bodies ready to paste into GitHub issues.

Every field of every row goes through the one escaping function of its format:

* **CSV** (``csv_cell``): every cell quoted; a spreadsheet formula cannot start
  anywhere a spreadsheet might begin a cell: at the start of the text, or after
  ``;``, ``,``, a tab or a line break (locales that separate with ``;``,
  imports that split on tabs). Such a segment gets a leading apostrophe.
* **JSON** (``json.dumps``): strings are JSON strings; nothing to interpret.
* **Markdown** (``md_text`` for prose, ``md_code`` for names): every ASCII
  punctuation character is backslash-escaped (CommonMark lets any be), so no
  emphasis, link, image, HTML, table, heading or autolink can form; ``@`` and
  ``#`` are followed by an invisible word joiner (U+2060), so GitHub's
  mentions, team mentions and issue references (which it finds in the
  rendered text, after escapes and entities are decoded) never form; a code
  span is fenced with more backticks than the text holds. Line breaks become
  spaces outside quoted comments.
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

# --- CSV ---------------------------------------------------------------------------------------------

# A formula starts with = + - @ (or their full-width forms), possibly after spaces; a cell may
# begin at the start of the text or after any of these separators.
_FORMULA = re.compile(r"(^|[;,\t\r\n])([ \u00a0]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if isinstance(value, bool | int | float):
        return text
    return _FORMULA.sub(lambda m: m[1] + m[2] + "'", text)


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


# --- JSON --------------------------------------------------------------------------------------------

def to_json(rows: list[dict]) -> str:
    return json.dumps({"feedback": rows, "count": len(rows)}, ensure_ascii=False, indent=2) + "\n"


# --- Markdown ----------------------------------------------------------------------------------------

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_WORD_JOINER = "\u2060"


def md_text(value: object, *, inline: bool = True) -> str:
    """Plain text -> Markdown that GitHub renders as the same text (no markup, mentions or links)."""
    text = "" if value is None else str(value)
    if inline:
        text = " ".join(text.split())
    else:  # one line of a quoted comment: its indentation kept, but never read as a code block
        stripped = text.lstrip(" \t")
        text = "\u00a0" * (len(text) - len(stripped)) + stripped
    text = _PUNCTUATION.sub(r"\\\1", text)
    return text.replace("@", "@" + _WORD_JOINER).replace("#", "#" + _WORD_JOINER)


md_escape = md_text  # the older name


def md_code(value: object) -> str:
    """A name as a code span, whatever backticks it holds (nothing inside a code span is markup)."""
    text = " ".join(("" if value is None else str(value)).split())
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def _first_words(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def issue_title(row: dict) -> str:
    """The issue's title as plain text (escape it for the format it goes into)."""
    kind = CATEGORIES.get(row.get("category") or "", "Feedback")
    where = str(row.get("page_title") or row["page"])
    if row.get("section_title") or row.get("section"):
        where += f" › {row.get('section_title') or row['section']}"
    summary = _first_words(str(row.get("comment") or ""))
    if not summary and row.get("rating"):
        summary = f"rated {row['rating']}/5"
    return f"{kind}: {where}" + (f" — {summary}" if summary else "")


def issue_body(row: dict) -> str:
    lines = [
        f"**Lesson:** {md_code(row['lesson'])}  ",
        f"**Episode:** {md_text(row.get('page_title') or row['page'])} ({md_code(row['page'])})  ",
    ]
    if row.get("section") or row.get("section_title"):
        anchor = f" ({md_code('#' + str(row['section']))})" if row.get("section") else ""
        lines.append(f"**Section:** {md_text(row.get('section_title') or row['section'])}{anchor}  ")
    if row.get("category"):
        lines.append(f"**Category:** {md_text(CATEGORIES.get(row['category'], row['category']))}  ")
    if row.get("rating"):
        lines.append(f"**Rating:** {md_text(row['rating'])}/5  ")
    source = "page widget" if row.get("source") == "widget" else "review"
    if row.get("round"):
        source += f" round “{md_text(row['round'])}”"
    if row.get("reviewer"):
        source += f" by {md_text(row['reviewer'])}"
    lines.append(f"**From:** {source}, {md_text(row['created_at'])}  ")
    lines.append(f"**Feedback id:** {md_text(row['id'])}")
    comment = str(row.get("comment") or "").strip()
    if comment:
        lines.append("")
        lines.extend("> " + md_text(line, inline=False) if line.strip() else ">"
                     for line in comment.splitlines())
    return "\n".join(lines) + "\n"


def to_markdown(rows: list[dict]) -> str:
    """One block per item: a ``##`` line with the issue title, then the issue body."""
    if not rows:
        return "_No feedback matches these filters._\n"
    blocks = []
    for row in rows:
        blocks.append(f"## {md_text(issue_title(row))}\n\n{issue_body(row)}")
    return "\n---\n\n".join(blocks)


def render(rows: list[dict], fmt: str) -> str:
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "json":
        return to_json(rows)
    if fmt == "md":
        return to_markdown(rows)
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
