"""``lessonkit check``: small, independent rules over the lesson model.

``check_lesson(lesson)`` returns the rules' diagnostics; the reader's own
diagnostics (broken YAML, unclosed blocks, ...) are in ``lesson.report``.
The catalogue of rules is docs/checks.md.
"""

from lessonkit.checks.registry import RULES, Checker, check_lesson

__all__ = ["RULES", "Checker", "check_lesson"]
