"""Files every published lesson has: a licence, a code of conduct and a citation."""

from __future__ import annotations

from lessonkit.checks.registry import Context, rule
from lessonkit.diagnostics import Severity
from lessonkit.model import Lesson

EXPECTED = (
    ("license-missing", ("LICENSE.md", "LICENSE", "LICENSE.txt", "LICENSE.Rmd"), "licence",
     "Add LICENSE.md saying under which licence the lesson is shared (CC BY 4.0 for Carpentries lessons)."),
    ("code-of-conduct-missing", ("CODE_OF_CONDUCT.md", "CODE_OF_CONDUCT"), "code of conduct",
     "Add CODE_OF_CONDUCT.md (e.g. pointing to https://docs.carpentries.org/policies/coc/)."),
    ("citation-missing", ("CITATION.cff", "CITATION", "CITATION.md", "CITATION.txt"), "citation file",
     "Add CITATION.cff (https://citation-file-format.github.io/) so that people can cite the lesson."),
)


def _make(rule_id: str, names: tuple[str, ...], what: str, fix: str):
    @rule(rule_id, Severity.WARNING, f"The lesson has a {what} ({' or '.join(names)}).", scope="lesson")
    def check(lesson: Lesson, context: Context):
        if not any((lesson.root / name).is_file() for name in names):
            yield context.diagnostic(rule_id, None, 0, 0, f"the lesson has no {what} ({names[0]})", fix, path=".")

    return check


for _rule_id, _names, _what, _fix in EXPECTED:
    _make(_rule_id, _names, _what, _fix)
