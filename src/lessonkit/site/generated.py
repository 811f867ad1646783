"""Pages the site builder makes from the whole lesson: the landing page's schedule,
key points, all-in-one, figures, instructor notes, learner profiles, search and 404."""

from __future__ import annotations

import re
from html import escape

from lessonkit.model import Lesson, Page
from lessonkit.site.assemble import inline_title, plain
from lessonkit.site.body import RenderedBody, for_view

_ID = re.compile(r'\bid="([^"]+)"')
_HREF_ANCHOR = re.compile(r'\bhref="#([^"]+)"')
_ARIA = re.compile(r'\baria-(labelledby|controls)="([^"]+)"')
_FIGURE = re.compile(r"<figure\b.*?</figure>|<img\b[^>]*>", re.S)
_TAG = re.compile(r"<[^>]+>")
_H2 = re.compile(r'<h2\b[^>]*?\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}h {minutes % 60:02d}m"


def schedule(lesson: Lesson, bodies: dict[str, RenderedBody]) -> str:
    rows: list[str] = []
    elapsed = 0
    setup = next((p for p in lesson.learners if p.slug == "setup"), None)
    if setup is not None:
        rows.append(f'<tr><td class="time">{clock(0)}</td><td><a href="setup.html">Setup instructions</a></td>'
                    "<td>Download files required for the lesson</td></tr>")
    for number, page in enumerate(lesson.episodes, start=1):
        questions = bodies[page.source].overview.get("questions", "") if page.source in bodies else ""
        first = _first_item(questions)
        rows.append(
            f'<tr><td class="time">{clock(elapsed)}</td><td>{number}. <a href="{page.filename}">{inline_title(page.title)}</a></td>'
            f"<td>{first}</td></tr>"
        )
        elapsed += page.minutes
    if lesson.episodes:
        rows.append(f'<tr><td class="time">{clock(elapsed)}</td><td>Finish</td><td></td></tr>')
    note = ("<p>The actual schedule may vary slightly depending on the topics and exercises chosen by the "
            "instructor.</p>")
    return (
        '<section class="schedule" aria-labelledby="schedule"><h2 id="schedule">Schedule</h2>'
        '<div class="table-wrapper"><table><thead><tr><th scope="col">Time</th><th scope="col">Episode</th>'
        '<th scope="col">Questions</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></div>" + note + "</section>"
    )


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
    """One episode's section of the all-in-one page, for both views (instructor markers kept)."""
    prefix = f"aio-{page.slug}"
    overview = "".join(
        f"<h3>{name.capitalize()}</h3>{body.overview[name]}" for name in ("questions", "objectives")
        if name in body.overview
    )
    return (
        f'<section class="aio-episode" id="{escape(prefix)}" aria-labelledby="{escape(prefix)}-title">'
        f'<h2 id="{escape(prefix)}-title"><a href="{page.filename}">{inline_title(page.title)}</a></h2>'
        f'<div class="overview">{prefix_ids(overview, prefix)}</div>'
        f"{prefix_ids(body.html, prefix)}</section>\n"
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
    parts = [f"<section>{_heading(page)}"]
    for number, item in enumerate(found, start=1):
        if not item.startswith("<figure"):
            item = f"<figure>{item}</figure>"
        parts.append(f'<h3 id="{escape(page.slug)}-figure-{number}">Figure {number}</h3>{prefix_ids(item, page.slug)}')
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
}
WRAPPERS = {"key-points": '<div class="keypoints-list">{}</div>', "images": '<div class="figure-gallery">{}</div>'}


def gather(name: str, parts: list[str]) -> str:
    inner = "".join(parts)
    if not inner:
        return EMPTY.get(name, "")
    return WRAPPERS.get(name, "{}").format(inner)


def instructor_notes(own_html: str, notes: list[str], view: str) -> str:
    if view == "learner":
        return '<p>Instructor notes are shown in the <a href="instructor/instructor-notes.html">instructor view</a>.</p>'
    parts = [own_html] if own_html else []
    inner = "".join(notes)
    if inner:
        parts.append('<h2 id="inline-instructor-notes">Instructor notes in the episodes</h2>' + inner)
    return "".join(parts) or "<p>This lesson has no instructor notes yet.</p>"


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
