"""YAML front matter: ``---`` at the top of a file, closed by ``---`` or ``...``; and the one
safe YAML loader every lesson file (config, front matter, chunk options) goes through.

YAML aliases share one node between several places, so a few hundred bytes can stand for
gigabytes ("billion laughs": ``a: &a [x, x, ...]``, ``b: &b [*a, *a, ...]``, ...).  Loading
keeps the sharing, but anything that walks the data afterwards (rendering, hashing, the
cache) would expand it.  :func:`safe_yaml` therefore measures the data *as expanded* (each
use of an alias counted again, strings by length) and refuses more than
:data:`MAX_YAML_WEIGHT`, and refuses data that contains itself (``&a [*a]``).  The
measure is linear in the size of the YAML text.
"""

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


#: The most YAML a lesson file may expand to: nodes, plus one per 64 characters of text.
#: A large real config.yaml weighs about 1,000.
MAX_YAML_WEIGHT = 200_000


class YAMLTooLarge(yaml.YAMLError):
    """YAML whose aliases expand beyond :data:`MAX_YAML_WEIGHT`, or that contains itself."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line


def _weight(data: Any, limit: int) -> int:
    """The size of ``data`` with every shared (aliased) part counted each time it is used.
    Iterative, and each distinct container is measured once, so the cost is linear in the
    number of distinct nodes. Raises YAMLTooLarge for recursive data."""
    memo: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]

    def leaf(value: Any) -> int:
        return 1 + len(value) // 64 if isinstance(value, str | bytes) else 1

    def items(container: Any) -> list[Any]:
        if isinstance(container, dict):
            return [*container.keys(), *container.values()]
        return list(container)

    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            total = 1
            for child in items(node):
                total += memo[id(child)] if isinstance(child, dict | list | set) else leaf(child)
            memo[key] = total
            if total > limit:
                return total
            continue
        if key in memo:
            continue
        if key in open_:
            raise YAMLTooLarge("the YAML refers to itself through an alias (&anchor ... *anchor)")
        open_.add(key)
        stack.append((node, True))
        for child in items(node):
            if isinstance(child, dict | list | set):
                if id(child) in open_:
                    raise YAMLTooLarge("the YAML refers to itself through an alias (&anchor ... *anchor)")
                if id(child) not in memo:
                    stack.append((child, False))
    return memo.get(id(data), leaf(data))


def safe_yaml(text: str) -> Any:
    """``yaml.safe_load`` without timestamps, refusing alias bombs and self-referring data
    (raises YAMLTooLarge, a yaml.YAMLError)."""
    data = yaml.load(text, Loader=_Loader)
    if "*" in text and isinstance(data, dict | list):  # no alias, no sharing: nothing to expand
        try:
            weight = _weight(data, MAX_YAML_WEIGHT)
        except YAMLTooLarge as exc:
            raise YAMLTooLarge(exc.message, _first_anchor(text)) from None
        if weight > MAX_YAML_WEIGHT:
            raise YAMLTooLarge(
                f"the YAML's aliases (*name) expand it to more than {MAX_YAML_WEIGHT:,} values "
                "(an alias bomb?)", _first_anchor(text))
    return data


def _first_anchor(text: str) -> int:
    return next((number for number, line in enumerate(text.split("\n"), 1) if "&" in line), 1)


def load_yaml(text: str, path: str, report: Report, line_offset: int = 0) -> Any:
    """Parse YAML, reporting (not raising) syntax errors. Returns None on error."""
    try:
        return safe_yaml(text)
    except YAMLTooLarge as exc:
        report.error(path, exc.line + line_offset, "yaml-aliases", f"invalid YAML: {exc.message}",
                     "Write the values out instead of repeating aliases (*name) of large anchors (&name).")
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
