"""Building a lesson's site: render what changed, reuse the rest, write atomically.

Each output file has a *recipe key*: a hash of everything its content depends
on.  When a file's key is the one recorded by the previous build and the file
is in the previous output, it is hard-linked instead of rendered again.  Page
bodies are cached by the page's content hash and the site's link map, so an
edit to one episode re-renders that episode, its neighbours' pager and the
pages that gather every episode (all-in-one, key points, figures, search).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lessonkit import __version__, glosario
from lessonkit.cache import load_data, save_data
from lessonkit.credit.site import LessonCredit
from lessonkit.diagnostics import Report
from lessonkit.execute import notebook
from lessonkit.model import Lesson, Page
from lessonkit.output import StagedOutput
from lessonkit.parallel import in_worker, map_pages
from lessonkit.site import generated
from lessonkit.site import schedules as site_schedules
from lessonkit.site.assemble import (
    VIEWS,
    Shared,
    mermaid_assets,
    plain,
    render_page,
    template_signature,
    theme_stylesheet,
)
from lessonkit.site.body import RenderedBody, for_view, render_body
from lessonkit.site.highlight import remembered_highlighting, stylesheet
from lessonkit.site.links import LinkResolver, SiteMap
from lessonkit.site.metadata import page_date, sitemap
from lessonkit.site.pages import AGGREGATES, GeneratedPage
from lessonkit.site.records import (
    PARTS,
    RECORDS,
    SPLICED,
    CacheIncomplete,
    PageRecord,
    PartStore,
    RecordInfo,
    RecordStore,
    pack_name,
)
from lessonkit.site.splice import Layout, assemble

STATE_VERSION = 7
#: Where the first episode's "previous" link goes.
HOME = Page(kind="index", source="", slug="index", title="Summary and schedule")
STATE_FILE = "site-state.msgpack"
STATE_KIND = "site-state"


def _hash(*parts: object) -> str:
    text = "\x1f".join(part if isinstance(part, str) else str(part) for part in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@dataclass
class BuildState:
    """What one build leaves for the next (kept in memory by ``serve``, saved as plain data by ``build``):
    a small index of the rendered pages and outputs; the rendered bodies are in ``records``, the pages'
    parts of the pages that gather the lesson in ``parts`` (``lessonkit.site.records``)."""

    version: int = STATE_VERSION
    infos: dict[str, RecordInfo] = field(default_factory=dict)  # page source -> its record, in short
    outputs: dict[str, str] = field(default_factory=dict)  # site path -> recipe key
    token: str | None = None  # the output stamp the outputs were recorded for
    joined: dict[str, dict] = field(default_factory=dict)  # site path -> Layout (lessonkit.site.splice), encoded
    records: RecordStore = field(default_factory=lambda: RecordStore(None, _state_signature()))
    parts: PartStore = field(default_factory=lambda: PartStore(None, _state_signature()))
    cache: Path | None = None  # the cache folder it was read from (highlighted code is kept there too)

    def record(self, source: str, body: bool = True) -> PageRecord:
        info = self.infos[source]
        found = self.records.get(info.key, body)
        if found is None:
            raise CacheIncomplete(f"the rendered page of {source} is missing from the cache")
        return found

    def add(self, source: str, record: PageRecord, info: RecordInfo | None = None) -> None:
        self.records.add(record)
        info = info or RecordInfo.of(record)
        self.parts.add(info, record, self.infos.get(source))
        self.infos[source] = info

    def part(self, name: str, source: str) -> str | bytes:
        return self.parts.get(name, self.infos[source].parts.get(name, ""))

    def part_key(self, name: str, source: str) -> str:
        """The digest of a page's part in a pack (what a gathering page's recipe key is made of)."""
        return self.infos[source].parts.get(name, "")

    @classmethod
    def empty(cls, cache: Path | None) -> BuildState:
        """No page rendered yet; what this build renders is kept in ``cache``."""
        signature = _state_signature()
        if cache is None:
            return cls()
        return cls(records=RecordStore(cache / RECORDS, signature), parts=PartStore(cache / PARTS, signature),
                   cache=cache)

    @classmethod
    def load(cls, cache: Path | None) -> BuildState:
        fresh = cls.empty(cache)
        if cache is None:
            return fresh
        records, parts = fresh.records, fresh.parts
        data = load_data(cache / STATE_FILE, STATE_KIND, records.signature)
        if not isinstance(data, dict):
            return fresh
        try:
            saved = data.get("infos")
            infos = {str(source): RecordInfo.decode(info) for source, info in saved.items()} \
                if isinstance(saved, dict) else None
            outputs, token, version = data.get("outputs"), data.get("token"), data.get("version")
            joined = data.get("joined")
        except ValueError:
            return fresh
        if version != STATE_VERSION or not isinstance(infos, dict) or not isinstance(outputs, dict) \
                or not isinstance(joined, dict):
            return fresh
        if not parts.complete() or not all(records.has(info.key) for info in infos.values()):
            infos = {}  # records or parts deleted by hand: render again
        return cls(STATE_VERSION, infos, outputs, token if isinstance(token, str) else None, joined, records, parts,
                   cache)

    def save(self, cache: Path | None) -> None:
        if cache is not None:
            self.cache = cache
            keep = {info.key for info in self.infos.values()}
            self.records.save(cache / RECORDS, keep)
            used: dict[str, set[str]] = {}
            for info in self.infos.values():
                for name, digest in info.parts.items():
                    used.setdefault(name, set()).add(digest)
            self.parts.save(cache / PARTS, used)
            save_data(cache / STATE_FILE, STATE_KIND, _state_signature(),
                      {"version": self.version, "infos": {source: info.encode() for source, info in self.infos.items()},
                       "outputs": self.outputs,
                       "token": self.token, "joined": self.joined})


def _utf8(part: str | bytes | None) -> bytes:
    return part.encode("utf-8") if isinstance(part, str) else part or b""


def _state_signature() -> str:
    return _hash(__version__, template_signature())


@dataclass(frozen=True, slots=True)
class _PageOutput:
    """One HTML file of a lesson page: where, in which view, its recipe key, its pager."""

    rel: str
    view: str
    key: str
    previous: Page | None
    next: Page | None


@dataclass
class SiteResult:
    pages_rendered: int = 0
    pages_reused: int = 0
    files_written: int = 0
    files_reused: int = 0
    unresolved: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # page source -> (link, line)
    pages: list[str] = field(default_factory=list)  # site paths of every HTML page
    written: list[str] = field(default_factory=list)  # site paths of the files this build wrote (not carried over)


def chunk_signature(page: Page) -> str:
    if not page.has_chunks:
        return ""
    chunks = page.chunks()
    if not chunks:
        return ""
    parts: list[str] = []
    for chunk in chunks:
        parts.append(repr((chunk.executed, [(o.kind, o.text, o.mime, o.alt, o.caption,
                                               hashlib.blake2b(o.data or b"", digest_size=8).hexdigest())
                                              for o in chunk.outputs])))
    return _hash(*parts)


class SiteBuilder:
    def __init__(
        self,
        lesson: Lesson,
        staged: StagedOutput,
        state: BuildState,
        prefix: str = "",
        progress: Callable[[int, int], None] | None = None,
    ):
        self.lesson = lesson
        self.staged = staged
        self.state = state
        self.prefix = prefix
        self.progress = progress
        self.result = SiteResult()
        self.new_outputs: dict[str, str] = {}
        self.new_joined: dict[str, dict] = {}
        self.written: set[str] = set()  # files already written by the workers that rendered their pages
        if state.token is None or state.token != staged.previous_token:
            state.outputs = {}  # the output folder holds something else: render everything
            state.joined = {}
        self.feedback = self._feedback()
        self.site = SiteMap.of(lesson)
        self.credit = LessonCredit.of(lesson)  # citations, figure credits, credit pages, footer citation
        self.glosario = glosario.of(lesson)  # {{ glosario.slug }} links, for lessons with glosario: true
        self.shared = Shared.of(lesson, {}, self.feedback)
        for entries in self.shared.resources.values():
            entries.extend(self.credit.links())

    # -- output ------------------------------------------------------------

    def _emit(self, rel: str, key: str, make: Callable[[], str | bytes | list[bytes]]) -> None:
        """Write ``rel`` unless the previous build wrote it with the same key."""
        self.new_outputs[rel] = key
        if rel in self.written:  # written already, by the worker that rendered its page
            self._wrote(rel)
            return
        if self.state.outputs.get(rel) == key and self.staged.reuse(self.prefix + rel):
            self.result.files_reused += 1
            return
        self.staged.write(self.prefix + rel, make())
        self._wrote(rel)

    def _wrote(self, rel: str) -> None:
        self.result.files_written += 1
        self.result.written.append(self.prefix + rel)

    def _join(self, rel: str, key: str, frame: Callable[[], list[bytes]], items: list[tuple[str, Callable[[], bytes]]],
              sep: bytes = b"") -> None:
        """Write ``rel``, a head, one part per page and a tail (``lessonkit.site.splice``): unchanged
        pages' parts are copied from the previous output, ``make`` is called for the others only."""
        self.new_outputs[rel] = key
        old = self.state.joined.get(rel)
        if old is not None and self.state.outputs.get(rel) == key and self.staged.reuse(self.prefix + rel):
            self.new_joined[rel] = old
            self.result.files_reused += 1
            return
        layout = Layout.decode(old) if old is not None else None
        if layout is not None and self.staged.previous_size(self.prefix + rel) != layout.size:
            layout = None  # not the file the layout describes
        head, tail = frame()
        pieces, layout = assemble(head, tail, items, layout, sep)
        self.staged.splice(self.prefix + rel, pieces)
        self.new_joined[rel] = layout.encode()
        self._wrote(rel)

    def _derived(self, page: Page) -> PageRecord:
        """A page's record with its search entries and aggregate fragments (computed again for a record
        read back from the cache, whose parts were kept in the previous output)."""
        record = self.state.record(page.source, body=False)
        if not record.derived:  # read back from the cache (with its body)
            record.search_json = self._search_json(page, record.body)
            record.fragments = generated.fragments(page, record.body, self.shared.theme)
            record.derived = True
        return record

    # -- one page at once (serve) ---------------------------------------------

    def preview(self, rel: str) -> list[tuple[str, bytes]]:
        """The HTML files of the page whose source is ``rel``, read again and rendered with this (finished)
        build's menus, neighbours and parts, for ``serve`` to show before the whole build has run.
        [] when that cannot be the page the whole build will write: not a page of its own, its title,
        kind or language changed (other pages show them), it runs code, or it has errors."""
        from lessonkit.diagnostics import Severity
        from lessonkit.readers.formats import PageSource
        from lessonkit.readers.pipeline import read_page

        lesson = self.lesson
        old = next((p for p in lesson.pages() if p.source == rel), None)
        outputs = getattr(self, "outputs", {}).get(rel)
        if old is None or not outputs or lesson.config_file is None:
            return []
        report = Report()
        page = read_page(lesson.layout, lesson.root, PageSource(rel, old.kind, old.slug), lesson.config_file, report)
        if (page is None or page.has_chunks or old.has_chunks or (page.title, page.lang) != (old.title, old.lang)
                or any(d.severity >= Severity.ERROR for d in report)):
            return []
        self.shared.updated[rel] = page_date(lesson, rel, self.shared.updated.get(rel, ""))
        body = self._render_body(page)
        return [(self.prefix + out.rel, self._page(page, body, out.view, out.previous, out.next).encode())
                for out in outputs]

    # -- the build ----------------------------------------------------------

    def build(self) -> SiteResult:
        """Render what changed (``_render_stale``), then write every output (pages, the pages made
        from the whole lesson, assets), reusing each one whose recipe key is unchanged."""
        lesson = self.lesson
        pages = lesson.pages()
        shared_key = self.shared.signature()
        keys = self._record_keys(pages)
        outputs = self._page_outputs(pages, keys, shared_key)
        self.outputs = outputs  # for preview()
        self._render_stale(pages, keys, outputs)
        for view in VIEWS:
            folder = "instructor/" if view == "instructor" else ""
            self._pages(view, pages, keys, outputs)
            self._generated(view, folder, keys, shared_key)
        everything = _hash(shared_key, *(keys[p.source] for p in pages))
        self._assets(everything, shared_key)
        self.state.outputs = self.new_outputs
        self.state.joined = self.new_joined
        self.state.token = self.staged.token
        self.result.pages = sorted(p for p in self.new_outputs if p.endswith(".html"))
        return self.result

    def _record_keys(self, pages: list[Page]) -> dict[str, str]:
        """Every page's record key: a hash of everything its rendered body depends on."""
        site_signature = self.site.signature()
        references_key = _hash(sorted((k, tuple(sorted(v.items()))) for k, v in self.lesson.references.items()),
                               self.credit.signature(), self.glosario.digest if self.glosario else "")
        options = self.shared.body_options.signature()
        return {page.source: _hash(__version__, template_signature(), page.digest, site_signature, references_key,
                                   chunk_signature(page), page.source, page.slug, page.title, options)
                for page in pages}

    def _page_outputs(self, pages: list[Page], keys: dict[str, str], shared_key: str
                      ) -> dict[str, list[_PageOutput]]:
        """The HTML files of each page (one per view) with their recipe keys and neighbours."""
        episode_list = self.lesson.episodes
        positions = {id(page): index for index, page in enumerate(episode_list)}
        found: dict[str, list[_PageOutput]] = {}
        for page in pages:
            if page.kind == "index" or (page.kind == "instructor" and page.slug == "instructor-notes"):
                continue  # both are part of generated pages
            previous = next_page = None
            if page.kind == "episode":
                position = positions[id(page)]
                previous = episode_list[position - 1] if position > 0 else HOME
                next_page = episode_list[position + 1] if position + 1 < len(episode_list) else None
            neighbours = [(p.slug, p.title) if p else None for p in (previous, next_page)]
            found[page.source] = [
                _PageOutput(f"{'instructor/' if view == 'instructor' else ''}{page.filename}", view,
                            _hash(shared_key, keys[page.source], view, neighbours,
                                  self.shared.episode_numbers.get(page.slug), self.shared.updated.get(page.source)),
                            previous, next_page)
                for view in VIEWS]
        return found

    def _render_stale(self, pages: list[Page], keys: dict[str, str], outputs: dict[str, list[_PageOutput]]) -> None:
        """Render the pages whose record key changed, and write their HTML files, on every core."""
        infos = self.state.infos
        stale = [p for p in pages if (info := infos.get(p.source)) is None or info.key != keys[p.source]]
        done = len(pages) - len(stale)
        self.result.pages_reused = done
        self.result.pages_rendered = len(stale)

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if self.progress is not None:
                self.progress(done, len(pages))

        def task(i: int) -> tuple[PageRecord, RecordInfo, list[str]]:
            page = stale[i]
            record = self._render(page, keys[page.source])
            written = []
            for out in outputs.get(page.source, []):
                if self.state.outputs.get(out.rel) != out.key:  # else carried over from the previous output
                    self.staged.write(self.prefix + out.rel,
                                      self._page(page, record.body, out.view, out.previous, out.next))
                    written.append(out.rel)
            info = RecordInfo.of(record)
            if in_worker():
                record = self.state.records.write_from_worker(record)
            return record, info, written

        for page, (record, info, written) in zip(stale, map_pages(task, len(stale), advance), strict=True):
            self.state.add(page.source, record, info)
            self.written.update(written)
        self.state.infos = {page.source: infos[page.source] for page in pages}
        for source, info in self.state.infos.items():
            if info.unresolved:
                self.result.unresolved[source] = list(info.unresolved)

    def _body(self, source: str) -> RenderedBody:
        return self.state.record(source).body

    def _pages(self, view: str, pages: list[Page], keys: dict[str, str], outputs: dict[str, list[_PageOutput]]
               ) -> None:
        """Each page of the lesson in one view (those just rendered were written by ``_render_stale``),
        and the notebook downloads of executable episodes."""
        for page in pages:
            for out in outputs.get(page.source, []):
                if out.view == view:
                    self._emit(out.rel, out.key, lambda page=page, out=out: self._page(
                        page, self._body(page.source), out.view, out.previous, out.next))
        if view != "learner":
            return
        title = self.lesson.config.title
        for page in pages:  # .ipynb/.py for Python pages, .Rmd/.R for R pages (execute/notebook.py)
            for name, _, make in self._downloads(page):
                self._emit(f"notebooks/{name}", _hash(keys[page.source], title, name), make)
        lesson = self.lesson
        if notebook.wants_handout(lesson.config.extra) and \
                "files/code-handout.R" not in {asset.target for asset in lesson.assets}:
            episodes_key = _hash(title, *(keys[p.source] for p in lesson.episodes if p.source in keys))
            self._emit("files/code-handout.R", episodes_key, lambda: notebook.handout(lesson.episodes, title))

    def _downloads(self, page: Page) -> list:
        return notebook.downloads(page, self.lesson.config.title, self.lesson.root / page.source)

    def _render(self, page: Page, key: str) -> PageRecord:
        body = self._render_body(page)
        return PageRecord(key, body, self._search_json(page, body), generated.fragments(page, body, self.shared.theme))

    def _render_body(self, page: Page) -> RenderedBody:
        with remembered_highlighting(self.state.cache, page.source):  # unchanged code is not highlighted again
            env = {**self.credit.env(page), **glosario.page_env(self.glosario, page, self.shared.body_options.lang)}
            return render_body(page, LinkResolver(self.site, page.source), self.lesson.references, env,
                               self.shared.body_options)

    @staticmethod
    def _search_json(page: Page, body: RenderedBody) -> bytes:
        search: list[dict] = []
        if page.kind in ("index", "episode", "learner", "profile", "extra"):
            search = generated.search_entries(page, for_view(body.html, "learner"))
        return ",".join(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) for entry in search).encode()

    def _page(self, page: Page, body: RenderedBody, view: str, previous: Page | None, next_page: Page | None) -> str:
        if page.kind == "instructor" and view == "learner":
            html = generated.instructor_only(page, self.shared.parts(body.lang).ui, self.shared.theme)
        else:
            html = for_view(body.html, view)
        root = "../" if view == "instructor" else ""
        downloads = [{"href": f"{root}notebooks/{name}", "label": label} for name, label, _ in self._downloads(page)]
        return render_page(self.shared, view, slug=page.slug, kind=page.kind, title=page.title, body=html,
                           page=page, rendered=body, previous=previous, next=next_page, downloads=downloads)

    def _generated(self, view: str, folder: str, keys: dict[str, str], shared_key: str) -> None:
        """Pages made from the whole lesson; each keyed by exactly the parts it shows (the record
        keys of the pages it gathers), so that a rendered page is loaded only when one must be rewritten."""
        lesson = self.lesson
        shared = self.shared
        index = lesson.index
        episodes = lesson.episodes
        bodies = _Bodies(self)

        named = site_schedules.render(lesson, view)  # named schedules (lessonkit.site.schedules)

        def landing() -> str:
            intro = for_view(bodies[index.source].html, view) if index is not None else ""
            questions = {source: info.questions for source, info in self.state.infos.items()}
            body = intro + generated.home(shared, bodies, questions, view) + named
            if not index and not episodes:
                body = generated.empty("lesson", shared.parts(None).ui, shared.theme)
            return render_page(shared, view, slug="index", kind="index", title=lesson.config.title, body=body,
                               page=index, rendered=bodies.get(index.source) if index else None)

        infos = self.state.infos
        schedule_parts = [(p.slug, p.title, p.minutes, infos[p.source].questions) for p in episodes]
        index_key = keys.get(index.source) if index else None
        has_setup = any(p.slug == "setup" for p in lesson.learners)
        self._emit(f"{folder}index.html", _hash(shared_key, view, "index", index_key, schedule_parts, has_setup,
                                                named, generated.home_key(lesson, keys)),
                   landing)

        notes_page = next((p for p in lesson.instructors if p.slug == "instructor-notes"), None)
        for spec in AGGREGATES:
            gathered = lesson.profiles if spec.gathers == "profiles" else episodes
            if spec.needs_content and not gathered:
                continue
            merged = notes_page if spec.merges_lesson_page and view == "instructor" else None
            if spec.slug in SPLICED:
                content_key = [keys[p.source] for p in gathered]
            else:  # made of the gathered pages' parts only: unchanged when an edit leaves their parts alone
                name = pack_name(spec.slug, view)
                content_key = [(p.slug, self.state.part_key(name, p.source)) for p in gathered]
            content_key.append(keys[merged.source] if merged else "")
            rel, key = f"{folder}{spec.slug}.html", _hash(shared_key, view, spec.slug, content_key)
            if spec.slug in SPLICED and gathered:
                self._join(rel, key, lambda spec=spec: render_page(
                    shared, view, slug=spec.slug, kind="generated", title=spec.title, toc=False, body=[]),
                    [(keys[p.source], lambda p=p, slug=spec.slug: _utf8(self._derived(p).fragments.get((slug, view))))
                     for p in gathered])
                continue
            self._emit(rel, key, lambda spec=spec, gathered=gathered, merged=merged:
                       self._aggregate(spec, view, gathered, merged))
        for slug, title in self.credit.page_titles():  # made only when they must be written
            self._emit(f"{folder}{slug}.html", _hash(shared_key, view, slug, self.credit.signature()),
                       lambda slug=slug, title=title: render_page(
                           shared, view, slug=slug, kind="generated", title=title, body=self.credit.page(slug, view)))
        self._emit(f"{folder}search.html", _hash(shared_key, view, "search"),
                   lambda: render_page(shared, view, slug="search", kind="generated", title="Search", body="",
                                       template="search.html", toc=False))
        self._emit(f"{folder}404.html", _hash(shared_key, view, "404"),
                   lambda: render_page(shared, view, slug="404", kind="generated", title="Page not found",
                                       body="", template="404.html", toc=False))

    def _aggregate(self, spec: GeneratedPage, view: str, gathered: list[Page], merged: Page | None
                   ) -> str | list[bytes]:
        """An aggregate page (key points, all-in-one, figures, instructor notes, profiles) from the
        fragments each gathered page's record keeps."""
        name = pack_name(spec.slug, view)
        parts = [self.state.part(name, p.source) for p in gathered]
        ui = self.shared.parts(None).ui
        if spec.slug == "aio":  # no episodes (else it is joined in place: _join)
            body: str | list[bytes] = [p for p in parts if p] or [generated.empty("aio", ui, self.shared.theme).encode()]
        elif spec.merges_lesson_page:
            own = for_view(self._body(merged.source).html, view) if merged is not None else ""
            body = generated.instructor_notes(own, parts, view, ui, self.shared.theme)
        else:
            body = generated.gather(spec.slug, parts, ui, self.shared.theme)
        return render_page(self.shared, view, slug=spec.slug, kind="generated", title=spec.title, toc=False,
                           body=body)

    def _metadata_key(self, shared_key: str) -> str:
        """What ``lesson.jsonld`` is made of (lessonkit.credit.metadata.lesson_metadata): the lesson's
        configuration and credit, its CITATION.cff, and its episodes' titles, files and timings, not
        their bodies (an edit to an episode's text leaves it as it was)."""
        lesson = self.lesson
        try:
            st = os.stat(lesson.root / "CITATION.cff")
            cff = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            cff = None
        return _hash("lesson.jsonld", shared_key, self.credit.signature(), cff, lesson.config.carpentry,
                     [(p.title, p.filename, p.minutes) for p in lesson.episodes])

    def _assets(self, everything: str, shared_key: str) -> None:
        lesson = self.lesson
        static = resources.files("lessonkit.site").joinpath("static")
        theme_key = _hash(template_signature(), __version__)
        self._emit("assets/lessonkit.css", theme_key,
                   lambda: theme_stylesheet(static.joinpath("lessonkit.css").read_text(), stylesheet()))
        for name in ("lessonkit.js", "favicon.svg"):
            self._emit(f"assets/{name}", theme_key, lambda name=name: static.joinpath(name).read_bytes())
        if self.feedback is not None:
            widget = resources.files("lessonkit").joinpath("feedback", "widget")
            for name in ("feedback.js", "feedback.css"):
                if widget.joinpath(name).is_file():
                    self._emit(f"assets/{name}", theme_key, lambda name=name: widget.joinpath(name).read_bytes())
        for rel, text in self.shared.assets().items():  # interface strings, theme stylesheet
            self._emit(rel, _hash(rel, text), lambda text=text: text)
        if any(info.mermaid for info in self.state.infos.values()):  # a page drew a diagram
            for rel, (key, make) in mermaid_assets().items():
                self._emit(rel, key, make)
        nav = {"episodes": [{"s": p.slug, "t": plain(p.title), "m": p.minutes} for p in lesson.episodes]}
        nav_text = "window.LK_NAV = " + json.dumps(nav, ensure_ascii=False) + ";\n"
        self._emit("assets/nav.js", _hash(nav_text), lambda: nav_text)

        self._join("assets/search-index.js", _hash(everything, "search"),
                   lambda: [b"window.LK_SEARCH_INDEX = [", b"];\n"],
                   [(self.state.infos[page.source].key, lambda page=page: self._derived(page).search_json)
                    for page in lesson.pages()], sep=b",")
        for asset in lesson.assets:
            try:
                stat = asset.source.stat()
            except OSError:
                continue
            self._emit(asset.target, _hash(asset.source, stat.st_size, stat.st_mtime_ns),
                       lambda asset=asset: asset.source.read_bytes())
        for source, info in self.state.infos.items():
            for site_path in info.files:
                self._emit(site_path, _hash(site_path),
                           lambda source=source, site_path=site_path: self._body(source).files[site_path])
        html_pages = sorted(p for p in self.new_outputs if p.endswith(".html") and not p.startswith("instructor/")
                            and p != "404.html")
        self._emit("sitemap.xml", _hash(lesson.config.url, *html_pages), lambda: sitemap(lesson, html_pages))
        self._emit("lesson.jsonld", self._metadata_key(shared_key), self.credit.jsonld)

    def _feedback(self) -> dict | None:
        url = self.lesson.config.extra.get("feedback_url")
        if not isinstance(url, str) or not url.strip():
            return None
        lesson_id = self.lesson.config.extra.get("feedback_lesson") or self.lesson.name
        return {"endpoint": url.strip().rstrip("/"), "lesson": str(lesson_id)}




class _Bodies(Mapping):
    """Rendered bodies by page source, loaded from the record store only when looked up."""

    def __init__(self, builder: SiteBuilder):
        self.builder = builder

    def __getitem__(self, source: str) -> RenderedBody:
        if source not in self.builder.state.infos:
            raise KeyError(source)
        return self.builder._body(source)

    def __iter__(self):
        return iter(self.builder.state.infos)

    def __len__(self) -> int:
        return len(self.builder.state.infos)

    def __contains__(self, source: object) -> bool:
        return source in self.builder.state.infos
