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
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lessonkit import __version__, codec
from lessonkit.cache import load_data, save_data
from lessonkit.credit.site import LessonCredit
from lessonkit.execute.notebook import is_executable, notebook, script
from lessonkit.model import Lesson, Page
from lessonkit.output import StagedOutput
from lessonkit.site import generated
from lessonkit.site import schedules as site_schedules
from lessonkit.site.assemble import VIEWS, Shared, plain, render_page, template_signature, theme_stylesheet
from lessonkit.site.body import RenderedBody, for_view, render_body
from lessonkit.site.highlight import stylesheet
from lessonkit.site.links import LinkResolver, SiteMap
from lessonkit.site.metadata import sitemap
from lessonkit.site.parallel import map_pages

STATE_VERSION = 3
#: Where the first episode's "previous" link goes.
HOME = Page(kind="index", source="", slug="index", title="Summary and schedule")
STATE_FILE = "site-state.msgpack"
STATE_KIND = "site-state"


def _hash(*parts: object) -> str:
    text = "\x1f".join(part if isinstance(part, str) else str(part) for part in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@dataclass
class PageRecord:
    key: str
    body: RenderedBody
    search_json: bytes = b""  # ``search`` as JSON array items (UTF-8), ready to join into the index
    fragments: dict[tuple[str, str], str | bytes] = field(default_factory=dict)  # (aggregate page, view) -> HTML


@dataclass
class BuildState:
    """What one build leaves for the next (kept in memory by ``serve``, saved as plain data by ``build``)."""

    version: int = STATE_VERSION
    records: dict[str, PageRecord] = field(default_factory=dict)  # page source -> record
    outputs: dict[str, str] = field(default_factory=dict)  # site path -> recipe key
    token: str | None = None  # the output stamp the outputs were recorded for

    @classmethod
    def load(cls, cache: Path | None) -> BuildState:
        data = load_data(cache / STATE_FILE, STATE_KIND, _state_signature()) if cache is not None else None
        if data is None:
            return cls()
        try:
            state = codec.decode(data, codec.types(BuildState, PageRecord, RenderedBody))
        except codec.DecodeError:
            return cls()
        return state if isinstance(state, cls) and state.version == STATE_VERSION else cls()

    def save(self, cache: Path | None) -> None:
        if cache is not None:
            save_data(cache / STATE_FILE, STATE_KIND, _state_signature(), codec.encode(self))


def _state_signature() -> str:
    return _hash(__version__, template_signature())


@dataclass
class SiteResult:
    pages_rendered: int = 0
    pages_reused: int = 0
    files_written: int = 0
    files_reused: int = 0
    unresolved: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # page source -> (link, line)
    pages: list[str] = field(default_factory=list)  # site paths of every HTML page


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
        if state.token is None or state.token != staged.previous_token:
            state.outputs = {}  # the output folder holds something else: render everything
        self.feedback = self._feedback()
        self.site = SiteMap.of(lesson)
        self.shared = Shared.of(lesson, {}, self.feedback)
        self.credit = LessonCredit.of(lesson)  # citations, figure credits and credit pages (lessonkit.credit)
        for entries in self.shared.resources.values():
            entries.extend(self.credit.links())

    # -- output ------------------------------------------------------------

    def _emit(self, rel: str, key: str, make: Callable[[], str | bytes | list[bytes]]) -> None:
        """Write ``rel`` unless the previous build wrote it with the same key."""
        self.new_outputs[rel] = key
        if self.state.outputs.get(rel) == key and self.staged.reuse(self.prefix + rel):
            self.result.files_reused += 1
            return
        self.staged.write(self.prefix + rel, make())
        self.result.files_written += 1

    # -- the build ----------------------------------------------------------

    def build(self) -> SiteResult:
        lesson = self.lesson
        site_signature = self.site.signature()
        references_key = _hash(sorted((k, tuple(sorted(v.items()))) for k, v in lesson.references.items()),
                               self.credit.signature())
        records: dict[str, PageRecord] = {}
        pages = lesson.pages()
        keys = {page.source: _hash(__version__, template_signature(), page.digest, site_signature, references_key,
                                   chunk_signature(page), page.source, page.slug, page.title,
                                   self.shared.body_options.signature())
                for page in pages}
        stale = [p for p in pages if (r := self.state.records.get(p.source)) is None or r.key != keys[p.source]]
        done = len(pages) - len(stale)
        self.result.pages_reused = done
        self.result.pages_rendered = len(stale)

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if self.progress is not None:
                self.progress(done, len(pages))

        fresh = map_pages(lambda i: self._render(stale[i], keys[stale[i].source]), len(stale), advance)
        for page in pages:
            records[page.source] = self.state.records.get(page.source)
        for page, record in zip(stale, fresh, strict=True):
            records[page.source] = record
        for source, record in records.items():
            if record.body.unresolved:
                self.result.unresolved[source] = list(record.body.unresolved)
        self.state.records = records
        bodies = {source: record.body for source, record in records.items()}

        shared_key = self.shared.signature()
        keys = {source: record.key for source, record in records.items()}
        episode_list = lesson.episodes
        positions = {id(page): index for index, page in enumerate(episode_list)}
        for view in VIEWS:
            folder = "instructor/" if view == "instructor" else ""
            for page in pages:
                if page.kind == "index" or (page.kind == "instructor" and page.slug == "instructor-notes"):
                    continue  # both are part of generated pages
                record = records[page.source]
                previous = next_page = None
                if page.kind == "episode":
                    position = positions[id(page)]
                    previous = episode_list[position - 1] if position > 0 else HOME
                    next_page = episode_list[position + 1] if position + 1 < len(episode_list) else None
                neighbours = [(p.slug, p.title) if p else None for p in (previous, next_page)]
                key = _hash(shared_key, record.key, view, neighbours, self.shared.episode_numbers.get(page.slug),
                            self.shared.updated.get(page.source))
                self._emit(f"{folder}{page.filename}", key,
                           lambda page=page, record=record, previous=previous, next_page=next_page, view=view:
                           self._page(page, record.body, view, previous, next_page))
            for page in pages:
                if view == "learner" and is_executable(page):
                    title = lesson.config.title
                    self._emit(f"notebooks/{page.slug}.ipynb", _hash(records[page.source].key, title, "ipynb"),
                               lambda page=page, title=title: notebook(page, title))
                    self._emit(f"notebooks/{page.slug}.py", _hash(records[page.source].key, title, "py"),
                               lambda page=page, title=title: script(page, title))
            self._generated(view, folder, bodies, keys, shared_key)
        everything = _hash(shared_key, *(keys[p.source] for p in pages))
        self._assets(bodies, everything)
        self.state.outputs = self.new_outputs
        self.state.token = self.staged.token
        self.result.pages = sorted(p for p in self.new_outputs if p.endswith(".html"))
        return self.result

    def _render(self, page: Page, key: str) -> PageRecord:
        body = render_body(page, LinkResolver(self.site, page.source), self.lesson.references, self.credit.env(page),
                           self.shared.body_options)
        search: list[dict] = []
        if page.kind in ("index", "episode", "learner", "profile", "extra"):
            search = generated.search_entries(page, for_view(body.html, "learner"))
        search_json = ",".join(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) for entry in search)
        search_json = search_json.encode("utf-8")
        return PageRecord(key, body, search_json, generated.fragments(page, body))

    def _page(self, page: Page, body: RenderedBody, view: str, previous: Page | None, next_page: Page | None) -> str:
        if page.kind == "instructor" and view == "learner":
            html = generated.instructor_only(page, self.shared.parts(body.lang).ui)
        else:
            html = for_view(body.html, view)
        downloads = []
        if is_executable(page):
            root = "../" if view == "instructor" else ""
            downloads = [{"href": f"{root}notebooks/{page.slug}.ipynb", "label": "Jupyter notebook"},
                         {"href": f"{root}notebooks/{page.slug}.py", "label": "Python script"}]
        return render_page(self.shared, view, slug=page.slug, kind=page.kind, title=page.title, body=html,
                           page=page, rendered=body, previous=previous, next=next_page, downloads=downloads)

    def _generated(self, view: str, folder: str, bodies: dict[str, RenderedBody], keys: dict[str, str],
                   shared_key: str) -> None:
        """Pages made from the whole lesson; each keyed by exactly the parts it shows."""
        lesson = self.lesson
        shared = self.shared
        index = lesson.index
        episodes = lesson.episodes

        named = site_schedules.render(lesson, view)  # named schedules (lessonkit.site.schedules)

        def landing() -> str:
            intro = for_view(bodies[index.source].html, view) if index is not None else ""
            body = intro + generated.home(shared, bodies, view) + named
            if not index and not episodes:
                body = generated.empty("lesson", shared.parts(None).ui)
            return render_page(shared, view, slug="index", kind="index", title=lesson.config.title, body=body,
                               page=index, rendered=bodies.get(index.source) if index else None)

        schedule_parts = [(p.slug, p.title, p.minutes, bodies[p.source].overview.get("questions", ""))
                          for p in episodes]
        index_key = keys.get(index.source) if index else None
        has_setup = any(p.slug == "setup" for p in lesson.learners)
        self._emit(f"{folder}index.html", _hash(shared_key, view, "index", index_key, schedule_parts, has_setup,
                                                named, generated.home_key(lesson, keys)),
                   landing)

        records = self.state.records
        notes_page = next((p for p in lesson.instructors if p.slug == "instructor-notes"), None)
        for name, title, pages in (("key-points", "Key Points", episodes), ("aio", "All episodes", episodes),
                                   ("images", "All figures", episodes), ("instructor-notes", "Instructor Notes", episodes),
                                   ("profiles", "Learner Profiles", lesson.profiles)):
            if name == "profiles" and not pages:
                continue
            parts = [records[p.source].fragments.get((name, view), "") for p in pages]
            if name == "aio":
                parts = [p for p in parts if p] or [generated.empty("aio", shared.parts(None).ui).encode()]
            own = ""
            if name == "instructor-notes" and notes_page is not None and view == "instructor":
                own = for_view(bodies[notes_page.source].html, view)
            # The all-in-one page is keyed by page versions; hashing 20 MB of HTML would cost more.
            content_key = [keys[p.source] for p in pages] if name == "aio" else [_hash(*parts), own]
            make_body = (lambda parts=parts: parts) if name == "aio" else (
                lambda parts=parts, own=own, name=name: generated.instructor_notes(own, parts, view, shared.parts(None).ui)
                if name == "instructor-notes" else generated.gather(name, parts, shared.parts(None).ui))
            self._emit(f"{folder}{name}.html", _hash(shared_key, view, name, content_key),
                       lambda name=name, title=title, make_body=make_body: render_page(
                           shared, view, slug=name, kind="generated", title=title, toc=False, body=make_body()))
        for slug, title, html in self.credit.pages():
            self._emit(f"{folder}{slug}.html", _hash(shared_key, view, slug, self.credit.signature()),
                       lambda slug=slug, title=title, html=html: render_page(
                           shared, view, slug=slug, kind="generated", title=title, body=html))
        self._emit(f"{folder}search.html", _hash(shared_key, view, "search"),
                   lambda: render_page(shared, view, slug="search", kind="generated", title="Search", body="",
                                       template="search.html", toc=False))
        self._emit(f"{folder}404.html", _hash(shared_key, view, "404"),
                   lambda: render_page(shared, view, slug="404", kind="generated", title="Page not found",
                                       body="", template="404.html", toc=False))

    def _assets(self, bodies: dict[str, RenderedBody], everything: str) -> None:
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
        for rel, text in self.shared.assets().items():  # interface strings, theme stylesheet, Mermaid
            self._emit(rel, _hash(rel, text), lambda text=text: text)
        nav = {"episodes": [{"s": p.slug, "t": plain(p.title), "m": p.minutes} for p in lesson.episodes]}
        nav_text = "window.LK_NAV = " + json.dumps(nav, ensure_ascii=False) + ";\n"
        self._emit("assets/nav.js", _hash(nav_text), lambda: nav_text)

        def search_index() -> str:
            parts = [self.state.records[page.source].search_json for page in lesson.pages()]
            return [b"window.LK_SEARCH_INDEX = [", b",".join(p for p in parts if p), b"];\n"]

        self._emit("assets/search-index.js", _hash(everything, "search"), search_index)
        for asset in lesson.assets:
            try:
                stat = asset.source.stat()
            except OSError:
                continue
            self._emit(asset.target, _hash(asset.source, stat.st_size, stat.st_mtime_ns),
                       lambda asset=asset: asset.source.read_bytes())
        for body in bodies.values():
            for site_path, data in body.files.items():
                self._emit(site_path, _hash(site_path), lambda data=data: data)
        html_pages = sorted(p for p in self.new_outputs if p.endswith(".html") and not p.startswith("instructor/")
                            and p != "404.html")
        self._emit("sitemap.xml", _hash(lesson.config.url, *html_pages), lambda: sitemap(lesson, html_pages))

    def _feedback(self) -> dict | None:
        url = self.lesson.config.extra.get("feedback_url")
        if not isinstance(url, str) or not url.strip():
            return None
        lesson_id = self.lesson.config.extra.get("feedback_lesson") or self.lesson.name
        return {"endpoint": url.strip().rstrip("/"), "lesson": str(lesson_id)}


