"""Signatures of lessonkit's own code and assets, so caches are dropped when lessonkit changes."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import resources

SUFFIXES = (".py", ".html", ".css", ".js", ".svg")


@cache
def code_signature(*places: tuple[str, str]) -> str:
    """Hash of the files in each (package, folder) place: their names, sizes and modification times
    (as make and git do: an installed or edited file gets a new time; reading every source file
    cost each new process more than the page it rebuilt)."""
    digest = hashlib.blake2b(digest_size=12)
    for package, folder in places:
        base = resources.files(package).joinpath(folder)
        try:
            entries = sorted(os.scandir(os.fspath(base)), key=lambda e: e.name)
        except (OSError, TypeError):  # not a folder on disk (a zipped package): its contents, then
            entries = None
        if entries is None:
            for item in sorted(base.iterdir(), key=lambda p: p.name):
                if item.is_file() and item.name.endswith(SUFFIXES):
                    digest.update(item.name.encode())
                    digest.update(item.read_bytes())
            continue
        for entry in entries:
            if entry.name.endswith(SUFFIXES) and entry.is_file():
                st = entry.stat()
                digest.update(f"{entry.name}\x1f{st.st_size}\x1f{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def reader_signature() -> str:
    return code_signature(("lessonkit", "."), ("lessonkit.markdown", "."), ("lessonkit.readers", "."))
