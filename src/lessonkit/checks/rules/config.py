"""The lesson's configuration: required fields, valid values, and every page listed."""

from __future__ import annotations

import os

from lessonkit.checks.registry import UNREADABLE, Context, rule
from lessonkit.diagnostics import Report, Severity
from lessonkit.markdown.frontmatter import load_yaml
from lessonkit.model import Lesson
from lessonkit.readers.sources import read_text

REQUIRED = {"workbench": ("title", "carpentry", "life_cycle", "license", "source", "contact"),
            "styles": ("title", "carpentry", "life_cycle", "email")}
VALUES = {"carpentry": ("swc", "dc", "lc", "cp", "incubator", "lab"),
          "life_cycle": ("pre-alpha", "alpha", "beta", "stable", "transition")}
FOLDERS = ("episodes", "learners", "instructors", "profiles")
CONFIG_FILE = {"workbench": "config.yaml", "styles": "_config.yml"}


def _config(lesson: Lesson, context: Context) -> tuple[str, dict, list[str]]:
    """The configuration file's name, data and lines (read once per check)."""
    if "config" not in context.memo:
        context.memo["config"] = _read_config(lesson)
    return context.memo["config"]


def _read_config(lesson: Lesson) -> tuple[str, dict, list[str]]:
    name = CONFIG_FILE.get(lesson.format, "config.yaml")
    if any(d.path == name and d.rule in UNREADABLE for d in lesson.report):
        return name, {}, []  # the reader reported why; nothing more to say about it
    read = read_text(lesson.root / name, name, Report())
    if read is None:
        return name, {}, []
    data = load_yaml(read[0], name, Report())
    return name, data if isinstance(data, dict) else {}, read[0].split("\n")


def _line(lines: list[str], key: str) -> int:
    return next((i for i, line in enumerate(lines, start=1) if line.startswith(f"{key}:")), 0)


@rule("config-field-missing", Severity.WARNING, "The configuration has the fields the lesson site shows.", scope="lesson")
def fields(lesson: Lesson, context: Context):
    name, data, lines = _config(lesson, context)
    if not lines:
        return
    for key in REQUIRED.get(lesson.format, ()):
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            line = _line(lines, key)
            yield context.diagnostic("config-field-missing", None, line, 1 if line else 0,
                                     f"{name} has no value for '{key}'", f"Add a line \"{key}: '...'\" to {name}.",
                                     path=name)


@rule("config-value-invalid", Severity.WARNING, "Configuration values are ones the Carpentries tools understand.",
      scope="lesson")
def values(lesson: Lesson, context: Context):
    name, data, lines = _config(lesson, context)
    if not lines:
        return
    for key, allowed in VALUES.items():
        value = data.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in allowed:
            yield context.diagnostic("config-value-invalid", None, _line(lines, key), len(key) + 3,
                                     f"'{key}: {value}' is not one of {', '.join(allowed)}",
                                     f"Use one of: {', '.join(allowed)}.", path=name)


@rule("config-file-unlisted", Severity.WARNING, "Every page in episodes/, learners/, ... is listed in config.yaml.",
      scope="lesson")
def unlisted(lesson: Lesson, context: Context):
    if lesson.format != "workbench":
        return
    name, data, _ = _config(lesson, context)
    included: set | None = None  # child documents; worked out only if a file is not listed
    for folder in FOLDERS:
        listed = data.get(folder)
        if not isinstance(listed, list) or not listed:
            continue  # an empty list means "every file, alphabetically"
        directory = lesson.root / folder
        if not directory.is_dir():
            continue
        listed_names = set(listed)
        for name_in_folder in sorted(os.listdir(directory)):
            if name_in_folder in listed_names or not name_in_folder.endswith((".md", ".Rmd")):
                continue
            path = directory / name_in_folder
            rel = f"{folder}/{name_in_folder}"
            if included is None:
                included = {getattr(node, "source", None) for page in lesson.pages() for node, _ in page.walk()}
            if path.is_file() and rel not in included:
                yield context.diagnostic(
                    "config-file-unlisted", None, 0, 0,
                    f"{rel} is not listed under '{folder}:' in {name}, so it is not part of the lesson",
                    f"Add '- {path.name}' to the '{folder}:' list in {name}, or delete the file.", path=rel)
