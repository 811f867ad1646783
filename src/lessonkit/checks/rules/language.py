"""The lesson's language: lessonkit has an interface catalogue for it (lessonkit.locale)."""

from __future__ import annotations

from lessonkit.checks.registry import Context, rule
from lessonkit.diagnostics import Severity
from lessonkit.locale import LANGUAGES, RTL, base_language, supported
from lessonkit.model import Lesson


def _unsupported(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not supported(value)


def _message(value: str) -> tuple[str, str]:
    known = ", ".join(sorted(LANGUAGES))
    direction = " (its right-to-left direction is applied)" if base_language(value) in RTL else ""
    return (f"lessonkit has no interface translation for the language '{value}': the site's buttons, menus and "
            f"block titles will be in English{direction}",
            f"Use one of {known}, or add a catalogue for '{value}' (docs/translations.md).")


def _config_line(lesson: Lesson, key: str) -> int:
    name = "config.yaml" if lesson.format == "workbench" else "_config.yml"
    try:
        lines = (lesson.root / name).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return 0
    return next((i for i, line in enumerate(lines, start=1) if line.startswith(f"{key}:")), 0)


@rule("lang-unsupported", Severity.WARNING, "The lesson's language has an interface translation in lessonkit.",
      scope="lesson")
def language_unsupported(lesson: Lesson, context: Context):
    name = "config.yaml" if lesson.format == "workbench" else "_config.yml"
    value = lesson.config.lang
    if _unsupported(value):
        line = _config_line(lesson, "lang")
        message, fix = _message(value)
        yield context.diagnostic("lang-unsupported", None, line,
                                 1 if line else 0, message, fix, path=name)
    for page in lesson.pages():
        own = page.meta.get("lang") if isinstance(page.meta, dict) else None
        if _unsupported(own) and own != value:
            message, fix = _message(own)
            yield context.diagnostic("lang-unsupported", page, _front_matter_line(lesson, page.source), 1,
                                     message, fix)


def _front_matter_line(lesson: Lesson, source: str) -> int:
    try:
        lines = (lesson.root / source).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return 1
    return next((i for i, line in enumerate(lines[:60], start=1) if line.startswith("lang:")), 1)
