"""Reading and checking workshop files (lessonkit.workshop.load_workshop)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from wssupport import WORKSHOP, write_workshop

from lessonkit.workshop import load_workshop
from lessonkit.workshop.timetable import fit

TODAY = date(2026, 12, 1)


def diagnostics_for(tmp_path: Path, text: str) -> list:
    _, found = load_workshop(write_workshop(tmp_path, text), today=TODAY)
    return found


def one(found: list, rule: str):
    matches = [d for d in found if d.rule == rule]
    assert len(matches) == 1, [d.format() for d in found]
    return matches[0]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_good_workshop_loads(tmp_path: Path):
    workshop, found = load_workshop(write_workshop(tmp_path), today=TODAY)
    assert found == []
    assert workshop.title == "Fixture masterclass, three-hour version"
    assert workshop.lessons[0].schedule == "masterclass-3h" and workshop.lessons[0].lesson.config.title == "Fixture masterclass"
    [session] = workshop.sessions
    assert session.start_at.astimezone(UTC) == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert session.minutes == 150
    assert workshop.instructors[0].orcid == "https://orcid.org/0000-0002-1825-0097"
    assert workshop.registration.closes == date(2027, 3, 7) and workshop.capacity == 30


@pytest.mark.parametrize(("old", "new", "rule", "needle"), [
    ('start: "13:00"', 'start: "25:00"', "workshop-time", "25:00"),
    ("date: 2027-03-14", "date: 2027-02-30", "workshop-date", "2027-02-30"),
    ("timezone: Europe/London", "timezone: Europe/Londn", "workshop-timezone", "Londn"),
    ('end: "15:30"', 'end: "12:00"', "workshop-session-order", "12:00"),
    ("date: 2027-03-14", "date: 2026-03-14", "workshop-past", "2026-03-14"),
    ("capacity: 30", "capacity: -3", "workshop-capacity", "capacity"),
    ("closes: 2027-03-07", "closes: 2027-03-20", "workshop-registration", "closes"),
    ("path: ../lesson", "path: ../lessn", "workshop-lesson-missing", "../lessn"),
    ("schedule: masterclass-3h", "schedule: masterclass-2h", "workshop-schedule-unknown", "masterclass-2h"),
    ("code_of_conduct: https://docs.carpentries.org/policies/coc/\n", "", "workshop-code-of-conduct", None),
    ("capacity: 30", "capacty: 30", "workshop-schema", "capacty"),
])
def test_each_mistake_has_its_line_and_column(tmp_path: Path, old: str, new: str, rule: str, needle: str | None):
    text = WORKSHOP.replace(old, new)
    assert text != WORKSHOP
    workshop, found = load_workshop(write_workshop(tmp_path, text), today=TODAY)
    d = one(found, rule)
    assert workshop is None and d.severity.name == "ERROR" and d.fix
    assert d.path.endswith("workshops/workshop.yaml")
    if needle is not None:
        line = line_of(text, needle)
        assert d.line == line
        source = text.splitlines()[line - 1]
        # at the value, or at the key when the key itself is the problem
        key_column = len(source) - len(source.lstrip(" -")) + 1
        value_column = source.index(": ") + 3 if ": " in source else key_column
        assert d.column in (key_column, value_column), (d.column, source)
    else:
        assert d.line == 1


def test_suggestions(tmp_path: Path):
    found = diagnostics_for(tmp_path, WORKSHOP.replace("timezone: Europe/London", "timezone: Europe/Londn")
                            .replace("path: ../lesson", "path: ../lessn").replace("capacity: 30", "capacty: 30"))
    fixes = {d.rule: d.fix for d in found}
    assert fixes["workshop-timezone"].startswith("Did you mean Europe/London?")
    assert fixes["workshop-lesson-missing"].startswith("Did you mean ../lesson?")
    assert fixes["workshop-schema"].startswith("Did you mean 'capacity'?")


def test_malformed_yaml(tmp_path: Path):
    text = WORKSHOP.replace("capacity: 30", "capacity: [30")
    [d] = diagnostics_for(tmp_path, text)
    assert d.rule == "workshop-yaml" and d.line > 1 and d.column > 0


def test_a_missing_file(tmp_path: Path):
    workshop, [d] = load_workshop(tmp_path / "nope.yaml")
    assert workshop is None and d.rule == "workshop-file"


def test_overlapping_sessions_and_time_zones(tmp_path: Path):
    text = WORKSHOP.replace("""    timezone: Europe/London
""", """    timezone: Europe/London
  - date: 2027-03-14
    start: "09:00"
    end: "10:00"
    timezone: America/New_York
""")
    d = one(diagnostics_for(tmp_path, text), "workshop-session-overlap")  # 09:00 New York is 13:00 London
    assert d.line == line_of(text, '"09:00"') - 1 and "starts before session 1 ends" in d.message


def test_twenty_sessions_of_ten_hours(tmp_path: Path):
    sessions = "".join(f"""  - date: 2027-04-{day:02d}
    start: "08:00"
    end: "18:00"
    timezone: Europe/London
""" for day in range(1, 21))
    text = WORKSHOP.split("sessions:\n")[0] + "sessions:\n" + sessions + "venue:" + WORKSHOP.split("venue:")[1]
    found = diagnostics_for(tmp_path, text)
    assert len([d for d in found if d.rule == "workshop-session-long"]) == 20


def test_a_time_that_does_not_exist(tmp_path: Path):
    text = WORKSHOP.replace("date: 2027-03-14", "date: 2027-03-28").replace('start: "13:00"', 'start: "01:30"')
    d = one(diagnostics_for(tmp_path, text), "workshop-local-time")
    assert "does not exist on 2027-03-28 in Europe/London" in d.message


def test_times_are_never_read_as_numbers(tmp_path: Path):
    workshop, found = load_workshop(write_workshop(tmp_path, WORKSHOP.replace('"13:00"', "13:00")), today=TODAY)
    assert found == [] and workshop.sessions[0].start.hour == 13


def test_the_schedule_fits_the_session(tmp_path: Path):
    workshop, _ = load_workshop(write_workshop(tmp_path), today=TODAY)
    table = fit(workshop)
    assert table.diagnostics == []
    rows = [(r.kind, r.title, r.start.strftime("%H:%M"), r.end.strftime("%H:%M")) for r in table.rows]
    assert rows == [("episode", "Introduction", "13:00", "13:35"), ("episode", "Methods", "13:35", "14:05"),
                    ("break", "Coffee", "14:05", "14:20"), ("episode", "Pitfalls", "14:20", "15:05")]
