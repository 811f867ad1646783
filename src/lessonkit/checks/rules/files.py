"""Files every published lesson has: a licence, a code of conduct and a citation."""

from __future__ import annotations

from lessonkit.checks.rule import Finding, Rule, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Severity
from lessonkit.model import Lesson


def _expected(rule_id: str, names: tuple[str, ...], what: str, fix: str) -> Rule:
    def check(lesson: Lesson):
        if not any((lesson.root / name).is_file() for name in names):
            yield Finding(Spot(".", 0, 0), f"the lesson has no {what} ({names[0]})", fix)

    return rule(rule_id, Severity.WARNING, f"The lesson has a {what} ({' or '.join(names)}).")(check)


license_missing = _expected(
    "license-missing", ("LICENSE.md", "LICENSE", "LICENSE.txt", "LICENSE.Rmd"), "licence",
    "Add LICENSE.md saying under which licence the lesson is shared (CC BY 4.0 for Carpentries lessons).")
code_of_conduct_missing = _expected(
    "code-of-conduct-missing", ("CODE_OF_CONDUCT.md", "CODE_OF_CONDUCT"), "code of conduct",
    "Add CODE_OF_CONDUCT.md (e.g. pointing to https://docs.carpentries.org/policies/coc/).")
citation_missing = _expected(
    "citation-missing", ("CITATION.cff", "CITATION", "CITATION.md", "CITATION.txt"), "citation file",
    "Add CITATION.cff (https://citation-file-format.github.io/) so that people can cite the lesson.")
