"""What a workshop site is made of: the landing page, the .ics calendar, the schema.org /
Bioschemas JSON-LD and the exercise handouts (HTML, and PDF through WeasyPrint)."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from html import escape

from lessonkit import __version__
from lessonkit.model import Block, Lesson, Page
from lessonkit.workshop.model import Session, Workshop
from lessonkit.workshop.timetable import Row, Timetable

COURSE_PROFILE = "https://bioschemas.org/profiles/Course/1.0-RELEASE"
INSTANCE_PROFILE = "https://bioschemas.org/profiles/CourseInstance/1.0-RELEASE"
MATERIAL_PROFILE = "https://bioschemas.org/profiles/TrainingMaterial/1.0-RELEASE"
_URL_ATTR = re.compile(r'\b(href|src)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/|data:)([^"]*)"')
_HEADING = re.compile(r"<(/?)h([1-6])\b")


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("lessonkit.workshop", "templates"), autoescape=select_autoescape(["html"]))


def rebase(html: str, base: str) -> str:
    """Relative links and images of a lesson page, made relative to the workshop page."""
    return _URL_ATTR.sub(lambda m: f'{m.group(1)}="{base}{m.group(2)}"', html)


def demote(html: str, levels: int) -> str:
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + levels)}", html)


def _render_block(lesson: Lesson, page: Page, block: Block) -> str:
    from lessonkit.site.body import BodyRenderer, for_view
    from lessonkit.site.links import LinkResolver, SiteMap

    renderer = BodyRenderer(page, LinkResolver(SiteMap.of(lesson), page.source), lesson.references)
    return for_view(renderer.block(block), "learner")


def _render_page(lesson: Lesson, page: Page) -> str:
    from lessonkit.site.body import for_view, render_body
    from lessonkit.site.links import LinkResolver, SiteMap

    return for_view(render_body(page, LinkResolver(SiteMap.of(lesson), page.source), lesson.references).html,
                    "learner")


# -- times ------------------------------------------------------------------------------------

def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wall(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def long_date(moment: date | datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


# -- handouts ---------------------------------------------------------------------------------

@dataclass
class Exercise:
    lesson: Lesson
    page: Page
    block: Block
    base: str  # where the lesson's site is, relative to the handout

    @property
    def title(self) -> str:
        """The challenge's title without its own numbering ("Challenge 2: Spot the leak" -> "Spot the leak")."""
        title = re.sub(r"^(?:challenge|exercise)\s*\d*\s*[:.]\s*", "", self.block.title or "", flags=re.I)
        return title or self.block.title or "Challenge"


def exercises(workshop: Workshop, table: Timetable, bases: dict[str, str]) -> list[Exercise]:
    """Every challenge of the sections the workshop teaches live, in teaching order."""
    from lessonkit.schedules import episode_times

    found: list[Exercise] = []
    seen: set[tuple[str, str]] = set()
    for row in table.rows:
        if row.kind != "episode" or row.page is None:
            continue
        key = (row.choice.name, row.page.source)
        if key in seen:
            continue
        seen.add(key)
        # the sections taught live: those of every part of the episode
        parts = [r for r in table.rows if r.kind == "episode" and r.page is row.page]
        live = {s for r in parts for s in r.sections}
        marked = episode_times(row.page).marked
        section = ""
        for node in _top_level_with_sections(row.page):
            if isinstance(node, str):
                section = node
                continue
            for block in [node, *node.descendants()]:
                if block.kind == "challenge" and (not marked or section in live):
                    found.append(Exercise(row.choice.lesson, row.page, block, bases.get(row.choice.name, "")))
    return found


