"""``lessonkit workshop build``: the site, the calendar, the JSON-LD and the handouts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from wssupport import WORKSHOP, write_workshop

from lessonkit.readers import read_lesson
from lessonkit.workshop import load_workshop
from lessonkit.workshop.build import FILES, build_workshop
from lessonkit.workshop.outputs import exercises
from lessonkit.workshop.timetable import fit

TODAY = date(2026, 12, 1)
CLI = [sys.executable, "-m", "lessonkit"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("workshop")
    path = write_workshop(base)
    result = build_workshop(path, base / "site", today=TODAY)
    assert result.ok, [d.format() for d in result.diagnostics]
    return path, base / "site"


def test_the_site_has_every_file(built):
    _, site = built
    for rel in ["index.html", *FILES.values(), "assets/lessonkit.css", "assets/workshop.js", "lesson/index.html",
                "lesson/01-intro.html"]:
        assert (site / rel).is_file(), rel


def test_the_landing_page(built):
    _, site = built
    html = (site / "index.html").read_text()
    for text in ["Fixture masterclass, three-hour version", "Group leaders in the life sciences", "Seminar room 1",
                 'href="https://docs.carpentries.org/policies/coc/"', 'href="https://example.org/register"',
                 "Registration closes on Sunday 7 March 2027", 'href="https://example.org/pre"', 'href="https://example.org/notes"',
                 "mailto:workshops@example.org", "https://orcid.org/0000-0002-1825-0097", "Install a web browser"]:
        assert text in html, text
    # the schedule links into the lesson's pages, with workshop and UTC instants for local times
    assert '<a href="lesson/01-intro.html">Introduction</a>' in html
    assert "All lessons and workshops" not in html  # a workshop of its own has no catalogue to go back to
    assert '<a href="lesson/02-methods.html">Methods</a>' in html
    assert '<time datetime="2027-03-14T13:00:00Z">13:00</time>' in html
    assert 'data-utc="2027-03-14T14:20:00Z"' in html  # Pitfalls after the coffee break
    assert "Coffee" in html
    # setup page links are rebased into the lesson's site
    assert 'href="lesson/01-intro.html"' in html.split('id="setup"')[1]
    assert not re.search(r'(src|href)="//', html) and "cdn" not in html.lower()


def test_the_calendar_read_back_with_icalendar(built):
    path, site = built
    workshop, _ = load_workshop(path, today=TODAY)
    calendar = Calendar.from_ical((site / "workshop.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(workshop.sessions) == 1
    [event] = events
    assert event.decoded("dtstart") == workshop.sessions[0].start_at
    assert event.decoded("dtend").astimezone(UTC) == datetime(2027, 3, 14, 15, 30, tzinfo=UTC)
    assert str(event["summary"]) == workshop.title
    assert str(event["uid"]) == "fixture-masterclass-2027-session-1@lessonkit"
    assert "Seminar room 1" in str(event["location"])
    assert "14:20-15:05 Pitfalls" in str(event["description"])
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/London"


# The Bioschemas profiles' minimum properties (1.0-RELEASE of Course, CourseInstance and TrainingMaterial).
MINIMUM = {
    "Course": ("description", "keywords", "name", "dct:conformsTo"),
    "CourseInstance": ("courseMode", "location", "dct:conformsTo"),
    "LearningResource": ("description", "keywords", "name", "dct:conformsTo"),
}
PROFILES = {"Course": "https://bioschemas.org/profiles/Course/1.0-RELEASE",
            "CourseInstance": "https://bioschemas.org/profiles/CourseInstance/1.0-RELEASE",
            "LearningResource": "https://bioschemas.org/profiles/TrainingMaterial/1.0-RELEASE"}


def test_the_json_ld_has_the_bioschemas_required_properties(built):
    _, site = built
    data = json.loads((site / "workshop.jsonld").read_text())
    html = (site / "index.html").read_text()
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(embedded.replace("<\\/", "</")) == data
    assert data["@context"] == "https://schema.org/"
    nodes = [data, *data["hasCourseInstance"], *data["hasPart"]]
    assert [n["@type"] for n in nodes] == ["Course", "CourseInstance", "LearningResource"]
    for node in nodes:
        for name in MINIMUM[node["@type"]]:
            assert node.get(name) not in (None, "", []), (node["@type"], name)
        assert node["dct:conformsTo"]["@id"] == PROFILES[node["@type"]]
    instance = data["hasCourseInstance"][0]
    assert instance["courseMode"] == ["onsite", "synchronous"]
    assert instance["location"]["geo"] == {"@type": "GeoCoordinates", "latitude": 51.52, "longitude": -0.13}
    assert instance["startDate"] == "2027-03-14T13:00:00+00:00"
    assert instance["instructor"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert instance["maximumAttendeeCapacity"] == 30


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_the_pdf_handouts_hold_the_challenges(built):
    path, site = built
    workshop, _ = load_workshop(path, today=TODAY)
    chosen = exercises(workshop, fit(workshop), {})
    assert [e.title for e in chosen] == ["First thoughts", "split by patient", "spot the leak"]
    learner, instructor = _pdf_text(site / "handout.pdf"), _pdf_text(site / "instructor/handout.pdf")
    for number, exercise in enumerate(chosen, start=1):
        assert f"Exercise {number}: {exercise.title}" in learner
        assert f"Exercise {number}: {exercise.title}" in instructor
    for question in ("What would you ask?", "Which split leaks?", "Where is it?"):
        assert question in learner and question in instructor
    for answer in ("Ask about the data.", "The random one.", "In the preprocessing."):
        assert answer not in learner and answer in instructor
    # the self-study section's challenge is not in the live workshop
    assert "nested cross-validation" not in learner
    assert 'class="handout-solution"' not in (site / "handout.html").read_text()
    assert 'class="handout-solution"' in (site / "instructor/handout.html").read_text()


SESSIONS_DST = """\
sessions:
  - date: 2027-03-21
    start: "13:00"
    end: "14:00"
    timezone: Europe/London
  - date: 2027-03-28
    start: "13:00"
    end: "14:30"
    timezone: Europe/London
  - date: 2027-03-29
    start: "09:00"
    end: "09:30"
    timezone: America/New_York
