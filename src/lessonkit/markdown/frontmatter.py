"""YAML front matter: ``---`` at the top of a file, closed by ``---`` or ``...``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from lessonkit.diagnostics import Report


@dataclass
class FrontMatter:
    data: dict[str, Any]
    body: str
    body_line: int  # 1-based line where the body starts


def yaml_problem(exc: Exception, text: str = "") -> tuple[int, int, str]:
    """Line, column (1-based, relative to the YAML text) and a message for a YAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context = getattr(exc, "context_mark", None)
    if context is not None:
        mark = context  # e.g. an unclosed quote or bracket: point at where it was opened
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 0
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"{context}, {problem}" if context else str(problem)
    return line, column, message


def load_yaml(text: str, path: str, report: Report, line_offset: int = 0) -> Any:
    """Parse YAML, reporting (not raising) syntax errors. Returns None on error."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        line, column, message = yaml_problem(exc, text)
        report.error(
            path,
            line + line_offset,
            "yaml-syntax",
            f"invalid YAML: {message}",
            "Check indentation and quoting; values containing ': ' or starting with a special "
            "character ('*', '&', '!', '{', '[', '%', '@', '`') must be quoted.",
            column=column,
        )
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. absurd nesting
        report.error(path, 1 + line_offset, "yaml-syntax", f"invalid YAML: {exc}", "Simplify the YAML.")
    return None


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser when available


class _Loader(_Base):  # type: ignore[valid-type, misc]
    """Safe loader that keeps dates and times as the strings the author wrote."""


# A copy of the resolvers for this class only (never change PyYAML's global SafeLoader).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split_front_matter(text: str, path: str, report: Report) -> FrontMatter:
    """Separate front matter from the body. Problems are reported, never raised."""
    if not text.startswith("---"):
        return FrontMatter({}, text, 1)
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return FrontMatter({}, text, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            data = load_yaml(yaml_text, path, report, line_offset=1)
            if data is None:
                data = {}
            elif not isinstance(data, dict):
                report.error(
                    path, 2, "front-matter-not-mapping",
                    f"front matter must be a mapping of keys to values, not {type(data).__name__}",
                    "Write front matter as 'key: value' lines, e.g. 'title: My episode'.",
                )
                data = {}
            return FrontMatter(data, body, index + 2)
    report.error(
        path, 1, "front-matter-unclosed",
        "front matter opened with '---' on line 1 is never closed",
        "Add a line containing only '---' after the last front matter field.",
    )
    return FrontMatter({}, "\n".join(lines[1:]), 2)
