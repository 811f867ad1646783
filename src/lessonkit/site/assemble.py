"""Assembling whole HTML pages from rendered bodies and the parts shared by every page.

Shared parts (footer, resources menu, banner, the interface strings) are rendered once
per build, per view and per language; the episode menu is written once to
``assets/nav.js`` instead of into every page, so that page size and build time do not
grow with the square of the number of episodes.
"""

from __future__ import annotations

import hashlib
import html as html_module
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit

from markupsafe import Markup

from lessonkit import __version__
from lessonkit.locale import LANGUAGES, N_, Interface, catalogue_signature, interface, normalise
from lessonkit.model import Lesson, Page
from lessonkit.signature import code_signature
from lessonkit.site.body import BodyOptions, RenderedBody, for_view, page_language
from lessonkit.site.markdown_html import make_html_renderer
from lessonkit.site.metadata import branding, footer_context, jsonld, last_updated
from lessonkit.site.pages import GENERATED
from lessonkit.site.pages import menu as generated_menu
from lessonkit.site.theme import environment, theme_folder, theme_signature

VIEWS = ("learner", "instructor")
BODY_MARK = "\x00lessonkit-body\x00"

BANNERS = {
    "pre-alpha": N_("This lesson is in the pre-alpha phase: it is being designed and developed, and is not yet "
                    "ready to be taught."),
    "alpha": N_("This lesson is in the alpha phase: it has been taught by its authors and is being improved."),
    "beta": N_("This lesson is in the beta phase: it is ready to be taught by instructors outside the original "
               "author team."),
}

#: Titles the site builder gives its generated pages (translated when a page is assembled).
GENERATED_TITLES = (N_("Key Points"), N_("All episodes"), N_("All figures"), N_("Instructor Notes"),
                    N_("Learner Profiles"), N_("Search"), N_("Page not found"), N_("Summary and schedule"),
                    N_("Jupyter notebook"), N_("Python script"), N_("R script"))

#: Strings the site's JavaScript shows (lessonkit.js and the feedback widget), sent as assets/strings-LANG.js.
SCRIPT_STRINGS = (
    N_("Episodes"), N_("Type one or more words to search for."), N_("Searching…"),
    N_("The search index could not be loaded."), N_("No results for “%(query)s”."),
    N_("%(count)s result for “%(query)s”."), N_("%(count)s results for “%(query)s”."),
    N_("(showing the first 100)"), N_("Expand all solutions"), N_("Collapse all solutions"),
    N_("Theme: light"), N_("Theme: dark"), N_("Theme: automatic"),
    N_("Light"), N_("Dark"), N_("Automatic"),
    # the feedback widget
    N_("Feedback on this page"), N_("How useful was this page?"), N_("Which part of the page is this about?"),
    N_("The whole page"), N_("Comment (optional)"), N_("Send feedback"), N_("Retry sending"),
    N_("Thank you! Your feedback was sent."), N_("The feedback service cannot be reached right now. "),
    N_("The feedback service is busy. "), N_("Your feedback is"), N_("%(count)s comments are"),
    N_("Choose a rating or write a comment first."), N_("Sending…"),
    N_("Your feedback is kept in this browser: press “Retry sending” to try again."),
    N_("Your text is still in the box: try again later."), N_("The feedback service answered %(status)s."),
    N_("kept in this browser: press “Retry sending” to try again."), N_("1 – not useful"), N_("5 – very useful"),
    N_("The feedback service is busy (%(message)s). "),
    N_("Trying again in %(seconds)s s (attempt %(attempt)s of %(attempts)s)."),
)


def environment_for(theme: str = ""):
    return environment(theme)


@dataclass
class LanguageParts:
    """What every page in one interface language shares."""

    ui: Interface
    footer: str
    resources: dict[str, list[dict]]  # per view
    banner: str
    strings_asset: str  # "" for English


