"""Readers: one per lesson format, each producing the same lesson model."""

from __future__ import annotations

from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.model import Lesson, LessonConfig
from lessonkit.readers import workbench
from lessonkit.readers.page_cache import PageCache

FORMATS = ("workbench", "styles")


def detect_format(root: Path) -> str | None:
    """'workbench', 'styles' or None when ``root`` is not a lesson we can read."""
    if workbench.is_workbench(root):
        return "workbench"
    try:
        from lessonkit.readers import styles
    except ImportError:  # pragma: no cover - the styles reader is optional at import time
        return None
    if styles.is_styles(root):
        return "styles"
    return None


def read_lesson(root: Path | str, format: str | None = None, cache: PageCache | None = None) -> Lesson:
    """Read the lesson at ``root``; problems are in ``lesson.report``, never raised.

    ``cache`` (optional) keeps parsed pages between reads, so that only changed files are parsed again.
    """
    root = Path(root)
    if not root.is_dir():
        report = Report()
        report.error(str(root), 0, "lesson-not-found", f"{root} is not a folder",
                     "Give the path of a lesson folder (the one holding config.yaml or _config.yml).")
        return Lesson(root=root, format="unknown", config=LessonConfig(), report=report)
    format = format or detect_format(root)
    if format == "workbench":
        return workbench.read_workbench(root, cache)
    if format == "styles":
        from lessonkit.readers import styles

        return styles.read_styles(root, cache)
    report = Report()
    report.error(
        ".", 0, "lesson-format",
        f"{root} is not a lesson: it has neither config.yaml (Workbench) nor _config.yml with _episodes/ (styles)",
        "Run the command on the lesson's root folder, or create a lesson with 'lessonkit new NAME'.",
    )
    return Lesson(root=root.resolve(), format="unknown", config=LessonConfig(), report=report)
