"""Pages the site builder makes from the whole lesson: the landing page's schedule,
key points, all-in-one, figures, instructor notes, learner profiles, search and 404."""

from __future__ import annotations

import re
from collections.abc import Mapping

from lessonkit.locale import N_, Interface, interface
from lessonkit.model import Lesson, Page
from lessonkit.site.assemble import Shared, html_text, inline_title, plain, render_fragment
from lessonkit.site.body import RenderedBody, for_view

#: The attributes that hold or name an id: id="x", href="#x", aria-labelledby/aria-controls="x y" (one pass).
_IDS = re.compile(r'\b(?:id="([^"]+)"|href="#([^"]+)"|aria-(labelledby|controls)="([^"]+)")')
_FIGURE = re.compile(r"<figure\b.*?</figure>|<img\b[^>]*>", re.S)
_ALT = re.compile(r'<img\b[^>]*?\balt="([^"]*)"')
_H2 = re.compile(r'<h2\b[^>]*?\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}h {minutes % 60:02d}m"


def schedule(lesson: Lesson, questions: Mapping[str, str], shared: Shared | None = None) -> str:
    """The instructor's schedule: each episode's start time and first question (templates/schedule.html);
    ``questions``: each episode's questions (HTML) by source."""
    shared = shared or Shared.of(lesson)
    setup = next((p for p in lesson.learners if p.slug == "setup"), None)
    return render_fragment(shared, "schedule.html", rows=_rows(lesson, questions, with_times=True),
                           setup="setup.html" if setup is not None else "", start=clock(0),
                           finish=clock(sum(p.minutes for p in lesson.episodes)) if lesson.episodes else "")


def _rows(lesson: Lesson, questions: Mapping[str, str], with_times: bool) -> list[dict]:
    rows = []
    elapsed = 0
    for number, page in enumerate(lesson.episodes, start=1):
        rows.append({"time": clock(elapsed), "number": number, "href": page.filename,
                     "title": inline_title(page.title), "question": _first_item(questions.get(page.source, ""))})
        elapsed += page.minutes
    return rows


def home(shared: Shared, bodies: Mapping[str, RenderedBody], questions: Mapping[str, str], view: str) -> str:
    """What the home page shows after the lesson's own index: "Summary and Setup" for learners (the
    episodes, then setup.md inline under #setup), "Summary and Schedule" for instructors. ``questions``:
    each episode's questions (what the records' summaries keep: no episode's body is read for them)."""
    lesson = shared.lesson
    if view == "instructor":
        return schedule(lesson, questions, shared)
    parts = [render_fragment(shared, "episodes.html", rows=_rows(lesson, questions, with_times=False))] \
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
    """The plain text of the first item of a list (HTML), for a template to escape once."""
    m = re.search(r"<li>(.*?)</li>", html, re.S)
    return html_text(m.group(1) if m else html).strip()


def prefix_ids(html: str, prefix: str) -> str:
    """Make the ids of one episode unique on the all-in-one page."""
    def each(m: re.Match) -> str:
        ident, anchor, aria, names = m.groups()
        if ident is not None:
            return f'id="{prefix}-{ident}"'
        if anchor is not None:
            return f'href="#{prefix}-{anchor}"'
        return f'aria-{aria}="' + " ".join(f"{prefix}-{v}" for v in names.split()) + '"'
    return _IDS.sub(each, html)


def _fragment(theme: str, template: str, ui: Interface | None, **context) -> str:
    """A template of ``templates/aggregates/`` (overridable by the lesson's theme) in ``ui``'s language."""
    from lessonkit.site.theme import environment

    _ = ui.gettext if ui is not None else (lambda text: text)
    return environment(theme).get_template(f"aggregates/{template}").render(context, _=_)


def aio_section(page: Page, body: RenderedBody, theme: str = "") -> str:
    """One episode's section of the all-in-one page, for both views (instructor markers kept).
    The Questions/Objectives box has the wrappers an episode page's box has."""
    prefix = f"aio-{page.slug}"
    overview = [{"name": name, "html": prefix_ids(body.overview[name], prefix)}
                for name in ("questions", "objectives") if name in body.overview]
    return _fragment(theme, "aio-episode.html", interface(body.lang), prefix=prefix, href=page.filename,
                     title=inline_title(page.title), overview=overview, body=prefix_ids(body.html, prefix)) + "\n"


def _heading(page: Page) -> dict:
    return {"slug": page.slug, "href": page.filename, "title": inline_title(page.title)}


def keypoints_section(page: Page, body: RenderedBody, view: str, theme: str = "") -> str:
    if not body.keypoints:
        return ""
    inner = "".join(for_view(p, view) for p in body.keypoints)
    return _fragment(theme, "key-points.html", interface(body.lang), **_heading(page),
                     keypoints=prefix_ids(inner, "kp-" + page.slug))


def figures_section(page: Page, body: RenderedBody, view: str, theme: str = "") -> str:
    found = _FIGURE.findall(for_view(body.html, view))
    if not found:
        return ""
    figures = []
    for item in found:
        if not item.startswith("<figure"):
            item = f"<figure>{item}</figure>"
        alt = _ALT.search(item)
        figures.append({"html": prefix_ids(item, page.slug),
                        "alt": alt.group(1) if alt and alt.group(1).strip() else ""})
    return _fragment(theme, "figures.html", interface(body.lang), **_heading(page), figures=figures)


def notes_section(page: Page, body: RenderedBody, view: str, theme: str = "") -> str:
    if view == "learner" or not body.instructor_notes:
        return ""
    notes = "".join(prefix_ids(for_view(n, view), "notes-" + page.slug) for n in body.instructor_notes)
    return _fragment(theme, "instructor-notes.html", interface(body.lang), **_heading(page), notes=notes)


def profile_section(page: Page, body: RenderedBody, view: str, theme: str = "") -> str:
    return _fragment(theme, "profile.html", interface(body.lang), slug=page.slug, title=inline_title(page.title),
                     body=prefix_ids(for_view(body.html, view), page.slug))


def fragments(page: Page, body: RenderedBody, theme: str = "") -> dict[tuple[str, str], str | bytes]:
    """What each page that gathers the whole lesson shows of this page, per view.

    Computed once per version of the page, so that an aggregate page of a large
    lesson is a join of cached strings.  The all-in-one sections are kept as UTF-8
    bytes: they are written as they are."""
    out: dict[tuple[str, str], str] = {}
    aio = aio_section(page, body, theme) if page.kind == "episode" else ""  # the same for both views until for_view
    for view in ("learner", "instructor"):
        if page.kind == "episode":
            out["aio", view] = for_view(aio, view).encode("utf-8")
            out["key-points", view] = keypoints_section(page, body, view, theme)
            out["images", view] = figures_section(page, body, view, theme)
            out["instructor-notes", view] = notes_section(page, body, view, theme)
        elif page.kind == "profile":
            out["profiles", view] = profile_section(page, body, view, theme)
    return out


#: What a page that gathers the lesson says when there is nothing to gather (templates/aggregates/page.html).
EMPTY = {
    "key-points": N_("No episode has key points yet."),
    "images": N_("The episodes have no figures."),
    "profiles": N_("This lesson has no learner profiles yet."),
    "aio": N_("This lesson has no episodes yet."),
    "lesson": N_("This lesson has no content yet."),
}


def empty(name: str, ui: Interface | None = None, theme: str = "") -> str:
    return gather(name, [], ui, theme) if name in EMPTY else ""


def gather(name: str, parts: list[str], ui: Interface | None = None, theme: str = "") -> str:
    """The body of a page gathering every episode's (or profile's) fragment."""
    return _fragment(theme, "page.html", ui, name=name, sections="".join(parts), message=EMPTY.get(name, ""))


def instructor_notes(own_html: str, notes: list[str], view: str, ui: Interface | None = None,
                     theme: str = "") -> str:
    return _fragment(theme, "notes-page.html", ui, view=view, own=own_html, notes="".join(notes))


def instructor_only(page: Page, ui: Interface | None = None, theme: str = "") -> str:
    """What the learner view shows for an instructor-only page."""
    return _fragment(theme, "instructor-only.html", ui, filename=page.filename)


def search_entries(page: Page, html: str) -> list[dict]:
    """Search documents for a page: one per level-2 section (and the text before the first)."""
    entries: list[dict] = []
    matches = list(_H2.finditer(html))
    starts = [(0, "", "")] + [(m.start(), m.group(1), html_text(m.group(2)).strip()) for m in matches]
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
    return " ".join(html_text(html, " ").split())


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
