"""The lesson's configuration: required fields, valid values, and every page listed.

The rules read the configuration as the reader parsed it (``lesson.config_file``: values and the
line of each key) and ask the lesson's format which fields it needs and which folders hold pages;
they never read the file again nor test which format the lesson is in.
"""

from __future__ import annotations

import os

from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Severity
from lessonkit.model import Lesson
from lessonkit.readers.formats import ConfigFile

VALUES = {"carpentry": ("swc", "dc", "lc", "cp", "incubator", "lab"),
          "life_cycle": ("pre-alpha", "alpha", "beta", "stable", "transition")}


@rule("config-field-missing", Severity.WARNING, "The configuration has the fields the lesson site shows.")
def fields(lesson: Lesson, config: ConfigFile):
    if not config.readable:
        return
    for key in getattr(lesson.layout, "required_config", ()):
        value = config.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            line = config.line(key)
            yield Finding(Spot(config.name, line, 1 if line else 0), f"{config.name} has no value for '{key}'",
                          f"Add a line \"{key}: '...'\" to {config.name}.")


@rule("config-value-invalid", Severity.WARNING, "Configuration values are ones the Carpentries tools understand.")
def values(config: ConfigFile):
    if not config.readable:
        return
    for key, allowed in VALUES.items():
        value = config.data.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in allowed:
            yield Finding(Spot(config.name, config.line(key), len(key) + 3),
                          f"'{key}: {value}' is not one of {', '.join(allowed)}", f"Use one of: {', '.join(allowed)}.")


@rule("config-file-unlisted", Severity.WARNING, "Every page in episodes/, learners/, ... is listed in config.yaml.")
def unlisted(lesson: Lesson, config: ConfigFile):
    included: set | None = None  # child documents; worked out only if a file is not listed
    for folder in getattr(lesson.layout, "page_folders", ()):
        listed = config.data.get(folder)
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
                yield Finding(Spot(rel, 0, 0),
                              f"{rel} is not listed under '{folder}:' in {config.name}, so it is not part of the lesson",
                              f"Add '- {path.name}' to the '{folder}:' list in {config.name}, or delete the file.")
