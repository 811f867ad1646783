"""Diagnostics: what is wrong with a lesson, where, and how to fix it.

Every reader, check and renderer reports problems as :class:`Diagnostic`
objects instead of raising, so that a malformed lesson yields a precise list of
messages (file:line:column, rule, message, fix) and never a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str  # relative to the lesson root, POSIX separators
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    rule: str  # stable identifier, see docs/checks.md
    severity: Severity
    message: str
    fix: str = ""

    def location(self) -> str:
        loc = self.path or "."
        if self.line:
            loc += f":{self.line}"
            if self.column:
                loc += f":{self.column}"
        return loc

    def format(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message} [{self.rule}]"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def as_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule, self.message)


@dataclass
class Report:
    """An ordered, de-duplicated collection of diagnostics."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def extend(self, diagnostics) -> None:
        for d in diagnostics:
            self.add(d)

    def error(self, path: str, line: int, rule: str, message: str, fix: str = "", column: int = 0) -> None:
        self.add(Diagnostic(path, line, column, rule, Severity.ERROR, message, fix))

    def warning(self, path: str, line: int, rule: str, message: str, fix: str = "", column: int = 0) -> None:
        self.add(Diagnostic(path, line, column, rule, Severity.WARNING, message, fix))

    def info(self, path: str, line: int, rule: str, message: str, fix: str = "", column: int = 0) -> None:
        self.add(Diagnostic(path, line, column, rule, Severity.INFO, message, fix))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class LessonError(Exception):
    """Raised when a lesson cannot be built at all; carries its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))
