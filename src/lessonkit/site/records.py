"""What a build keeps of each rendered page for the next one (plain data, ``lessonkit.cache``).

Two stores, so that a build reads only what it must write again:

* ``RecordStore``: each page's rendered body, one file per record in
  ``<cache>/records/`` — read when that page's own HTML must be written again
  (a template or menu change), never for an edit of another page.
* ``PartStore``: what the pages that gather the whole lesson take from each page
  (its key points, figures, instructor notes, profile), one small *pack* per
  gathering page and view in ``<cache>/parts/``, keyed by a digest of the part
  (``RecordInfo.parts`` names each page's).  A gathering page's recipe key is
  made of its pages' part digests, so an edit to an episode's prose (its key
  points unchanged) neither rewrites the key points page nor opens its pack; an
  edit to its key points loads and rewrites that one pack, never a thousand
  records.  The big joins (the all-in-one page and the search index) need no
  pack: they are updated in place from the previous output (``lessonkit.site.splice``).

``serve`` keeps both in memory between builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit import codec
from lessonkit.cache import load_data, save_data
from lessonkit.site.assemble import VIEWS
from lessonkit.site.body import RenderedBody
from lessonkit.site.pages import AGGREGATES

RECORD_KIND = "page-record"
PARTS_KIND = "page-parts"
RECORDS = "records"
PARTS = "parts"
#: Joined in place from the previous output instead (``lessonkit.site.splice``): no pack.
SPLICED = ("aio",)
#: Every pack: each aggregate page (but the spliced ones) in each view.
PACKS: tuple[str, ...] = tuple(f"{spec.slug}.{view}" for spec in AGGREGATES if spec.slug not in SPLICED
                               for view in VIEWS)


class CacheIncomplete(LookupError):
    """The cache does not hold what its state names (a build killed while saving it, a file deleted or
    damaged by hand): the build renders every page again (``Builder._render``)."""


def pack_name(slug: str, view: str) -> str:
    return f"{slug}.{view}"


def part_digest(part: str | bytes) -> str:
    """The key of a part in its pack (equal parts of different pages or versions share one entry)."""
    data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass
class PageRecord:
    """A page as rendered: its body and what the pages that gather the lesson take from it."""

    key: str
    body: RenderedBody | None  # None: written to the cache by the worker that rendered it (RecordStore.get reads it)
    search_json: bytes = b""  # ``search`` as JSON array items (UTF-8), ready to join into the index
    fragments: dict[tuple[str, str], str | bytes] = field(default_factory=dict)  # (aggregate page, view) -> HTML
    derived: bool = True  # False for a record read back from the cache: search and fragments not computed

    def parts(self) -> dict[str, str | bytes]:
        """This page's entry in every pack (empty where it contributes nothing)."""
        found: dict[str, str | bytes] = {name: "" for name in PACKS}
        for (slug, view), part in self.fragments.items():
            if slug not in SPLICED:
                found[pack_name(slug, view)] = part
        return found