@dataclass
class Shared:
    """Everything about a build that is the same for many pages."""

    lesson: Lesson
    feedback: dict | None
    episode_numbers: dict[str, int] = field(default_factory=dict)
    body_options: BodyOptions = field(default_factory=BodyOptions)
    theme: str = ""
    updated: dict[str, str] = field(default_factory=dict)  # page source -> ISO date it was last changed
    brand: dict = field(default_factory=dict)
    languages: list[dict] = field(default_factory=list)  # the lesson's translations (config ``languages:``)
    parts_by_lang: dict[str, LanguageParts] = field(default_factory=dict)
    theme_css: bool = False  # the theme folder has a theme.css (written as assets/theme.css)
    #: Menu entries other features add (e.g. lessonkit.credit's References page), per view; titles are msgids.
    extra_resources: dict[str, list[dict]] = field(default_factory=lambda: {view: [] for view in VIEWS})

    @property
    def resources(self) -> dict[str, list[dict]]:
        """The resource menu entries other features add (extend these lists; shown after lessonkit's own)."""
        return self.extra_resources

    @classmethod
    def of(cls, lesson: Lesson, generated: dict[str, str] | None = None, feedback: dict | None = None) -> Shared:
        config = lesson.config
        folder = theme_folder(lesson.root, config.extra.get("theme"))
        theme = str(folder) if folder else ""
        shared = cls(
            lesson=lesson,
            feedback=feedback,
            episode_numbers={p.slug: i + 1 for i, p in enumerate(lesson.episodes)},
            body_options=BodyOptions(lang=normalise(config.lang), fold_code=config.extra.get("fold_code") is True,
                                     theme=theme),
            theme=theme,
            updated=last_updated(lesson),
            brand=branding(lesson),
            languages=_languages(lesson),
            theme_css=bool(folder) and (folder / "theme.css").is_file(),
        )
        shared.parts(config.lang)
        return shared

    # -- per language --------------------------------------------------------

    def parts(self, lang: str | None) -> LanguageParts:
        code = normalise(lang or self.lesson.config.lang)
        found = self.parts_by_lang.get(code)
        if found is None:
            found = self.parts_by_lang[code] = self._make_parts(code)
        return found

    def _make_parts(self, code: str) -> LanguageParts:
        lesson = self.lesson
        ui = interface(code)
        _ = ui.gettext
        home = "index.html"
        has_profiles = bool(lesson.profiles)

        def generated(place: str) -> list[dict]:  # the generated pages' menu entries (site/pages.py)
            return [{"slug": g.slug, "title": _(g.menu_title or g.title), "href": f"{g.slug}.html"}
                    for g in generated_menu(place, has_profiles)]

        learner = generated("learner-first")
        for page in lesson.learners:
            href = f"{home}#setup" if page.slug == "setup" else page.filename
            learner.append({"slug": page.slug, "title": page.title, "href": href})
        learner += generated("learner-last")
        instructor = [dict(item, href=item["href"].replace(f"{home}#setup", "setup.html")) for item in learner]
        instructor += generated("instructor-first")
        merged = {g.slug for g in GENERATED if g.merges_lesson_page}
        for page in lesson.instructors:
            if page.slug not in merged:
                instructor.append({"slug": page.slug, "title": page.title, "href": page.filename})
        instructor += generated("instructor-last")
        footer = environment(self.theme).get_template("footer.html").render(
            footer_context(lesson, {p.slug for p in lesson.extras}), _=_, brand=self.brand)
        banner = BANNERS.get(lesson.config.life_cycle, "")
        strings_asset = f"assets/strings-{code}.js" if ui.catalogue != "en" else ""
        return LanguageParts(ui, footer, {"learner": learner, "instructor": instructor},
                             _(banner) if banner else "", strings_asset)

    def assets(self) -> dict[str, str]:
        """Files every page of this build may load besides the theme (path in the site -> text)."""
        out: dict[str, str] = {}
        for _code, parts in sorted(self.parts_by_lang.items()):
            if parts.strings_asset:
                strings = parts.ui.subset(SCRIPT_STRINGS)
                out[parts.strings_asset] = ("window.LK_STRINGS = " + json.dumps(strings, ensure_ascii=False)
                                            + ";\n")
        if self.theme:
            from pathlib import Path

            css = Path(self.theme) / "theme.css"
            if css.is_file():
                out["assets/theme.css"] = css.read_text(encoding="utf-8", errors="replace")
        return out

    def signature(self) -> str:
        """Changes whenever something every page shows changes."""
        config = self.lesson.config
        for page in self.lesson.pages():  # every interface language a page asks for, known before rendering
            self.parts(page_language(page, config.lang))
        parts = [__version__, template_signature(), theme_signature(self.theme), catalogue_signature(),
                 self.body_options.signature(), repr(self.brand), repr(self.languages), repr(self.extra_resources),
                 *(f"{code}\x1e{p.footer}\x1e{p.resources!r}\x1e{p.banner}" for code, p in
                   sorted(self.parts_by_lang.items())),
                 repr(self.feedback), config.title, config.lang, config.life_cycle,
                 config.url, config.source, config.branch, repr(config.keywords), config.license, config.created,
                 repr(sorted((k, repr(v)) for k, v in config.extra.items())),
                 str(len(self.lesson.episodes)),
                 repr(self.lesson.citation.authors if self.lesson.citation else None)]
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def _languages(lesson: Lesson) -> list[dict]:
    """config.yaml ``languages:`` as menu items: a mapping (or list of mappings) of language -> site URL."""
    value = lesson.config.extra.get("languages")
    items: list[tuple[str, str]] = []
    if isinstance(value, dict):
        items = [(str(k), str(v)) for k, v in value.items() if v]
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict) and entry.get("lang") and entry.get("url"):
                items.append((str(entry["lang"]), str(entry["url"])))
    own = normalise(lesson.config.lang)
    menu = []
    for lang, url in items:
        code = normalise(lang)
        name = LANGUAGES.get(code.split("_")[0], lang)
        menu.append({"lang": code.replace("_", "-"), "name": name, "url": url.rstrip("/") + "/",
                     "current": code == own})
    if menu and not any(m["current"] for m in menu):
        menu.insert(0, {"lang": own.replace("_", "-"), "name": LANGUAGES.get(own.split("_")[0], own), "url": "",
                        "current": True})
    return menu


