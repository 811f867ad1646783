"""Accessibility: link text that says where a link goes, tables with a header row."""

from __future__ import annotations

import re

from lessonkit.checks.registry import Context, rule
from lessonkit.diagnostics import Severity
from lessonkit.model import Page

VAGUE_LINK_TEXT = {"here", "click here", "this link", "link", "this", "more", "read more", "click", "this page",
                   "go here", "see here", "website", "url", "learn more", "details"}


@rule("link-text-vague", Severity.WARNING, "Link text says where the link goes ('here' does not, out of context).")
def vague(page: Page, context: Context):
    for node, link in context.page_scan(page).links():
        if link.image:
            continue
        text = re.sub(r"[^\w\s]", "", re.sub(r"<[^>]+>|[*_`]", "", link.text)).strip().lower()
        if text in VAGUE_LINK_TEXT:
            yield context.diagnostic(
                "link-text-vague", page, link.line, link.column,
                f"link text '{link.text.strip()}' does not say where the link goes",
                "Use the name of the target as the link text, e.g. 'the [setup instructions](setup.md)'.", node)


@rule("table-header-missing", Severity.WARNING, "Tables have a header row, so screen readers can name the columns.")
def table_header(page: Page, context: Context):
    for node, result in context.page_scan(page).runs:
        for table in result.tables:
            if not table.has_header:
                yield context.diagnostic(
                    "table-header-missing", page, table.line, 1, "table without a header row",
                    "Give the table a first row of column names (pipe tables: the row above '|---|'; "
                    "HTML tables: <th> cells).", node)
