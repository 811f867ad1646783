"""Glosario links (``{{ glosario.slug }}``, see lessonkit.glosario and docs/theming.md): the
glossary can be had, every slug is in it, and a lesson that writes placeholders enables them.

The placeholders are found by the lesson Markdown parser, the one the renderer uses."""

from __future__ import annotations

from functools import lru_cache

from lessonkit import glosario
from lessonkit.checks.context import Context
from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Report, Severity
from lessonkit.markdown.glosario import placeholder_uses
from lessonkit.model import Lesson, Markdown


@lru_cache(maxsize=4096)
def _uses(text: str, first_line: int) -> tuple[tuple[str, int, int], ...]:
    return tuple(placeholder_uses(text, first_line))


def lesson_uses(lesson: Lesson, context: Context) -> list[tuple[str, str, int, int]]:
    """(file, slug, line, column) of every placeholder in the lesson (per page version, from the facts)."""
    def page_uses(page) -> list[list]:
        return [[node.source or page.source, *use] for node, _ in page.walk()
                if isinstance(node, Markdown) and "glosario." in node.text for use in _uses(node.text, node.line)]

    found: list[tuple[str, str, int, int]] = []
    for page in lesson.pages():
        found.extend(tuple(row) for row in context.page_fact(page, "glosario", page_uses))
    return found


def _glossary(lesson: Lesson, context: Context) -> tuple[glosario.Glosario | None, Report]:
    if "glosario" not in context.memo:
        report = Report()
        context.memo["glosario"] = (glosario.of(lesson, report), report)
    return context.memo["glosario"]


def _findings(report: Report, rule_id: str):
    for item in report:
        if item.rule == rule_id:
            yield Finding(Spot(item.path, item.line, item.column), item.message, item.fix, item.severity)


@rule(glosario.RULE_FILE, Severity.ERROR, "The Glosario copy named by 'glosario:' in config.yaml can be read.")
def glossary_file(lesson: Lesson, context: Context):
    _, report = _glossary(lesson, context)
    yield from _findings(report, glosario.RULE_FILE)
    yield from _findings(report, "path-outside-lesson")


@rule(glosario.RULE_UNAVAILABLE, Severity.WARNING, "With 'glosario: true', the Glosario glossary can be had "
      "(downloaded, or kept from an earlier download).")
def unavailable(lesson: Lesson, context: Context):
    _, report = _glossary(lesson, context)
    yield from _findings(report, glosario.RULE_UNAVAILABLE)


@rule("glosario-term-unknown", Severity.WARNING, "Every {{ glosario.slug }} names a term Glosario has.")
def unknown(lesson: Lesson, context: Context):
    found, _ = _glossary(lesson, context)
    if found is None or not found.available:
        return
    for path, slug, line, column in lesson_uses(lesson, context):
        if not found.knows(slug):
            close = found.suggestions(slug)
            hint = f"Did you mean {', '.join(close)}? " if close else ""
            yield Finding(Spot(path, line, column),
                          f"Glosario has no term '{slug}': the page shows '{slug.replace('_', ' ')}' without a link",
                          f"{hint}Use the slug of a term at {glosario.SITE}/en/ (the part after '#'), "
                          "or write the word without the placeholder.")


@rule("glosario-disabled", Severity.WARNING, "Glosario placeholders are used only when config.yaml enables Glosario.")
def disabled(lesson: Lesson, context: Context):
    if glosario.setting(lesson.config.extra) is not False:
        return
    for path, slug, line, column in lesson_uses(lesson, context):
        yield Finding(Spot(path, line, column),
                      f"{{{{ glosario.{slug} }}}} is shown as written: config.yaml does not set 'glosario: true'",
                      "Add 'glosario: true' to config.yaml to link Glosario's terms, or remove the placeholder.")
