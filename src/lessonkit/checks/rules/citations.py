"""Citations: every cited key is in the bibliography, and every entry is cited.

The bibliography and the citation syntax are described in docs/credit.md; the citations are
found by the lesson Markdown parser (``lessonkit.markdown.citations``), the same one the
renderer uses.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lessonkit.checks.context import Context
from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.credit.bibliography import Bibliography, bibliography_path, load_bibliography, style_known
from lessonkit.diagnostics import Diagnostic, Report, Severity
from lessonkit.markdown.citations import CitationUse, citation_uses
from lessonkit.model import Lesson, Markdown


def _bibliography(lesson: Lesson, context: Context) -> tuple[Bibliography | None, Report]:
    if "citations" not in context.memo:
        report = Report()
        context.memo["citations"] = (load_bibliography(lesson, report), report)
    return context.memo["citations"]


@lru_cache(maxsize=4096)
def _uses(text: str, first_line: int, bare: bool) -> tuple[CitationUse, ...]:
    return tuple(citation_uses(text, first_line, {"citations": True} if bare else None))


def _finding(item: Diagnostic) -> Finding:
    return Finding(Spot(item.path, item.line, item.column), item.message, item.fix, item.severity)


#: Where a citation can start: '@' (or '-@') then a key character, not inside a word or an e-mail
#: address (the markdown-it citation rules need this too); a run of Markdown without one is not parsed.
MAY_CITE = re.compile(r"(?:(?<![\w@.+-])@|(?<![\w@.+-])-@)[A-Za-z0-9_{]")


def lesson_uses(lesson: Lesson, bare: bool, context: Context | None = None) -> list[tuple[str, CitationUse]]:
    """(file, use) for every citation in the lesson's pages (per page version, from the context's facts)."""
    def page_uses(page) -> list[list]:
        found = []
        for node, _ in page.walk():
            if isinstance(node, Markdown) and "@" in node.text and MAY_CITE.search(node.text):
                path = node.source or page.source
                found.extend([path, u.key, u.line, u.column, u.narrative] for u in _uses(node.text, node.line, bare))
        return found

    found: list[tuple[str, CitationUse]] = []
    for page in lesson.pages():
        rows = context.page_fact(page, f"citations-{int(bare)}", page_uses) if context else page_uses(page)
        found.extend((path, CitationUse(key, line, column, narrative)) for path, key, line, column, narrative in rows)
    return found


@rule("citation-bibliography", Severity.ERROR, "The bibliography named in config.yaml exists and can be read.")
def bibliography_problems(lesson: Lesson, context: Context):
    bib, report = _bibliography(lesson, context)
    for item in report:
        if item.rule == "citation-bibliography":
            yield _finding(item)
    if bib is not None:
        style = str(lesson.config.extra.get("citation_style") or "")
        if style and not style_known(style, lesson.root):
            yield Finding(
                Spot("config.yaml", 0, 0), f"unknown citation style {style!r}; APA is used instead",
                "Name a style of the CSL repository (e.g. apa, american-medical-association, ieee, harvard-cite-them-right) "
                "or a .csl file in the lesson.", Severity.WARNING)


@rule("citation-duplicate", Severity.ERROR, "Each bibliography key is defined once.")
def duplicate_keys(lesson: Lesson, context: Context):
    _, report = _bibliography(lesson, context)
    yield from (_finding(item) for item in report if item.rule == "citation-duplicate")


@rule("citation-undefined", Severity.ERROR, "Every cited key is in the lesson's bibliography.")
def undefined(lesson: Lesson, context: Context):
    bib, _ = _bibliography(lesson, context)
    rel, _ = bibliography_path(lesson)
    for path, use in lesson_uses(lesson, bare=bib is not None, context=context):
        if bib is None:
            yield Finding(
                Spot(path, use.line, use.column), f"@{use.key} is cited but the lesson has no bibliography",
                f"Add the work to {rel} (BibTeX) at the lesson root, or set 'bibliography:' in config.yaml.")
        elif not bib.known(use.key):
            import difflib  # only for a suggestion
            close = difflib.get_close_matches(use.key.lower(), list(bib.items), n=1, cutoff=0.6)
            hint = f"Did you mean @{bib.keys[close[0]]}? " if close else ""
            yield Finding(
                Spot(path, use.line, use.column), f"@{use.key} is not in the bibliography {bib.path}",
                f"{hint}Add an entry with the key {use.key!r} to {bib.path}, or correct the key.")


@rule("citation-unused", Severity.WARNING, "Every entry of the bibliography is cited somewhere.")
def unused(lesson: Lesson, context: Context):
    bib, _ = _bibliography(lesson, context)
    if bib is None or not bib.items:
        return
    cited = {use.key.lower() for _, use in lesson_uses(lesson, bare=True, context=context)}
    for key in bib.items:
        if key not in cited:
            yield Finding(
                Spot(bib.path, bib.lines.get(key, 0), 0), f"the entry {bib.keys[key]!r} is never cited",
                f"Cite it where it is used ([@{bib.keys[key]}]) or remove it from {bib.path}.")
