"""A cache of parsed pages, keyed by the content of the files they were read from.

Re-reading a 1,000-episode lesson costs far more than an incremental build
should; with this cache only the files whose bytes changed are parsed again.
Diagnostics found while parsing a page are kept with it and reported again on
every build, so a cached page is indistinguishable from a freshly read one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.cache import load_pickle, save_pickle
from lessonkit.diagnostics import Diagnostic
from lessonkit.model import Page
from lessonkit.readers.sources import digest
from lessonkit.signature import reader_signature

FILE = "pages.pickle"


@dataclass
class CachedPage:
    files: dict[str, str]  # every file the page was read from (the page and its children) -> digest
    page: Page
    diagnostics: list[Diagnostic]


@dataclass
class PageCache:
    signature: str = field(default_factory=reader_signature)
    entries: dict[tuple[str, str, str], CachedPage] = field(default_factory=dict)  # (path, kind, slug)
    hits: int = 0
    misses: int = 0

    def lookup(self, root: Path, key: tuple[str, str, str], data: bytes) -> CachedPage | None:
        entry = self.entries.get(key)
        if entry is None or entry.files.get(key[0]) != digest(data):
            self.misses += 1
            return None
        for rel, expected in entry.files.items():
            if rel == key[0]:
                continue
            try:
                if digest((root / rel).read_bytes()) != expected:
                    self.misses += 1
                    return None
            except OSError:
                self.misses += 1
                return None
        self.hits += 1
        return entry

    def store(self, key: tuple[str, str, str], entry: CachedPage) -> None:
        self.entries[key] = entry

    def prune(self, keep: set[tuple[str, str, str]]) -> None:
        for key in list(self.entries):
            if key not in keep:
                del self.entries[key]

    @classmethod
    def load(cls, folder: Path | None) -> PageCache:
        cache = load_pickle(folder / FILE) if folder is not None else None
        if not isinstance(cache, cls) or cache.signature != reader_signature():
            return cls()
        cache.hits = cache.misses = 0
        return cache

    def save(self, folder: Path | None) -> None:
        if folder is not None:
            save_pickle(self, folder / FILE)
