"""The lesson's language: lessonkit has an interface catalogue for it (lessonkit.locale)."""

from __future__ import annotations

from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Severity
from lessonkit.locale import LANGUAGES, RTL, base_language, supported
from lessonkit.model import Lesson
from lessonkit.readers.formats import ConfigFile


def _unsupported(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not supported(value)


def _finding(spot: Spot, value: str) -> Finding:
    known = ", ".join(sorted(LANGUAGES))
    direction = " (its right-to-left direction is applied)" if base_language(value) in RTL else ""
    return Finding(spot, f"lessonkit has no interface translation for the language '{value}': the site's buttons, "
                         f"menus and block titles will be in English{direction}",
                   f"Use one of {known}, or add a catalogue for '{value}' (docs/translations.md).")


def _front_matter_line(lesson: Lesson, source: str) -> int:
    try:
        lines = (lesson.root / source).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return 1
    return next((i for i, line in enumerate(lines[:60], start=1) if line.startswith("lang:")), 1)


@rule("lang-unsupported", Severity.WARNING, "The lesson's language has an interface translation in lessonkit.")
def language_unsupported(lesson: Lesson, config: ConfigFile):
    value = lesson.config.lang
    if _unsupported(value):
        line = config.line("lang")
        yield _finding(Spot(config.name, line, 1 if line else 0), value)
    for page in lesson.pages():
        own = page.lang or None  # known without opening a cached page
        if _unsupported(own) and own != value:
            yield _finding(Spot(page.source, _front_matter_line(lesson, page.source), 1), own)
