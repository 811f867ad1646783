"""The lesson's configuration: required fields, valid values, and every page listed."""

from __future__ import annotations

import os

from lessonkit.checks.context import UNREADABLE, ConfigData
from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Report, Severity
from lessonkit.model import Lesson

REQUIRED = {"workbench": ("title", "carpentry", "life_cycle", "license", "source", "contact"),
            "styles": ("title", "carpentry", "life_cycle", "email")}
VALUES = {"carpentry": ("swc", "dc", "lc", "cp", "incubator", "lab"),
          "life_cycle": ("pre-alpha", "alpha", "beta", "stable", "transition")}
FOLDERS = ("episodes", "learners", "instructors", "profiles")
CONFIG_FILE = {"workbench": "config.yaml", "styles": "_config.yml"}


def read_config_data(lesson: Lesson) -> ConfigData:
    """The configuration file's name, values and key lines, read once per check."""
    import yaml

    from lessonkit.markdown.frontmatter import load_yaml
    from lessonkit.readers.sources import read_text

    name = CONFIG_FILE.get(lesson.format, "config.yaml")
    if any(d.path == name and d.rule in UNREADABLE for d in lesson.report):
        return ConfigData(name, {}, {}, readable=False)  # the reader reported why; nothing more to say
    read = read_text(lesson.root / name, name, Report())
    if read is None:
        return ConfigData(name, {}, {}, readable=False)
    data = load_yaml(read[0], name, Report())
    lines: dict[str, int] = {}
    try:
        node = yaml.compose(read[0], Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        node = None
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value), key.start_mark.line + 1)
    return ConfigData(name, data if isinstance(data, dict) else {}, lines)


@rule("config-field-missing", Severity.WARNING, "The configuration has the fields the lesson site shows.")
def fields(lesson: Lesson, config: ConfigData):
    if not config.readable:
        return
    for key in REQUIRED.get(lesson.format, ()):
        value = config.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            line = config.line(key)
            yield Finding(Spot(config.name, line, 1 if line else 0), f"{config.name} has no value for '{key}'",
                          f"Add a line \"{key}: '...'\" to {config.name}.")


@rule("config-value-invalid", Severity.WARNING, "Configuration values are ones the Carpentries tools understand.")
def values(config: ConfigData):
    if not config.readable:
        return
    for key, allowed in VALUES.items():
        value = config.data.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in allowed:
            yield Finding(Spot(config.name, config.line(key), len(key) + 3),
                          f"'{key}: {value}' is not one of {', '.join(allowed)}", f"Use one of: {', '.join(allowed)}.")


@rule("config-file-unlisted", Severity.WARNING, "Every page in episodes/, learners/, ... is listed in config.yaml.")
def unlisted(lesson: Lesson, config: ConfigData):
    if lesson.format != "workbench":
        return
    included: set | None = None  # child documents; worked out only if a file is not listed
    for folder in FOLDERS:
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
