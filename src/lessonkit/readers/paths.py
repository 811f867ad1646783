"""Paths inside a lesson, and only inside it.

A lesson is untrusted input (maintainers build contributors' pull requests), so
nothing a reader lists, includes or copies may come from outside the lesson's
folder: not through a symbolic link (``episodes/fig/env.txt -> /proc/self/environ``,
``episodes/data -> /home/ci``), not through a ``../`` or absolute entry in
config.yaml, not through a ``child=`` include.  Every reader and ``migrate`` go
through these functions:

* :func:`entry_problem` refuses a file name written in the lesson (a config list
  entry, a ``child=`` option) that is absolute or climbs with ``..``;
* :func:`resolve_inside` resolves a path (following every symbolic link) and
  returns it only when it is still inside the lesson root;
* :func:`check_inside` does the same and reports a ``path-outside-lesson`` error at
  the link itself when it is not;
* :func:`walk_files` lists the files of a folder (for assets), following symbolic
  links that stay inside the lesson and reporting those that leave it.

A symbolic link whose target is inside the lesson is fine (lessons use them to
share figures between episodes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from lessonkit.diagnostics import Report

RULE = "path-outside-lesson"
FIX = "Keep every file of the lesson inside its folder: replace the link by a copy of the file, or remove it."


_PLAIN_NAME = re.compile(r"[\w][\w.-]*")


def entry_problem(entry: str) -> str | None:
    """Why a file name written in the lesson (config entry, child= option) is refused, or None."""
    if _PLAIN_NAME.fullmatch(entry) and entry not in (".", ".."):
        return None  # one file name of letters, digits, '-', '_' and '.': nothing to resolve (the common case)
    if "\x00" in entry:
        return "contains a NUL character"
    if entry.startswith(("/", "\\", "~")) or PureWindowsPath(entry).drive or PureWindowsPath(entry).root:
        return "is an absolute path"
    if ".." in PurePosixPath(entry.replace("\\", "/")).parts:
        return "climbs out of its folder with '..'"
    return None


def _real_root(root: Path) -> Path:
    return _realpath(str(root))


@lru_cache(maxsize=16)
def _realpath(root: str) -> Path:
    # Every file of a lesson is checked against the same root: its real path is worked out once. (Were the
    # root's own link moved while ``serve`` runs, files would only be refused, never let out.)
    return Path(os.path.realpath(root))


def resolve_inside(root: Path, path: Path) -> Path | None:
    """``path`` with every symbolic link resolved, or None when that leaves ``root``."""
    real_root = _real_root(root)
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return None
    if real == real_root or real_root in real.parents:
        return real
    return None


def _target(path: Path) -> str:
    """What the first symbolic link on the way to ``path`` points to (for the message)."""
    try:
        return os.readlink(path)
    except OSError:
        pass
    for parent in path.parents:
        try:
            return os.readlink(parent)
        except OSError:
            continue
    return os.path.realpath(path)


def check_inside(root: Path, path: Path, rel: str, report: Report, line: int = 0,
                 where: str | None = None) -> Path | None:
    """The real path of ``path`` when it is inside ``root``; otherwise None and an error at
    ``where:line`` (default: at ``rel``, the link itself)."""
    real = resolve_inside(root, path)
    if real is None:
        report.error(
            where or rel, line, RULE,
            f"{rel} leads outside the lesson (to {_target(path)}); it is not read or published",
            FIX,
        )
    return real


def root_of(path: Path, rel: str) -> Path | None:
    """The lesson root when ``path`` is ``root / rel`` (as every reader calls the source helpers)."""
    parts = PurePosixPath(rel.replace("\\", "/")).parts
    if not parts or ".." in parts or PurePosixPath(rel).is_absolute():
        return None
    if tuple(path.parts[-len(parts):]) != parts:
        return None
    return Path(*path.parts[: -len(parts)]) if len(path.parts) > len(parts) else Path(".")


def walk_files(root: Path, base: Path, report: Report | None, rel_base: str) -> Iterator[tuple[Path, str]]:
    """(real path, path relative to ``base``) of every file under ``base``, sorted, skipping
    hidden names.  Symbolic links are followed only when they stay inside ``root``; the others
    are reported (at the link, ``rel_base/...``) when ``report`` is given, and skipped."""
    sink = report if report is not None else Report()
    real_base = check_inside(root, base, rel_base, sink)
    if real_base is None or not real_base.is_dir():
        return
    seen: set[Path] = {real_base}
    stack: list[tuple[Path, str]] = [(real_base, "")]
    found: list[tuple[Path, str]] = []
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            rel = f"{prefix}{entry.name}"
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    real = check_inside(root, path, f"{rel_base}/{rel}", sink)
                    if real is None:
                        continue
                    if real.is_dir():
                        if real not in seen:  # a link to a folder above it would loop forever
                            seen.add(real)
                            stack.append((real, rel + "/"))
                    elif real.is_file():
                        found.append((real, rel))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    found.append((path, rel))
            except OSError:
                continue
    yield from sorted(found, key=lambda item: item[1])
