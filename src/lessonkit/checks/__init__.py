"""``lessonkit check``: small, independent rules over the lesson model.

``check_lesson(lesson)`` returns the rules' diagnostics; the reader's own
diagnostics (broken YAML, unclosed blocks, ...) are in ``lesson.report``.
``check_markdown(text, rule)`` runs one rule on a snippet (for tests).
The catalogue of rules is docs/checks.md.
"""

from lessonkit.checks.registry import RULES, Checker, check_lesson, check_markdown

__all__ = ["RULES", "Checker", "check_lesson", "check_markdown"]