"""


def _with_sessions(text: str) -> str:
    return WORKSHOP.split("sessions:\n")[0] + text + "venue:" + WORKSHOP.split("venue:")[1]


def test_schedules_across_days_time_zones_and_a_daylight_saving_change(tmp_path: Path):
    path = write_workshop(tmp_path, _with_sessions(SESSIONS_DST))
    workshop, found = load_workshop(path, today=TODAY)
    assert found == []
    table = fit(workshop)
    rows = [(r.kind, r.title, r.continued, r.start.astimezone(UTC).strftime("%m-%d %H:%M"), r.minutes,
             r.start.strftime("%H:%M %Z")) for r in table.rows]
    assert rows == [
        # 21 March: London is on GMT (UTC+0)
        ("episode", "Introduction", False, "03-21 13:00", 35, "13:00 GMT"),
        # Methods (30 min) does not fit in the 25 minutes left: its one live section moves to the next session
        ("episode", "Methods", False, "03-28 12:00", 30, "13:00 BST"),
        # 28 March: the clocks went forward, 13:00 London is 12:00 UTC
        ("break", "Coffee", False, "03-28 12:30", 15, "13:30 BST"),
        ("episode", "Pitfalls", False, "03-28 12:45", 45, "13:45 BST"),
    ]
    [unused] = table.diagnostics  # the New York session is left empty
    assert unused.rule == "workshop-sessions-unused" and "session 3" in unused.message
    assert workshop.sessions[2].start_at.astimezone(UTC).hour == 13  # 09:00 EDT (US clocks changed on 14 March)
    # the calendar says the same, read back by icalendar
    from lessonkit.workshop.outputs import calendar

    events = list(Calendar.from_ical(calendar(workshop, table)).walk("VEVENT"))
    assert [e.decoded("dtstart").astimezone(UTC).strftime("%m-%d %H:%M") for e in events] == [
        "03-21 13:00", "03-28 12:00", "03-29 13:00"]
    assert [str(e.decoded("dtstart").tzinfo) for e in events] == ["Europe/London", "Europe/London",
                                                                  "America/New_York"]


def test_an_episode_with_time_marks_is_split_across_sessions(tmp_path: Path):
    sessions = """\
sessions:
  - date: 2027-03-21
    start: "13:00"
    end: "14:10"
    timezone: Europe/London
  - date: 2027-03-28
    start: "13:00"
    end: "14:30"
    timezone: Europe/London
