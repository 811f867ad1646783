"""Accessibility: link text that says where a link goes, tables with a header row."""

from __future__ import annotations

import re

from lessonkit.checks.context import PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.diagnostics import Severity

VAGUE_LINK_TEXT = {"here", "click here", "this link", "link", "this", "more", "read more", "click", "this page",
                   "go here", "see here", "website", "url", "learn more", "details"}


def plain_text(text: str) -> str:
    """Link text as a reader hears it: no tags, emphasis or punctuation, one space between words."""
    return " ".join(re.sub(r"[^\w\s]", "", re.sub(r"<[^>]+>|[*_`]", "", text)).split())


@rule("link-text-vague", Severity.WARNING, "Link text says where the link goes ('here' does not, out of context).")
def vague(scan: PageScan):
    for link in scan.links():
        if link.image or link.definition:
            continue
        if plain_text(link.text).lower() in VAGUE_LINK_TEXT:
            yield Finding(link.at, f"link text '{link.text.strip()}' does not say where the link goes",
                          "Use the name of the target as the link text, e.g. 'the [setup instructions](setup.md)'.")


@rule("link-text-short", Severity.WARNING, "Link text is longer than one character, so it can be read and clicked.")
def short(scan: PageScan):
    for link in scan.links():
        if link.image or link.definition or "<img" in link.text.lower() or "![" in link.text:
            continue  # an image link is named by the image's alt text
        text = " ".join(re.sub(r"<[^>]+>|[*_`]", "", link.text).split())
        if len(text) == 1:
            yield Finding(link.at, f"link text '{text}' is a single character: hard to read aloud and to click",
                          "Use words that name the target as the link text (footnotes: write [^1], not [1](#x)).")


@rule("table-header-missing", Severity.WARNING, "Tables have a header row, so screen readers can name the columns.")
def table_header(scan: PageScan):
    for run in scan.runs:
        for table in run.found.tables:
            if not table.has_header:
                yield Finding(table.at, "table without a header row",
                              "Give the table a first row of column names (pipe tables: the row above '|---|'; "
                              "HTML tables: <th> cells).")
