"""The formats lessonkit reads, in the order they are tried — as data, so that recognising a lesson
(``lessonkit build`` finding its lessons, a no-change build) imports no reader.

Each entry names the format, where its ``LessonFormat`` class is (``module:Class``), and how to
recognise one of its lessons from the files at its root alone. Adding a format is one line here
(and its reader module).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple


class Registered(NamedTuple):
    name: str
    where: str  # "module:Class" of its LessonFormat
    detect: Callable[[str], bool]  # the lesson root (a path string) -> whether it is one


def _file(root: str, name: str) -> bool:
    return os.path.isfile(os.path.join(root, name))


def _folder(root: str, name: str) -> bool:
    return os.path.isdir(os.path.join(root, name))


REGISTERED: tuple[Registered, ...] = (
    Registered("workbench", "lessonkit.readers.workbench:WorkbenchFormat", lambda r: _file(r, "config.yaml")),
    Registered("styles", "lessonkit.readers.styles:StylesFormat",
               lambda r: _file(r, "_config.yml") and (_folder(r, "_episodes") or _folder(r, "_episodes_rmd"))),
    Registered("myst", "lessonkit.readers.myst:MystFormat", lambda r: _file(r, "myst.yml")),
)


def detect_name(root: os.PathLike | str) -> str | None:
    """The name of the format of the lesson at ``root``, or None."""
    root = os.fspath(root)
    return next((entry.name for entry in REGISTERED if entry.detect(root)), None)
