"""Reading a credit file (YAML) with the line of every value, and validating it with its JSON
Schema (``schemas/``), so that every problem is reported at ``file:line``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lessonkit.diagnostics import Report
from lessonkit.markdown.frontmatter import load_yaml

Path_ = tuple[str | int, ...]


@dataclass
class YamlFile:
    path: str  # relative to the lesson root
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)  # (key, index, ...) -> 1-based line
    digest: str = ""

    def line(self, where: Path_) -> int:
        """The line of ``where``, or of the nearest enclosing value that has one."""
        where = tuple(where)
        while where:
            if where in self.lines:
                return self.lines[where]
            where = where[:-1]
        return 1


def _lines(node: yaml.Node, where: Path_, lines: dict[Path_, int], duplicates: list[tuple[str, int, int]]) -> None:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            line = key.start_mark.line + 1
            if name in seen:
                duplicates.append((name, line, seen[name]))
            seen.setdefault(name, line)
            _lines(value, (*where, name), lines, duplicates)
            lines[(*where, name)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*where, index), lines, duplicates)


def read_lesson_file(root: Path, rel: str, rule: str, report: Report) -> bytes | None:
    """A lesson file's bytes through the readers' safe reader (inside the lesson, not a pipe,
    at most the source size limit); its problems are reported under ``rule``."""
    from lessonkit.readers.sources import read_bytes

    local = Report()
    data = read_bytes(root / rel, rel, local, root)
    for item in local:
        report.error(item.path, item.line, rule, item.message, item.fix, column=item.column)
    return data


def read_yaml_file(root: Path, rel: str, report: Report) -> YamlFile | None:
    """The file's data with the line of each value; None (and a diagnostic) when it cannot be read."""
    import hashlib

    raw = read_lesson_file(root, rel, "credit-file", report)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.error(rel, line, "credit-file", f"{rel} is not valid UTF-8", "Save the file as UTF-8.")
        return None
    local = Report()
    data = load_yaml(text, rel, local)
    for item in local:  # the YAML syntax error, under this file's rule
        report.error(item.path, item.line, "credit-file", item.message, item.fix, column=item.column)
    if local.items:
        return None
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        node = None
    if node is not None:
        _lines(node, (), lines, duplicates)
    for name, line, first in duplicates:
        report.error(rel, line, "credit-file", f"the key {name!r} appears twice in one mapping (first on line {first})",
                     "Keep one of them: YAML keeps only the last, silently.")
    return YamlFile(rel, data, lines, hashlib.blake2b(raw, digest_size=12).hexdigest())


@lru_cache(maxsize=8)
def schema(name: str) -> dict:
    return json.loads(resources.files("lessonkit.credit").joinpath("schemas", name).read_text(encoding="utf-8"))


def validate(file: YamlFile, schema_name: str, report: Report) -> bool:
    """Report every schema violation at its line; True when the file is valid."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(file.data), key=lambda e: (file.line(tuple(e.absolute_path)), e.message))
    for error in errors:
        where = tuple(error.absolute_path)
        location = "/".join(str(p) for p in where) or "the file"
        message = _message(error)
        line = file.line(where)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            if extra:
                line = file.line((*where, extra[0]))
        report.error(file.path, line, "credit-file", f"{location}: {message}",
                     f"See docs/credit.md for the format of {Path(file.path).name}.")
    return not errors


def _message(error) -> str:
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(sorted(error.schema.get("properties", {})))
        return f"unknown field {', '.join(map(repr, extra))} (known fields: {known})"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "type":
        return f"{error.instance!r} should be of type {error.validator_value}"
    return error.message


@dataclass
class CheckedFile:
    """A credit file read with its positions and checked against its schema."""

    file: YamlFile | None  # None: it could not be read (reported)
    data: dict  # its top-level mapping ({} when it has none)
    valid: bool


def read_checked(root: Path, rel: str, schema_name: str, report: Report, empty: Any = None) -> CheckedFile | None:
    """The credit file ``rel`` read (:func:`read_yaml_file`) and validated (:func:`validate`); None when the
    lesson has no such file. ``empty`` is what an empty file stands for (None: an empty file is invalid when
    the schema wants a mapping)."""
    if not (root / rel).is_file():
        return None
    file = read_yaml_file(root, rel, report)
    if file is None:
        return CheckedFile(None, {}, False)
    if file.data is None and empty is not None:
        file.data = empty
    valid = validate(file, schema_name, report)
    return CheckedFile(file, file.data if isinstance(file.data, dict) else {}, valid)