@dataclass
class RecordInfo:
    """What a build needs to know of a rendered page without loading it."""

    key: str
    questions: str = ""  # the episode's questions (HTML), for the schedule
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # (link, line) the page could not resolve
    files: list[str] = field(default_factory=list)  # site paths of figures made by its executed code
    mermaid: bool = False  # it draws a Mermaid diagram (the site then ships the library)
    parts: dict[str, str] = field(default_factory=dict)  # pack name -> digest of this page's part in it

    @classmethod
    def of(cls, record: PageRecord) -> RecordInfo:
        body = record.body
        return cls(record.key, body.overview.get("questions", ""), list(body.unresolved), sorted(body.files),
                   'class="mermaid"' in body.html,
                   {name: part_digest(part) for name, part in record.parts().items() if part})

    def encode(self) -> list:
        """As plain lists (the state file holds a thousand of these: no generic codec)."""
        return [self.key, self.questions, [[link, line] for link, line in self.unresolved], self.files,
                self.mermaid, [self.parts.get(name, "") for name in PACKS]]

    @classmethod
    def decode(cls, data: object) -> RecordInfo:
        """What ``encode`` made; ValueError for anything else (a hand-edited or foreign state file)."""
        if not isinstance(data, list) or len(data) != 6:
            raise ValueError("not a page record summary")
        key, questions, unresolved, files, mermaid, parts = data
        if not (isinstance(key, str) and isinstance(questions, str) and isinstance(mermaid, bool)
                and isinstance(unresolved, list) and isinstance(files, list) and isinstance(parts, list)
                and len(parts) == len(PACKS)):
            raise ValueError("not a page record summary")
        links = []
        for item in unresolved:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                    and isinstance(item[1], int)):
                raise ValueError("bad unresolved link")
            links.append((item[0], item[1]))
        if not all(isinstance(f, str) for f in files) or not all(isinstance(d, str) for d in parts):
            raise ValueError("bad file or part")
        return cls(key, questions, links, files, mermaid, {n: d for n, d in zip(PACKS, parts, strict=True) if d})


def _prune(folder: Path, keep: set[str]) -> None:
    """Delete the files of ``folder`` whose stem is not in ``keep``."""
    try:
        for entry in os.scandir(folder):
            if entry.name.endswith(".msgpack") and entry.name[: -len(".msgpack")] not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    except OSError:
        pass


class RecordStore:
    """Rendered bodies by record key: in memory (``serve`` keeps them all) and one file per record
    in ``<cache>/records/``, read only when a build must write that page again."""

    def __init__(self, folder: Path | None, signature: str):
        self.folder = folder
        self.signature = signature
        self.memory: dict[str, PageRecord] = {}
        self.unsaved: set[str] = set()
        self._listed: set[str] | None = None  # the record files in ``folder`` (one listing, not a stat per page)
        #: Set by a build that saves its state: worker processes write the records they render
        #: (``write_from_worker``); ``serve`` keeps its records in memory instead.
        self.direct = False
        self._made = False

    def add(self, record: PageRecord) -> None:
        self.memory[record.key] = record
        if record.body is not None:
            self.unsaved.add(record.key)
        elif self._listed is not None:
            self._listed.add(record.key)

    def write_from_worker(self, record: PageRecord) -> PageRecord:
        """In a worker process of a build that saves its state (``direct``): write ``record``'s body
        to the folder now and give back the record without it, so that the body neither travels back
        through the pipe nor is written by the main process one page after another (the main process
        keeps what the pages that gather the lesson need, and reads the body if it ever needs it)."""
        if not self.direct or self.folder is None:
            return record
        if not self._made:
            with contextlib.suppress(OSError):
                self.folder.mkdir(parents=True, exist_ok=True)
            self._made = True
        if not self._write(self.folder, record.key, record.body):
            return record  # not written (a full disk?): the body goes back, and is kept in memory
        return PageRecord(record.key, None, record.search_json, record.fragments, record.derived)

    def _write(self, folder: Path, key: str, body: RenderedBody) -> bool:
        return save_data(folder / f"{key}.msgpack", RECORD_KIND, self.signature, codec.encode(body))

    def has(self, key: str) -> bool:
        if key in self.memory:
            return True
        if self.folder is None:
            return False
        if self._listed is None:
            try:
                with os.scandir(self.folder) as entries:
                    self._listed = {e.name[: -len(".msgpack")] for e in entries if e.name.endswith(".msgpack")}
            except OSError:
                self._listed = set()
        return key in self._listed

    def get(self, key: str, body: bool = True) -> PageRecord | None:
        """The record of ``key`` (its body read back from the folder if a worker wrote it, unless
        ``body`` is False: the caller needs only its search entries and parts)."""
        found = self.memory.get(key)
        if found is not None and found.body is None and body:  # written by a worker: read its body back
            loaded = self._load(key) if self.folder is not None else None
            if loaded is None:
                return None
            found.body = loaded.body
        if found is None and self.folder is not None:
            found = self._load(key)
            if found is not None:
                self.memory[key] = found
        return found

    def _load(self, key: str) -> PageRecord | None:
        data = load_data(self.folder / f"{key}.msgpack", RECORD_KIND, self.signature)
        try:
            body = codec.decode(data, codec.types(RenderedBody))
        except (codec.DecodeError, TypeError):
            return None
        return PageRecord(key, body, derived=False) if isinstance(body, RenderedBody) else None  # damaged: None

    def save(self, folder: Path, keep: set[str]) -> None:
        """Write new records to ``folder`` and delete the ones no page uses any more."""
        folder.mkdir(parents=True, exist_ok=True)
        for key in self.unsaved & keep:  # (those workers wrote are in ``folder`` already: the build's cache)
            body = self.memory[key].body
            assert body is not None
            self._write(folder, key, body)
        self.unsaved.clear()
        self.folder = folder
        self._listed = None
        self.memory = {k: v for k, v in self.memory.items() if k in keep}
        _prune(folder, keep)


