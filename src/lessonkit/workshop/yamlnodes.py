"""YAML read with the position of every value, and without YAML 1.1's surprises.

``13:00`` stays the string ``"13:00"`` (YAML 1.1 reads it as the number 780) and
``2026-02-30`` stays a string (PyYAML would raise while building a date), so that
the code reading a file can say exactly what is wrong with a value and where.
Positions are 1-based (line, column) pairs keyed by the value's path, e.g.
``("sessions", 0, "start")``; ``path + (KEY,)`` is where the key itself is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

KEY = "\x00key"
MAX_NODES = 200_000  # aliases can make a small file describe a huge tree

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()


@dataclass
class Located:
    data: Any = None
    positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def at(self, *path: Any) -> tuple[int, int]:
        """The position of the value at ``path``, or of its nearest enclosing value."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def key_at(self, *path: Any) -> tuple[int, int]:
        """Where the key of the value at ``path`` is written (the value's position when there is no key)."""
        return self.positions.get((*path, KEY)) or self.at(*path)


class YAMLProblem(Exception):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag or ""
    if tag.endswith(":timestamp") or (tag.endswith((":int", ":float")) and ":" in node.value):
        return node.value
    if tag.endswith(":str"):
        return node.value
    try:
        return _constructor.construct_object(node, deep=True)
    except Exception:
        return node.value


def load(text: str) -> Located:
    """Parse ``text``; raises :class:`YAMLProblem` (with the line and column) when it is not YAML."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YAMLProblem(f"{exc.problem or exc.context or 'not valid YAML'}", line, column) from None
    except yaml.YAMLError as exc:
        raise YAMLProblem(str(exc).splitlines()[0] if str(exc) else "not valid YAML", 1, 1) from None
    located = Located()
    if node is None:
        return located
    count = 0

    def walk(node: yaml.Node, path: tuple) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise YAMLProblem(f"the file describes more than {MAX_NODES} values (aliases?)",
                              node.start_mark.line + 1, node.start_mark.column + 1)
        located.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                if not isinstance(key, str | int) or isinstance(key, bool):
                    key = str(key)
                located.positions[(*path, key, KEY)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = walk(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [walk(item, (*path, index)) for index, item in enumerate(node.value)]
        return _scalar(node)

    located.data = walk(node, ())
    return located