def mermaid_assets() -> dict[str, tuple[str, Callable[[], str]]]:
    """The Mermaid library, for a site with a diagram: path in the site -> (recipe key, make it).
    Shipped compressed (5.5 MB as JavaScript) and written out only when the site does not have it yet."""
    from importlib import resources

    vendor = resources.files("lessonkit.site").joinpath("static", "vendor")

    def library() -> str:
        import lzma

        return lzma.decompress(vendor.joinpath("mermaid.min.js.xz").read_bytes()).decode()

    key = f"mermaid {__version__} {template_signature()}"
    return {"assets/mermaid.min.js": (key, library),
            "assets/mermaid.LICENSE.txt": (key, lambda: vendor.joinpath("mermaid.LICENSE.txt").read_text("utf-8"))}


def template_signature() -> str:
    """Changes when lessonkit's templates, theme or rendering code change (so caches are dropped)."""
    return code_signature(("lessonkit.site", "templates"), ("lessonkit.site", "templates/blocks"),
                          ("lessonkit.site", "templates/aggregates"), ("lessonkit.site", "templates/chunks"),
                          ("lessonkit.site", "static"), ("lessonkit.site", "."),
                          ("lessonkit.markdown", "."), ("lessonkit", "."), ("lessonkit.locale", "."))


def theme_stylesheet(base_css: str, pygments_css: str) -> str:
    """The site's stylesheet: the theme, then the code colours, both obeying the reader's light/dark choice."""
    from lessonkit.site.theme import with_theme_switch

    return with_theme_switch(base_css) + "\n/* Pygments */\n" + with_theme_switch(pygments_css)


def edit_url(lesson: Lesson, page: Page) -> str:
    source = lesson.config.source.rstrip("/")
    if not source.startswith("https://github.com/") or page.kind == "generated":
        return ""
    return f"{source}/edit/{lesson.config.branch or 'main'}/{page.source}"


def inline_title(text: str) -> str:
    """A page title may contain inline Markdown (e.g. `code`)."""
    if not any(ch in text for ch in "`*_[<\\$"):
        return escape(text, quote=False)
    return make_html_renderer().renderInline(text, {})


_TAG = re.compile(r"<[^>]+>")


def html_text(html: str, tag: str = "") -> str:
    """``html`` as plain text: each tag replaced by ``tag``, character references read (``&quot;`` is
    ``"``), to be escaped once where it is written."""
    return html_module.unescape(_TAG.sub(tag, html))


def plain(text: str) -> str:
    """A title as plain text (no markup, no character references): escaped once, where it is written."""
    return html_text(inline_title(text))


def render_page(
    shared: Shared,
    view: str,
    *,
    slug: str,
    kind: str,
    title: str,
    body: str | list[bytes],
    page: Page | None = None,
    rendered: RenderedBody | None = None,
    previous: Page | None = None,
    next: Page | None = None,
    template: str = "page.html",
    toc: bool = True,
    description: str = "",
    downloads: list[dict] | None = None,
) -> str | list[bytes]:
    """The whole HTML page.  ``body`` may be a list of UTF-8 byte strings (large pages such as the
    all-in-one page): the result is then a list of byte strings to write one after the other,
    so that megabytes of cached HTML are neither copied through the template engine nor re-encoded."""
    lesson = shared.lesson
    config = lesson.config
    parts = shared.parts(page_language(page, config.lang))
    _ = parts.ui.gettext
    home_title = _("Summary and Schedule") if view == "instructor" else _("Summary and Setup")
    if kind == "generated":
        title = _(title)
    elif slug == "index" and kind == "index":
        title = home_title  # the lesson's title is in the header of every page
    path = f"{'instructor/' if view == 'instructor' else ''}{slug}.html"
    context = {
        **_lesson_context(shared, parts, view, path),
        **_addresses(config.url, view, slug),
        **_page_context(shared, parts.ui, page),
        "page_title": plain(title),
        "title_html": inline_title(title),
        "description": description or f"{plain(title)} - {config.title}",
        "feedback": shared.feedback if kind == "episode" else None,
        "jsonld": jsonld(lesson, page, path, config.title if slug == "index" else plain(title)),
        "view": view,
        "kind": kind,
        "slug": slug,
        "toc": _toc(rendered, body, view) if toc else [],
        "home_title": home_title,
        "number": shared.episode_numbers.get(slug, 0),
        "overview": ({k: for_view(v, view) for k, v in rendered.overview.items()}
                     if rendered is not None and rendered.overview else None),
        "body": Markup(BODY_MARK),
        "downloads": [dict(d, label=_(d["label"])) for d in downloads or []],
        "previous": _neighbour(previous, _, home_title),
        "next": _neighbour(next, _, home_title),
        "has_solutions": isinstance(body, str) and '<details class="collapsible' in body,
        "mermaid": isinstance(body, str) and 'class="mermaid"' in body,
    }
    html = environment(shared.theme).get_template(template).render(context)
    return _splice(html, body)


