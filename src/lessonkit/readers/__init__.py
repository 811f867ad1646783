"""Readers: one per lesson format, each producing the same lesson model.

The formats and what each knows are in :mod:`lessonkit.readers.formats`; the
pipeline they share is :mod:`lessonkit.readers.pipeline`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lessonkit.readers.registry import detect_name

if TYPE_CHECKING:
    from lessonkit.model import Lesson
    from lessonkit.readers.page_cache import PageCache


def detect_format(root: Path) -> str | None:
    """The name of the format of the lesson at ``root`` ('workbench', 'styles', ...), or None."""
    return detect_name(root)


def read_lesson(root: Path | str, format: str | None = None, cache: PageCache | None = None) -> Lesson:
    """Read the lesson at ``root``; problems are in ``lesson.report``, never raised.

    ``cache`` (optional) keeps parsed pages between reads, so that only changed files are parsed again.
    """
    from lessonkit.diagnostics import Report
    from lessonkit.model import Lesson, LessonConfig
    from lessonkit.readers.formats import by_name, detect
    from lessonkit.readers.pipeline import read_with

    root = Path(root)
    if not root.is_dir():
        report = Report()
        report.error(str(root), 0, "lesson-not-found", f"{root} is not a folder",
                     "Give the path of a lesson folder (the one holding config.yaml or _config.yml).")
        return Lesson(root=root, format="unknown", config=LessonConfig(), report=report)
    fmt = by_name(format) if format else detect(root)
    if fmt is not None:
        return read_with(fmt, root, cache)
    report = Report()
    report.error(
        ".", 0, "lesson-format",
        f"{root} is not a lesson: it has neither config.yaml (Workbench) nor _config.yml with _episodes/ (styles)",
        "Run the command on the lesson's root folder, or create a lesson with 'lessonkit new NAME'.",
    )
    return Lesson(root=root.resolve(), format="unknown", config=LessonConfig(), report=report)