class PartStore:
    """Each page's part of the pages that gather the lesson, one pack per gathering page and view,
    keyed by the part's digest (``part_digest``)."""

    def __init__(self, folder: Path | None, signature: str):
        self.folder = folder
        self.signature = signature
        self.packs: dict[str, dict[str, str | bytes]] = {}  # loaded (or built) packs
        self.fresh: dict[str, dict[str, str | bytes]] = {}  # entries added by this build, per pack

    def complete(self) -> bool:
        """Whether every pack is on disk (else the pages must be rendered again to rebuild them)."""
        return self.folder is not None and all((self.folder / f"{name}.msgpack").exists() for name in PACKS)

    def add(self, info: RecordInfo, record: PageRecord, previous: RecordInfo | None = None) -> None:
        """Keep the parts of ``record`` (whose digests ``info`` holds) that its page's ``previous``
        version did not already have in the packs."""
        for name, part in record.parts().items():
            digest = info.parts.get(name)
            if digest and (previous is None or previous.parts.get(name) != digest):
                self.fresh.setdefault(name, {})[digest] = part

    def get(self, name: str, digest: str) -> str | bytes:
        if not digest:  # the page has no part in this pack
            return ""
        fresh = self.fresh.get(name)
        if fresh is not None and digest in fresh:
            return fresh[digest]
        found = self._pack(name).get(digest)
        if found is None:
            raise CacheIncomplete(f"the cache has no {name} part {digest}")
        return found

    def _pack(self, name: str) -> dict[str, str | bytes]:
        found = self.packs.get(name)
        if found is None:
            data = load_data(self.folder / f"{name}.msgpack", PARTS_KIND, self.signature) if self.folder else None
            found = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, (str, bytes))} \
                if isinstance(data, dict) else {}
            self.packs[name] = found
        return found

    def save(self, folder: Path, keep: dict[str, set[str]]) -> None:
        """Write back the packs this build added to, with only the entries of ``keep`` (pack name ->
        the digests the lesson's pages use); a pack nothing was added to is left as it is."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, entries in self.fresh.items():
            pack = self._pack(name)  # from the folder this state was read from
            pack.update(entries)
            used = keep.get(name, set())
            pack = {k: v for k, v in pack.items() if k in used}
            self.packs[name] = pack
            save_data(folder / f"{name}.msgpack", PARTS_KIND, self.signature, pack)
        for name in PACKS:  # a pack no page has a part in is still written once (``complete``)
            if name not in self.fresh and not (folder / f"{name}.msgpack").exists():
                self.packs[name] = {}
                save_data(folder / f"{name}.msgpack", PARTS_KIND, self.signature, {})
        self.fresh.clear()
        self.folder = folder
        _prune(folder, set(PACKS))