def _lesson_context(shared: Shared, parts: LanguageParts, view: str, path: str) -> dict:
    """What every page of the lesson (in one language and view) shows alike."""
    config = shared.lesson.config
    ui = parts.ui
    _ = ui.gettext
    analytics = config.extra.get("analytics")
    return {
        "_": _,
        "ngettext": ui.ngettext,
        "lang": ui.html_lang,
        "dir": ui.dir,
        "lesson": {"title": config.title, "life_cycle": config.life_cycle},
        "version": __version__,
        "brand": shared.brand,
        "carpentry_name": shared.brand.get("name", ""),
        "banner": parts.banner,
        "resources": parts.resources[view] + [dict(item, title=_(item["title"]))
                                              for item in shared.extra_resources[view]],
        "footer": parts.footer,
        "strings_asset": parts.strings_asset,
        "theme_css": shared.theme_css,
        "languages": [dict(item, href=item["url"] + path if item["url"] else "") for item in shared.languages],
        "episode_count": len(shared.lesson.episodes),
        "sidebar_numbers": config.extra.get("disable_sidebar_numbering") is not True,
        "analytics": analytics if isinstance(analytics, str) else "",
    }


def _addresses(url: str, view: str, slug: str) -> dict:
    """``root`` (the way back to the site's root), ``base`` and the page in the other view."""
    root = "../" if view == "instructor" else ""
    base = ""
    # 404.html is served at any depth: its links and assets are absolute when the site's address is known.
    # (as paths from the server's root, e.g. /lesson/assets/lessonkit.css: the same on any host serving it).
    if slug == "404" and url.strip():
        site_root = "/" + urlsplit(url.strip()).path.strip("/")
        root = site_root.rstrip("/") + "/"
        base = root + ("instructor/" if view == "instructor" else "")
    other_view = f"../{slug}.html" if view == "instructor" else f"instructor/{slug}.html"
    return {"root": root, "base": base, "other_view": other_view}


def _page_context(shared: Shared, ui, page: Page | None) -> dict:
    """The facts of the lesson page shown (none for a generated page)."""
    updated = shared.updated.get(page.source, "") if page is not None else ""
    return {
        "minutes": page.minutes if page is not None else 0,
        "teaching": page.teaching if page is not None else None,
        "exercises": page.exercises if page is not None else None,
        "edit_url": edit_url(shared.lesson, page) if page is not None else "",
        "updated": ui.date(updated) if updated else "",
        "updated_iso": updated,
    }


def _toc(rendered: RenderedBody | None, body: str | list[bytes], view: str) -> list:
    """The level-2 headings of the page (in the learner view, not those inside instructor notes)."""
    headings = [h for h in (rendered.headings if rendered else []) if h[0] == 2]
    if view == "learner" and rendered is not None and rendered.instructor_notes and isinstance(body, str):
        headings = [h for h in headings if f'id="{h[1]}"' in body]
    return headings


def _splice(html: str, body: str | list[bytes]) -> str | list[bytes]:
    """Put the body where the template has ``BODY_MARK``."""
    head, _sep, tail = html.partition(BODY_MARK)
    if isinstance(body, list):
        return [head.encode("utf-8"), *body, tail.encode("utf-8")]
    return head + body + tail


def _neighbour(page: Page | None, _, home_title: str) -> dict | None:
    if page is None:
        return None
    title = home_title if page.kind == "index" and page.slug == "index" and not page.source else plain(page.title)
    return {"href": page.filename, "title": title}


def render_fragment(shared: Shared, name: str, lang: str | None = None, **context) -> str:
    """A template that is part of a page (schedule, 404 message, ...) in the lesson's language."""
    ui = shared.parts(lang).ui
    return environment(shared.theme).get_template(name).render(context, _=ui.gettext, ngettext=ui.ngettext)
