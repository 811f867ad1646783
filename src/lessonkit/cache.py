"""The lesson's build cache folder (rendered pages, execution results).

It lives in ``<lesson>/.lessonkit/`` when the lesson folder is writable, and in
``$XDG_CACHE_HOME/lessonkit/<hash of the lesson path>/`` otherwise (for
example for a read-only checkout).  Everything in it can be deleted at any
time: the next build recreates what it needs.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from pathlib import Path

CACHE_DIR_NAME = ".lessonkit"


def cache_dir(lesson_root: Path, override: Path | None = None) -> Path:
    if override is not None:
        override.mkdir(parents=True, exist_ok=True)
        return override
    local = lesson_root / CACHE_DIR_NAME
    try:
        # A folder without write permission is read-only even for root, who could write anyway.
        if not local.is_dir() and not (lesson_root.stat().st_mode & stat.S_IWUSR):
            raise PermissionError(lesson_root)
        local.mkdir(exist_ok=True)
        probe = local / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
        return local
    except OSError:
        pass
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lessonkit"
    key = hashlib.blake2b(str(lesson_root.resolve()).encode(), digest_size=8).hexdigest()
    folder = base / f"{lesson_root.name}-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_pickle(path: Path) -> object | None:
    """A cached object, or None when it is missing, unreadable or from an incompatible lessonkit."""
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return None


def save_pickle(value: object, path: Path) -> None:
    """Write a cache file atomically; a cache that cannot be written only makes the next build slower."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:
        pass
