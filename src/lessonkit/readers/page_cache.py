"""A cache of parsed pages, keyed by the content of the files they were read from.

Re-reading a 1,000-episode lesson costs far more than an incremental build
should; with this cache only the files whose bytes changed are parsed again.
Diagnostics found while parsing a page are kept with it and reported again on
every build, so a cached page is indistinguishable from a freshly read one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lessonkit import codec
from lessonkit.cache import load_data, save_data
from lessonkit.diagnostics import Diagnostic
from lessonkit.model import Page
from lessonkit.readers.sources import digest
from lessonkit.signature import reader_signature

FILE = "pages.msgpack"
KIND = "pages"

#: A file whose modification time is this close to when we last read it may have been
#: changed again within the same clock tick (coarse file-system timestamps): its stat
#: alone is not trusted, its bytes are read and hashed again (git's "racy clean" rule).
RACY_NS = 2_000_000_000


class Stamp(NamedTuple):
    """A file as it was when last read: enough to recognise it unchanged from one stat() call."""

    mtime_ns: int
    size: int
    inode: int
    read_ns: int  # when it was read
    digest: str

    def matches(self, st: os.stat_result, digest: str) -> bool:
        """Whether a file with this stat() and digest is this one, and that can be trusted: a file
        modified within RACY_NS of being read could have changed again in the same clock tick."""
        return ((st.st_mtime_ns, st.st_size, st.st_ino) == (self.mtime_ns, self.size, self.inode)
                and digest == self.digest and st.st_mtime_ns < self.read_ns - RACY_NS)


@dataclass
class CachedPage:
    files: dict[str, str]  # every file the page was read from (the page and its children) -> digest
    page: Page
    diagnostics: list[Diagnostic]


@dataclass
class PageCache:
    signature: str = field(default_factory=reader_signature)
    entries: dict[tuple[str, str, str], CachedPage] = field(default_factory=dict)  # (path, kind, slug)
    stats: dict[str, Stamp] = field(default_factory=dict)  # rel -> the file as last read
    hits: int = 0
    misses: int = 0
    restamped: int = 0  # files whose stamp was new or not yet trusted (read, touched, checked out)

    def unchanged(self, root: Path, key: tuple[str, str, str]) -> CachedPage | None:
        """The cached page when none of its files changed since they were read, judged from
        their stat() alone; None when that cannot be known without reading them."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        for rel, expected in entry.files.items():
            stamp = self.stats.get(rel)
            try:
                if stamp is None or not stamp.matches(os.stat(root / rel), expected):
                    return None
            except OSError:
                return None
        self.hits += 1
        return entry

    def remember(self, root: Path, files: dict[str, str]) -> None:
        """Stamp files just read (their digests are those of the bytes read)."""
        now = time.time_ns()
        for rel, file_digest in files.items():
            try:
                st = os.stat(root / rel)
            except OSError:
                self.stats.pop(rel, None)
                continue
            stamp = self.stats.get(rel)
            if stamp is None or not stamp.matches(st, file_digest):
                self.restamped += 1
            self.stats[rel] = Stamp(st.st_mtime_ns, st.st_size, st.st_ino, now, file_digest)

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
        self.remember(root, entry.files)
        return entry

    def store(self, root: Path, key: tuple[str, str, str], entry: CachedPage) -> None:
        self.entries[key] = entry
        self.remember(root, entry.files)

    def prune(self, keep: set[tuple[str, str, str]]) -> None:
        for key in list(self.entries):
            if key not in keep:
                del self.entries[key]
        files = {rel for entry in self.entries.values() for rel in entry.files}
        self.stats = {rel: stamp for rel, stamp in self.stats.items() if rel in files}

    @classmethod
    def load(cls, folder: Path | None) -> PageCache:
        data = load_data(folder / FILE, KIND, reader_signature()) if folder is not None else None
        if not isinstance(data, dict):
            return cls()
        try:
            entries = codec.decode(data.get("entries"), codec.types(CachedPage))
            stats = codec.decode(data.get("stats"), codec.types(Stamp))
        except codec.DecodeError:
            return cls()
        if not isinstance(entries, dict) or not isinstance(stats, dict):
            return cls()
        return cls(entries=entries, stats=stats)

    @property
    def changed(self) -> bool:
        """Whether saving would record anything new (pages parsed, or files stamped anew)."""
        return bool(self.misses or self.restamped)

    def save(self, folder: Path | None) -> None:
        if folder is not None:
            save_data(folder / FILE, KIND, self.signature,
                      {"entries": codec.encode(self.entries), "stats": codec.encode(self.stats)})