"""
    path = write_workshop(tmp_path, _with_sessions(sessions).replace(
        "schedule: masterclass-3h", "episodes: [01-intro.md, 02-methods.md, 03-pitfalls.md]"))
    workshop, _found = load_workshop(path, today=TODAY)
    table = fit(workshop)
    rows = [(r.title, r.continued, r.sections, r.start.strftime("%d %H:%M"), r.minutes) for r in table.rows]
    assert rows == [("Introduction", False, ["why-this-matters", "definitions"], "21 13:00", 35),
                    ("Methods", False, ["splitting"], "21 13:35", 30),
                    ("Methods", True, ["going-further"], "28 13:00", 30),  # the rest of the episode
                    ("Pitfalls", False, [], "28 13:30", 45)]  # no time marks: never split
    assert table.diagnostics == []


def test_a_schedule_that_does_not_fit(tmp_path: Path):
    text = WORKSHOP.replace('end: "15:30"', 'end: "14:30"')
    path = write_workshop(tmp_path, text)
    workshop, _ = load_workshop(path, today=TODAY)
    [d] = fit(workshop).diagnostics
    assert d.rule == "workshop-schedule-overflow" and d.severity.name == "ERROR"
    assert "they need 125 minutes" in d.message and "the sessions hold 90" in d.message
    assert "(35 minutes too many)" in d.message and "'Pitfalls' (lesson, episodes/03-pitfalls.md) is the first" in d.message
    assert d.line == next(n for n, line in enumerate(text.splitlines(), 1) if "- path: ../lesson" in line)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("capacity: 30", "capacity: [30", "workshop-yaml"),
    ('start: "13:00"', 'start: "25:00"', "workshop-time"),
    ("date: 2027-03-14", "date: 2027-02-30", "workshop-date"),
    ("path: ../lesson", "path: ../missing", "workshop-lesson-missing"),
    ('end: "15:30"', 'end: "14:00"', "workshop-schedule-overflow"),
])
def test_bad_input_keeps_the_previous_output(tmp_path: Path, old: str, new: str, rule: str):
    path = write_workshop(tmp_path)
    first = run("workshop", "build", str(path), "--out", "site", "--today", "2026-12-01", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "site/index.html").read_bytes()
    path.write_text(WORKSHOP.replace(old, new))
    second = run("workshop", "build", str(path), "--out", "site", "--today", "2026-12-01", cwd=tmp_path)
    assert second.returncode == 1
    assert "Traceback" not in second.stderr and f"[{rule}]" in second.stderr
    assert re.search(r"workshops/workshop\.yaml:\d+:\d+: error", second.stderr)
    assert "was left as it was" in second.stderr
    assert (tmp_path / "site/index.html").read_bytes() == before


def test_twenty_sessions_of_ten_hours_is_a_diagnostic(tmp_path: Path):
    sessions = "sessions:\n" + "".join(f'  - date: 2027-04-{d:02d}\n    start: "08:00"\n    end: "18:00"\n'
                                       "    timezone: Europe/London\n" for d in range(1, 21))
    path = write_workshop(tmp_path, _with_sessions(sessions))
    result = run("workshop", "check", str(path), "--today", "2026-12-01", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("[workshop-session-long]") == 20


def test_check_formats(tmp_path: Path):
    path = write_workshop(tmp_path, WORKSHOP.replace('start: "13:00"', 'start: "25:00"'))
    as_json = run("workshop", "check", str(path), "--format", "json", "--today", "2026-12-01", cwd=tmp_path)
    [item] = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and item["rule"] == "workshop-time" and item["line"] == 13 and item["column"] == 12
    sarif = json.loads(run("workshop", "check", str(path), "--format", "sarif", cwd=tmp_path).stdout)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "workshop-time")
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 13, "startColumn": 12}
    github = run("workshop", "check", str(path), "--format", "github", "--today", "2026-12-01", cwd=tmp_path).stdout
    assert github.startswith("::error file=workshops/workshop.yaml,line=13,col=12,title=workshop-time::")
    clean = run("workshop", "check", str(write_workshop(tmp_path / "b")), "--today", "2026-12-01", cwd=tmp_path)
    assert clean.returncode == 0 and "no problems" in clean.stdout


def test_workshop_new_scaffolds_a_file_that_checks_cleanly(tmp_path: Path):
    from wssupport import write_lesson

    write_lesson(tmp_path / "masterclasses" / "fixture")
    made = run("workshop", "new", "workshops/mine.yaml", "--lesson", "fixture", "--lessons", "masterclasses",
               cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    text = (tmp_path / "workshops/mine.yaml").read_text()
    assert "schedule: masterclass-3h" in text and "path: ../masterclasses/fixture" in text
    checked = run("workshop", "check", "workshops/mine.yaml", "--strict", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert run("workshop", "new", "workshops/mine.yaml", "--lesson", "fixture", "--lessons", "masterclasses",
               cwd=tmp_path).returncode == 2  # never overwrites without --force


def test_the_fixture_lesson_is_unchanged_by_the_build(built):
    path, _ = built
    lesson = read_lesson(path.parent.parent / "lesson")
    assert lesson.config.title == "Fixture masterclass"
