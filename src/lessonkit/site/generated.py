"""Pages the site builder makes from the whole lesson: the landing page's schedule,
key points, all-in-one, figures, instructor notes, learner profiles, search and 404."""

from __future__ import annotations

import re
from html import escape

from lessonkit.locale import N_, Interface, interface
from lessonkit.model import Lesson, Page
from lessonkit.site.assemble import Shared, inline_title, plain, render_fragment
from lessonkit.site.body import RenderedBody, for_view

_ID = re.compile(r'\bid="([^"]+)"')
_HREF_ANCHOR = re.compile(r'\bhref="#([^"]+)"')
_ARIA = re.compile(r'\baria-(labelledby|controls)="([^"]+)"')
_FIGURE = re.compile(r"<figure\b.*?</figure>|<img\b[^>]*>", re.S)
_TAG = re.compile(r"<[^>]+>")
_ALT = re.compile(r'<img\b[^>]*?\balt="([^"]*)"')
_H2 = re.compile(r'<h2\b[^>]*?\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}h {minutes % 60:02d}m"


def schedule(lesson: Lesson, bodies: dict[str, RenderedBody], shared: Shared | None = None) -> str:
    """The instructor's schedule: each episode's start time and first question (templates/schedule.html)."""
    shared = shared or Shared.of(lesson)
    setup = next((p for p in lesson.learners if p.slug == "setup"), None)
    return render_fragment(shared, "schedule.html", rows=_rows(lesson, bodies, with_times=True),
                           setup="setup.html" if setup is not None else "", start=clock(0),
                           finish=clock(sum(p.minutes for p in lesson.episodes)) if lesson.episodes else "")


def _rows(lesson: Lesson, bodies: dict[str, RenderedBody], with_times: bool) -> list[dict]:
    rows = []
    elapsed = 0
    for number, page in enumerate(lesson.episodes, start=1):
        questions = bodies[page.source].overview.get("questions", "") if page.source in bodies else ""
        rows.append({"time": clock(elapsed), "number": number, "href": page.filename,
                     "title": inline_title(page.title), "question": _first_item(questions)})
        elapsed += page.minutes
    return rows


def home(shared: Shared, bodies: dict[str, RenderedBody], view: str) -> str:
    """What the home page shows after the lesson's own index: "Summary and Setup" for learners (the
    episodes, then setup.md inline under #setup), "Summary and Schedule" for instructors."""
    lesson = shared.lesson
    if view == "instructor":
        return schedule(lesson, bodies, shared)
    parts = [render_fragment(shared, "episodes.html", rows=_rows(lesson, bodies, with_times=False))] \
        if lesson.episodes else []
    setup = next((p for p in lesson.learners if p.slug == "setup"), None)
    if setup is not None and setup.source in bodies:
        html = for_view(bodies[setup.source].html, view)
        parts.append(render_fragment(shared, "setup.html", body=html, title=plain(setup.title)))
    return "".join(parts)


def home_key(lesson: Lesson, keys: dict[str, str]) -> str:
    """The part of the home page's recipe that the setup page contributes."""
    setup = next((p for p in lesson.learners if p.slug == "setup"), None)
    return keys.get(setup.source, "") if setup is not None else ""


def _first_item(html: str) -> str:
    m = re.search(r"<li>(.*?)</li>", html, re.S)
    text = m.group(1) if m else html
    return _TAG.sub("", text).strip()


def prefix_ids(html: str, prefix: str) -> str:
    """Make the ids of one episode unique on the all-in-one page."""
    html = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', html)
    html = _HREF_ANCHOR.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', html)
    return _ARIA.sub(lambda m: f'aria-{m.group(1)}="' + " ".join(f"{prefix}-{v}" for v in m.group(2).split()) + '"', html)


def aio_section(page: Page, body: RenderedBody) -> str:
    """One episode's section of the all-in-one page, for both views (instructor markers kept).
    The Questions/Objectives box has the wrappers an episode page's box has."""
    prefix = f"aio-{page.slug}"
    ui = interface(body.lang)
    overview = "".join(
        f'<div class="overview-{name}"><h3 class="overview-title" id="{name}">{escape(ui.gettext(name.capitalize()))}'
        f"</h3>{body.overview[name]}</div>" for name in ("questions", "objectives") if name in body.overview
    )
    return (
        f'<section class="aio-episode" id="{escape(prefix)}" aria-labelledby="{escape(prefix)}-title">'
        f'<h2 id="{escape(prefix)}-title"><a href="{page.filename}">{inline_title(page.title)}</a></h2>'
        + (f'<div class="overview">{prefix_ids(overview, prefix)}</div>' if overview else "")
        + f"{prefix_ids(body.html, prefix)}</section>\n"
    )


def _heading(page: Page, level: int = 2, prefix: str = "") -> str:
    return (f'<h{level} id="{escape(prefix + page.slug)}"><a href="{page.filename}">'
            f"{inline_title(page.title)}</a></h{level}>")


def keypoints_section(page: Page, body: RenderedBody, view: str) -> str:
    if not body.keypoints:
        return ""
    inner = "".join(for_view(p, view) for p in body.keypoints)
    return f"<section>{_heading(page)}{prefix_ids(inner, 'kp-' + page.slug)}</section>"


def figures_section(page: Page, body: RenderedBody, view: str) -> str:
    found = _FIGURE.findall(for_view(body.html, view))
    if not found:
        return ""
    ui = interface(body.lang)
    parts = [f"<section>{_heading(page)}"]
    for number, item in enumerate(found, start=1):
        if not item.startswith("<figure"):
            item = f"<figure>{item}</figure>"
        label = escape(ui.gettext("Figure %(number)s") % {"number": number})
        alt = _ALT.search(item)
        alt_html = (f'<p class="figure-alt"><span class="figure-alt-label">{escape(ui.gettext("Alt text:"))}</span> '
                    f"{alt.group(1)}</p>") if alt and alt.group(1).strip() else ""
        parts.append(f'<h3 id="{escape(page.slug)}-figure-{number}">{label}</h3>{prefix_ids(item, page.slug)}{alt_html}')
    parts.append("</section>")
    return "".join(parts)


def notes_section(page: Page, body: RenderedBody, view: str) -> str:
    if view == "learner" or not body.instructor_notes:
        return ""
    notes = "".join(prefix_ids(for_view(n, view), "notes-" + page.slug) for n in body.instructor_notes)
    return f"<section>{_heading(page, 3, 'notes-')}{notes}</section>"


def profile_section(page: Page, body: RenderedBody, view: str) -> str:
    return (f'<section><h2 id="{escape(page.slug)}">{inline_title(page.title)}</h2>'
            f"{prefix_ids(for_view(body.html, view), page.slug)}</section>")


def fragments(page: Page, body: RenderedBody) -> dict[tuple[str, str], str | bytes]:
    """What each page that gathers the whole lesson shows of this page, per view.

    Computed once per version of the page, so that an aggregate page of a large
    lesson is a join of cached strings.  The all-in-one sections are kept as UTF-8
    bytes: they are written as they are."""
    out: dict[tuple[str, str], str] = {}
    for view in ("learner", "instructor"):
        if page.kind == "episode":
            out["aio", view] = for_view(aio_section(page, body), view).encode("utf-8")
            out["key-points", view] = keypoints_section(page, body, view)
            out["images", view] = figures_section(page, body, view)
            out["instructor-notes", view] = notes_section(page, body, view)
        elif page.kind == "profile":
            out["profiles", view] = profile_section(page, body, view)
    return out


EMPTY = {
    "key-points": "<p>No episode has key points yet.</p>",
    "images": "<p>The episodes have no figures.</p>",
    "profiles": "<p>This lesson has no learner profiles yet.</p>",
    "aio": "<p>This lesson has no episodes yet.</p>",
    "lesson": "<p>This lesson has no content yet.</p>",
}
_EMPTY_MESSAGES = (N_("No episode has key points yet."), N_("The episodes have no figures."),
                   N_("This lesson has no learner profiles yet."), N_("This lesson has no episodes yet."),
                   N_("This lesson has no content yet."))


def empty(name: str, ui: Interface | None = None) -> str:
    html = EMPTY.get(name, "")
    if ui is None or not html:
        return html
    return f"<p>{escape(ui.gettext(html[3:-4]))}</p>"
WRAPPERS = {"key-points": '<div class="keypoints-list">{}</div>', "images": '<div class="figure-gallery">{}</div>'}


def gather(name: str, parts: list[str], ui: Interface | None = None) -> str:
    inner = "".join(parts)
    if not inner:
        return empty(name, ui)
    return WRAPPERS.get(name, "{}").format(inner)


def instructor_notes(own_html: str, notes: list[str], view: str, ui: Interface | None = None) -> str:
    _ = ui.gettext if ui is not None else (lambda text: text)
    if view == "learner":
        link = f'<a href="instructor/instructor-notes.html">{escape(_("instructor view"))}</a>'
        return f"<p>{escape(_('Instructor notes are shown in the %(link)s.')).replace('%(link)s', link)}</p>"
    parts = [own_html] if own_html else []
    inner = "".join(notes)
    if inner:
        parts.append(f'<h2 id="inline-instructor-notes">{escape(_("Instructor notes in the episodes"))}</h2>' + inner)
    return "".join(parts) or f"<p>{escape(_('This lesson has no instructor notes yet.'))}</p>"


def instructor_only(page: Page, ui: Interface | None = None) -> str:
    """What the learner view shows for an instructor-only page."""
    _ = ui.gettext if ui is not None else (lambda text: text)
    link = f'<a href="instructor/{escape(page.filename)}">{escape(_("instructor view"))}</a>'
    return f"<p>{escape(_('This page is for instructors: see it in the %(link)s.')).replace('%(link)s', link)}</p>"


def search_entries(page: Page, html: str) -> list[dict]:
    """Search documents for a page: one per level-2 section (and the text before the first)."""
    entries: list[dict] = []
    matches = list(_H2.finditer(html))
    starts = [(0, "", "")] + [(m.start(), m.group(1), _TAG.sub("", m.group(2)).strip()) for m in matches]
    for index, (start, anchor, heading) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(html)
        text = _text(html[start:end])
        if not text and not heading:
            continue
        entries.append({
            "p": page.filename + (f"#{anchor}" if anchor else ""),
            "t": plain(page.title),
            "s": heading,
            "x": text,
        })
    return entries


def _text(html: str) -> str:
    import html as html_module

    return " ".join(html_module.unescape(_TAG.sub(" ", html)).split())


def catalogue(title: str, intro: str, lessons: list[Lesson], summaries: list[str], extra: str = "",
              lang: str | None = None) -> str:
    """The index page of a folder of lessons (templates/catalogue.html), in ``lang`` (catalogue.yaml's
    ``lang:``, else English)."""
    from lessonkit.site.theme import environment

    ui = interface(lang)
    rows = [{"name": lesson.name, "title": lesson.config.title, "summary": summary,
             "episodes": len(lesson.episodes), "hours": round(sum(p.minutes for p in lesson.episodes) / 60, 1),
             "life_cycle": lesson.config.life_cycle} for lesson, summary in zip(lessons, summaries, strict=True)]
    return environment().get_template("catalogue.html").render(
        title=title, intro=intro, lessons=rows, extra=extra, lang=ui.html_lang, dir=ui.dir,
        stylesheet=f"{lessons[0].name}/assets/lessonkit.css" if lessons else "", _=ui.gettext, ngettext=ui.ngettext)
