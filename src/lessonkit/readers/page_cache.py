"""Recognising unchanged pages without reading them.

For every page read, the cache keeps the files it was read from (with their
digests), what the rest of the build needs to know about it without opening it
(title, timings, whether it has code) and its diagnostics; and for every file,
its ``stat()`` as it was when read. A page none of whose files changed is then
returned as a *lazy* page (:meth:`lessonkit.model.Page.lazy`): its body is
parsed again only if something asks for it, which an incremental build of a
large lesson rarely does. Diagnostics found while parsing are reported again on
every build, so a cached page is indistinguishable from a freshly read one.

On disk it is one small plain-data file (``pages.msgpack``), not the pages
themselves. ``serve`` keeps the cache in memory between builds, with every
page object it has handed out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lessonkit.cache import load_data, save_data
from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.model import Page
from lessonkit.readers.sources import digest
from lessonkit.signature import reader_signature

FILE = "pages.msgpack"
KIND = "pages"
PageKey = tuple[str, str, str]  # (path, kind, slug)

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
class Entry:
    """What is known of a page read earlier."""

    files: dict[str, str]  # every file the page was read from -> digest
    title: str
    digest: str
    teaching: int | None
    exercises: int | None
    has_chunks: bool
    diagnostics: list[Diagnostic]
    lang: str = ""

    @classmethod
    def of(cls, files: dict[str, str], page: Page, diagnostics: list[Diagnostic]) -> Entry:
        return cls(files, page.title, page.digest, page.teaching, page.exercises, page.has_chunks, diagnostics,
                   page.lang)

    def as_data(self, key: PageKey) -> list:
        return [*key, self.files, self.title, self.digest, self.teaching, self.exercises, self.has_chunks, self.lang,
                [[d.path, d.line, d.column, d.rule, int(d.severity), d.message, d.fix] for d in self.diagnostics]]

    @classmethod
    def from_data(cls, row: list) -> tuple[PageKey, Entry]:
        rel, kind, slug, files, title, page_digest, teaching, exercises, has_chunks, lang, diagnostics = row
        found = [Diagnostic(p, int(line), int(col), str(rule), Severity(sev), str(msg), str(fix))
                 for p, line, col, rule, sev, msg, fix in diagnostics]
        if not (isinstance(files, dict) and all(isinstance(v, str) for v in files.values())):
            raise ValueError("bad file digests")
        return (str(rel), str(kind), str(slug)), cls(files, str(title), str(page_digest), teaching, exercises,
                                                     bool(has_chunks), found, str(lang))


@dataclass
class Hit:
    page: Page
    diagnostics: list[Diagnostic]


@dataclass
class PageCache:
    signature: str = field(default_factory=reader_signature)
    entries: dict[PageKey, Entry] = field(default_factory=dict)
    stats: dict[str, Stamp] = field(default_factory=dict)  # rel -> the file as last read
    live: dict[PageKey, Page] = field(default_factory=dict)  # page objects handed out (kept by serve)
    hits: int = 0
    misses: int = 0
    restamped: int = 0  # files whose stamp was new or not yet trusted (read, touched, checked out)

    def _page(self, key: PageKey, entry: Entry, load: Callable[[], Page] | None) -> Page:
        page = self.live.get(key)
        if load is None:
            def load() -> Page:
                raise LookupError(f"{key[0]} was recognised from the cache without a way to read it again")
        if page is None or page.digest != entry.digest:
            page = Page.lazy(key[1], key[0], key[2], entry.title, entry.digest, entry.teaching, entry.exercises,
                             entry.has_chunks, load, entry.lang)
            self.live[key] = page
        return page

    def unchanged(self, root: Path, key: PageKey, load: Callable[[], Page] | None = None) -> Hit | None:
        """The cached page when none of its files changed since they were read, judged from
        their stat() alone; None when that cannot be known without reading them."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        base = os.fspath(root)
        for rel, expected in entry.files.items():
            stamp = self.stats.get(rel)
            try:  # a string join, not pathlib: this runs for every page of every build
                if stamp is None or not stamp.matches(os.stat(os.path.join(base, rel)), expected):
                    return None
            except OSError:
                return None
        self.hits += 1
        return Hit(self._page(key, entry, load), entry.diagnostics)

    def lookup(self, root: Path, key: PageKey, data: bytes, load: Callable[[], Page] | None = None) -> Hit | None:
        """The cached page when the files' bytes (``data`` for the page itself) are those it was read from."""
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
        return Hit(self._page(key, entry, load), entry.diagnostics)

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

    def store(self, root: Path, key: PageKey, files: dict[str, str], page: Page,
              diagnostics: list[Diagnostic]) -> None:
        self.entries[key] = Entry.of(files, page, diagnostics)
        self.live[key] = page
        self.remember(root, files)

    def prune(self, keep: set[PageKey]) -> None:
        for key in [k for k in self.entries if k not in keep]:
            del self.entries[key]
            self.live.pop(key, None)
        files = {rel for entry in self.entries.values() for rel in entry.files}
        self.stats = {rel: stamp for rel, stamp in self.stats.items() if rel in files}

    @classmethod
    def load(cls, folder: Path | None) -> PageCache:
        data = load_data(folder / FILE, KIND, reader_signature()) if folder is not None else None
        if not isinstance(data, dict):
            return cls()
        try:
            entries = dict(Entry.from_data(row) for row in data["entries"])
            stats = {str(rel): Stamp(int(a), int(b), int(c), int(d), str(e))
                     for rel, (a, b, c, d, e) in data["stats"].items()}
        except (KeyError, TypeError, ValueError):
            return cls()
        return cls(entries=entries, stats=stats)

    @property
    def changed(self) -> bool:
        """Whether saving would record anything new (pages parsed, or files stamped anew)."""
        return bool(self.misses or self.restamped)

    def save(self, folder: Path | None) -> None:
        if folder is not None:
            save_data(folder / FILE, KIND, self.signature,
                      {"entries": [entry.as_data(key) for key, entry in self.entries.items()],
                       "stats": {rel: list(stamp) for rel, stamp in self.stats.items()}})
            self.misses = self.restamped = 0
