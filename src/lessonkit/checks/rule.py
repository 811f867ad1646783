"""What a rule is: a small function with an id, a severity and a summary, whose inputs are
named by its parameters and injected by the checker (like repo-review's fixtures).

    @rule("image-alt-missing", Severity.WARNING, "Images have alternative text.")
    def alt_missing(scan: PageScan):
        for link in scan.links():
            if link.image and not link.alt:
                yield Finding(link.at, "image has no alternative text", "Describe the image.")

The decorator only wraps the function in a :class:`Rule`; nothing is registered anywhere.
``lessonkit.checks.registry`` lists the rule modules and collects the ``Rule`` objects they
define, so the set of rules never depends on what happened to be imported before.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Diagnostic, Severity

#: What a rule may ask for, by parameter name (see docs/checks.md, "Writing a rule").
INPUTS = {
    "page": "the page being checked (a page rule is run once per page)",
    "scan": "the page's scan (headings, links, tables, blocks, each with its Spot)",
    "lesson": "the whole lesson",
    "site": "the lesson's site map (pages and files, for resolving links)",
    "config": "the lesson's parsed configuration with the line of each key",
    "context": "the check's shared state (other pages' scans and anchors, the reader's report)",
}
PAGE_INPUTS = frozenset({"page", "scan"})


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem a rule found: where, what is wrong and how to fix it (the rule adds its id)."""

    at: Spot
    message: str
    fix: str
    severity: Severity | None = None  # the rule's own severity unless given


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    function: Callable[..., Iterable[Finding]]
    inputs: tuple[str, ...]

    @property
    def scope(self) -> str:
        """"page" when the rule looks at one page at a time (and its results can be cached per page)."""
        return "page" if PAGE_INPUTS & set(self.inputs) else "lesson"

    def diagnostics(self, arguments: dict) -> list[Diagnostic]:
        found = self.function(**{name: arguments[name] for name in self.inputs})
        return [Diagnostic(f.at.path, f.at.line, f.at.column, self.id,
                           self.severity if f.severity is None else f.severity, f.message, f.fix)  # INFO is 0
                for f in found or ()]


def rule(id: str, severity: Severity, summary: str) -> Callable[[Callable], Rule]:
    """Make ``function`` a :class:`Rule`; its parameters name its inputs (see :data:`INPUTS`)."""

    def make(function: Callable) -> Rule:
        inputs = tuple(inspect.signature(function).parameters)
        unknown = [name for name in inputs if name not in INPUTS]
        if unknown:
            raise TypeError(f"rule {id}: unknown inputs {unknown}; known: {', '.join(INPUTS)}")
        return Rule(id, severity, summary, function, inputs)

    return make