def _top_level_with_sections(page: Page):
    """The page's top-level blocks, preceded by the id of each level-2 section as it starts."""
    from lessonkit.model import Markdown
    from lessonkit.schedules import episode_times

    starts = {(s.path, s.line): s.id for s in episode_times(page).sections if s.id}
    for node in page.body:
        if isinstance(node, Markdown):
            last = None
            for offset in range(node.text.count("\n") + 1):
                found = starts.get((node.source or page.source, node.line + offset))
                if found is not None:
                    last = found
            if last is not None:
                yield last
        elif isinstance(node, Block):
            yield node


def without_solutions(block: Block) -> Block:
    clone = copy.deepcopy(block)

    def strip(node: Block) -> None:
        node.children = [c for c in node.children if not (isinstance(c, Block) and c.kind == "solution")]
        for child in node.children:
            if isinstance(child, Block):
                strip(child)

    strip(clone)
    return clone


def handout_html(workshop: Workshop, found: list[Exercise], instructor: bool, stylesheet: str) -> str:
    parts: list[str] = []
    current = None
    for number, item in enumerate(found, start=1):
        if (item.lesson.name, item.page.source) != current:
            current = (item.lesson.name, item.page.source)
            parts.append(f'<h2 class="handout-episode">{escape(item.page.title)}'
                         f' <span class="handout-lesson">({escape(item.lesson.config.title)})</span></h2>')
        block = without_solutions(item.block)
        block.title = f"Exercise {number}: {item.title}"
        html = demote(_render_block(item.lesson, item.page, block), 0)
        if instructor:
            for solution in [b for b in item.block.descendants() if b.kind == "solution"]:
                inner = "".join(_render_block(item.lesson, item.page, c) if isinstance(c, Block) else
                                _render_nodes(item.lesson, item.page, [c]) for c in solution.children)
                html += f'<section class="handout-solution"><h4>Solution</h4>{inner}</section>'
        parts.append(f'<article class="handout-exercise">{rebase(html, item.base)}</article>')
    title = f"{workshop.title}: exercises" + (" (instructor copy, with solutions)" if instructor else "")
    intro = ("Every exercise of the workshop with its solution." if instructor
             else "Every exercise of the workshop, to work on during the sessions. Solutions are not included.")
    body = "".join(parts) or "<p>The chosen episodes have no challenges.</p>"
    return (f'<!doctype html>\n<html lang="{escape(workshop.language)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{stylesheet}</style></head>"
            f'<body class="handout"><main><h1>{escape(title)}</h1><p class="handout-intro">{intro}</p>'
            f"{body}</main></body></html>\n")


def _render_nodes(lesson: Lesson, page: Page, nodes: list) -> str:
    from lessonkit.site.body import BodyRenderer, for_view
    from lessonkit.site.links import LinkResolver, SiteMap

    renderer = BodyRenderer(page, LinkResolver(SiteMap.of(lesson), page.source), lesson.references)
    return for_view(renderer.nodes(nodes), "learner")


