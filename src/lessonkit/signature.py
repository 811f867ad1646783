"""Signatures of lessonkit's own code and assets, so caches are dropped when lessonkit changes."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

SUFFIXES = (".py", ".html", ".css", ".js", ".svg")


@cache
def code_signature(*places: tuple[str, str]) -> str:
    """Hash of the files in each (package, folder) place."""
    digest = hashlib.blake2b(digest_size=12)
    for package, folder in places:
        base = resources.files(package).joinpath(folder)
        for item in sorted(base.iterdir(), key=lambda p: p.name):
            if item.is_file() and item.name.endswith(SUFFIXES):
                digest.update(item.name.encode())
                digest.update(item.read_bytes())
    return digest.hexdigest()


def reader_signature() -> str:
    return code_signature(("lessonkit", "."), ("lessonkit.markdown", "."), ("lessonkit.readers", "."))