HANDOUT_CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body.handout { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 11pt; line-height: 1.45;
  color: #1a1a1a; max-width: 48rem; margin: 0 auto; padding: 1rem; }
.handout h1 { font-size: 18pt; margin: 0 0 .4rem; }
.handout-intro { color: #444; }
.handout-episode { font-size: 14pt; border-bottom: 2px solid #2b5f8a; margin-top: 1.6rem; break-after: avoid; }
.handout-lesson { font-weight: normal; color: #555; font-size: 11pt; }
.handout-exercise { border: 1px solid #b8c7d6; border-radius: 4px; padding: .2rem .9rem .6rem; margin: .9rem 0;
  break-inside: avoid; }
.handout-exercise .callout-header svg, .handout-exercise .callout-header .icon { display: none; }
.handout-exercise h3 { font-size: 12pt; margin: .5rem 0; }
.handout-solution { border-top: 1px dashed #888; margin-top: .6rem; }
.handout-solution h4 { font-size: 11pt; margin: .4rem 0; color: #2d6a2d; }
.handout pre { white-space: pre-wrap; background: #f4f6f8; padding: .4rem .6rem; font-size: 9.5pt; }
.handout img { max-width: 100%; }
details > summary { font-weight: bold; }
"""


def pdf(html: str, base_url: str) -> bytes:
    """The handout as PDF (WeasyPrint: no browser, no remote fetch: only files under base_url)."""
    import weasyprint

    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint 66 and later
        fetcher = weasyprint.URLFetcher(allowed_protocols={"file", "data"})
    else:
        def fetcher(url: str, *args, **kwargs):
            if not url.startswith(("file:", "data:")):
                raise ValueError(f"remote resource refused in a handout: {url}")
            return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


# -- calendar ---------------------------------------------------------------------------------

def calendar(workshop: Workshop, table: Timetable, page_url: str = "") -> bytes:
    from icalendar import Calendar, Event, vText

    cal = Calendar()
    cal.add("prodid", f"-//lessonkit//workshop {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", workshop.title)
    stamp = datetime.now(UTC).replace(microsecond=0)
    where = _where_text(workshop)
    for session in workshop.sessions:
        event = Event()
        event.add("uid", f"{workshop.slug}-session-{session.index + 1}@lessonkit")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.start_at)
        event.add("dtend", session.end_at)
        title = workshop.title + (f": {session.title}" if session.title else
                                  f" (session {session.index + 1} of {len(workshop.sessions)})"
                                  if len(workshop.sessions) > 1 else "")
        event.add("summary", title)
        lines = [f"{wall(r.start)}-{wall(r.end)} {r.title}{' (continued)' if r.continued else ''}"
                 for r in table.for_session(session)]
        description = "\n".join(lines)
        if workshop.online and workshop.online.get("url"):
            description += f"\n\nJoin online: {workshop.online['url']}"
        if page_url:
            description += f"\n\nWorkshop page: {page_url}"
        event.add("description", description.strip())
        if where:
            event.add("location", vText(where))
        if page_url:
            event.add("url", page_url)
        cal.add_component(event)
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()
    return cal.to_ical()


def _where_text(workshop: Workshop) -> str:
    if workshop.venue:
        return ", ".join(str(workshop.venue[k]) for k in ("name", "address") if workshop.venue.get(k))
    if workshop.online and workshop.online.get("url"):
        return str(workshop.online["url"])
    return ""


# -- JSON-LD ----------------------------------------------------------------------------------

def _person(person) -> dict:
    data: dict = {"@type": "Person", "name": person.name}
    if person.orcid:
        data["@id"] = person.orcid
        data["identifier"] = person.orcid
    if person.affiliation:
        data["affiliation"] = {"@type": "Organization", "name": person.affiliation}
    return data


def jsonld(workshop: Workshop, table: Timetable, bases: dict[str, str], page_url: str = "") -> dict:
    """A schema.org Course with its CourseInstance and the lessons as TrainingMaterial
    (Bioschemas Course, CourseInstance and TrainingMaterial 1.0-RELEASE profiles)."""
    keywords: list[str] = []
    for choice in workshop.lessons:
        keywords.extend(k for k in choice.lesson.config.keywords if k not in keywords)
    course: dict = {
        "@context": "https://schema.org/",
        "@type": "Course",
        "dct:conformsTo": {"@type": "CreativeWork", "@id": COURSE_PROFILE},
        "name": workshop.title,
        "description": workshop.description or workshop.title,
        "keywords": ", ".join(keywords) or workshop.title,
        "inLanguage": workshop.language,
        "hasCourseInstance": [_course_instance(workshop, page_url)],
        "hasPart": [_material(choice, bases) for choice in workshop.lessons],
        "timeRequired": f"PT{max(1, table.needed) // 60}H{max(1, table.needed) % 60}M",
    }
    if workshop.prerequisites:
        course["coursePrerequisites"] = workshop.prerequisites
    if page_url:
        course["url"] = page_url
    return course


def _material(choice, bases: dict[str, str]) -> dict:
    """One lesson of the workshop as a Bioschemas TrainingMaterial."""
    from lessonkit.site.metadata import licence_url

    config = choice.lesson.config
    material: dict = {
        "@type": "LearningResource",
        "dct:conformsTo": {"@type": "CreativeWork", "@id": MATERIAL_PROFILE},
        "name": config.title,
        "description": _lesson_summary(choice.lesson) or config.title,
        "keywords": ", ".join(config.keywords) or config.title,
        "inLanguage": config.lang or "en",
        "learningResourceType": "lesson",
        "url": config.url or (bases.get(choice.name, "") + "index.html"),
    }
    if licence_url(config.license):
        material["license"] = licence_url(config.license)
    return material


def _location(workshop: Workshop) -> dict | str:
    if workshop.venue:
        location: dict = {"@type": "Place", "name": workshop.venue.get("name", "")}
        if workshop.venue.get("address"):
            location["address"] = workshop.venue["address"]
        if isinstance(workshop.venue.get("latitude"), int | float) and isinstance(workshop.venue.get("longitude"),
                                                                                  int | float):
            location["geo"] = {"@type": "GeoCoordinates", "latitude": workshop.venue["latitude"],
                               "longitude": workshop.venue["longitude"]}
        return location
    if workshop.online:
        return {"@type": "VirtualLocation", "url": workshop.online.get("url", ""),
                "name": workshop.online.get("platform") or "Online"}
    return "To be announced"


ATTENDANCE_MODES = {"online": "https://schema.org/OnlineEventAttendanceMode",
                    "onsite": "https://schema.org/OfflineEventAttendanceMode",
                    "blended": "https://schema.org/MixedEventAttendanceMode"}


def _course_instance(workshop: Workshop, page_url: str) -> dict:
    """The workshop as a Bioschemas CourseInstance: when, where, who."""
    modes = ["online" if workshop.online and not workshop.venue else
             "blended" if workshop.online and workshop.venue else "onsite", "synchronous"]
    instance: dict = {
        "@type": "CourseInstance",
        "dct:conformsTo": {"@type": "CreativeWork", "@id": INSTANCE_PROFILE},
        "name": workshop.title,
        "courseMode": modes,
        "location": _location(workshop),
        "startDate": workshop.first_start.isoformat(),
        "endDate": workshop.last_end.isoformat(),
        "inLanguage": workshop.language,
        "eventAttendanceMode": ATTENDANCE_MODES[modes[0]],
        "eventSchedule": [{"@type": "Schedule", "startDate": s.date.isoformat(), "startTime": s.start.strftime("%H:%M"),
                           "endTime": s.end.strftime("%H:%M"), "scheduleTimezone": s.timezone}
                          for s in workshop.sessions],
        "subEvent": [{"@type": "Event", "name": workshop.title + (f": {s.title}" if s.title else ""),
                      "startDate": s.start_at.isoformat(), "endDate": s.end_at.isoformat()}
                     for s in workshop.sessions],
    }
    if workshop.instructors:
        instance["instructor"] = [_person(p) for p in workshop.instructors]
    if workshop.helpers:
        instance["contributor"] = [_person(p) for p in workshop.helpers]
    if workshop.capacity:
        instance["maximumAttendeeCapacity"] = workshop.capacity
    if workshop.audience:
        instance["audience"] = {"@type": "Audience", "audienceType": workshop.audience}
    if workshop.contact_email:
        instance["organizer"] = {"@type": "Organization", "name": workshop.contact_name or workshop.contact_email,
                                 "email": workshop.contact_email}
    if workshop.registration.url:
        offer: dict = {"@type": "Offer", "url": workshop.registration.url}
        if workshop.registration.opens:
            offer["validFrom"] = workshop.registration.opens.isoformat()
        if workshop.registration.closes:
            offer["validThrough"] = workshop.registration.closes.isoformat()
        instance["offers"] = offer
    if page_url:
        instance["url"] = page_url
    return instance


def _lesson_summary(lesson: Lesson) -> str:
    from lessonkit.build import _first_paragraph

    return re.sub(r"<[^>]+>", "", _first_paragraph(lesson)).strip()


# -- the landing page -------------------------------------------------------------------------

def time_html(moment: datetime, with_zone: bool = True) -> str:
    """The workshop's wall-clock time, with the instant for the reader's local time (workshop.js)."""
    label = wall(moment) + (f" {moment.tzname()}" if with_zone else "")
    return f'<time datetime="{iso(moment)}">{escape(label)}</time>'


def local_html(moment: datetime) -> str:
    # Filled in by assets/workshop.js with the reader's own time zone; the UTC time without script.
    return f'<span class="local-time" data-utc="{iso(moment)}">{moment.astimezone(UTC):%H:%M} UTC</span>'


def landing(workshop: Workshop, table: Timetable, bases: dict[str, str], setup: list[tuple[str, str, str]],
            structured: dict, files: dict[str, str], home: str = "") -> str:
    """The workshop's page; ``home`` links back to the catalogue the workshop is part of (if any)."""
    from lessonkit.site.markdown_html import render_markdown

    sessions = []
    for session in workshop.sessions:
        rows = []
        for row in table.for_session(session):
            rows.append(_row(row, bases))
        sessions.append({"session": session, "heading": _session_heading(session, len(workshop.sessions)),
                         "start": time_html(session.start_at), "end": time_html(session.end_at),
                         "local_start": local_html(session.start_at), "local_end": local_html(session.end_at),
                         "rows": rows, "zone": session.timezone})
    lessons = [{"title": c.lesson.config.title, "href": bases.get(c.name, "") + "index.html",
                "schedule": _schedule_title(c)} for c in workshop.lessons]
    venue = workshop.venue or {}
    map_url = ""
    if isinstance(venue.get("latitude"), int | float) and isinstance(venue.get("longitude"), int | float):
        map_url = (f"https://www.openstreetmap.org/?mlat={venue['latitude']}&mlon={venue['longitude']}"
                   f"#map=17/{venue['latitude']}/{venue['longitude']}")
    return environment().get_template("workshop.html").render(
        workshop=workshop, description=render_markdown(workshop.description, {}) if workshop.description else "",
        sessions=sessions, lessons=lessons, venue=venue, map_url=map_url, online=workshop.online or {},
        setup=setup, jsonld=json.dumps(structured, ensure_ascii=False, indent=1).replace("</", "<\\/"),
        files=files, version=__version__, zones=", ".join(workshop.timezones),
        first=workshop.first_start, last=workshop.last_end, long_date=long_date,
        registration=workshop.registration, needed=table.needed, home=home,
    )


def _schedule_title(choice) -> str:
    from lessonkit.schedules import lesson_schedules

    if choice.schedule:
        found = next((s for s in lesson_schedules(choice.lesson) if s.id == choice.schedule), None)
        return found.title if found else choice.schedule
    return f"{len(choice.episodes)} episode{'s' if len(choice.episodes) != 1 else ''}"


def _session_heading(session: Session, count: int) -> str:
    day = long_date(session.start_at)
    label = session.title or (f"Session {session.index + 1}" if count > 1 else "Schedule")
    return f"{label}: {day}"


def _row(row: Row, bases: dict[str, str]) -> dict:
    href = ""
    if row.page is not None and row.choice is not None:
        href = bases.get(row.choice.name, "") + row.page.filename
    return {"kind": row.kind, "title": row.title + (" (continued)" if row.continued else ""), "href": href,
            "start": time_html(row.start, False), "end": time_html(row.end, False),
            "local": local_html(row.start), "minutes": row.minutes,
            "lesson": row.choice.lesson.config.title if row.choice is not None and row.kind == "episode" else ""}
