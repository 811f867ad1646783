"""``lessonkit workshop new``: a workshop file for a bundled masterclass that checks cleanly."""

from __future__ import annotations

import math
import os
from datetime import date, datetime, timedelta
from pathlib import Path

from lessonkit.readers import detect_format, read_lesson
from lessonkit.schedules import episode_times, lesson_schedules

SESSION_MINUTES = 180


def _next_weekday(start: date, weekday: int = 1) -> date:  # Tuesday
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def workshop_text(lesson_root: Path, target: Path, schedule: str | None, timezone: str, sessions: int,
                  today: date, minutes: int) -> str:
    lesson = read_lesson(lesson_root)
    first = _next_weekday(today + timedelta(days=42))
    lines = [
        "# A workshop file: lessonkit workshop check FILE, then lessonkit workshop build FILE --out DIR.",
        "# The format is described in docs/workshops.md.",
        f"title: {_quote(lesson.config.title + (' (live masterclass)' if schedule else ''))}",
        f"slug: {lesson_root.name}-{first:%Y-%m}",
        "description: >",
        f"  {lesson.config.title}, taught live"
        + (f" following the lesson's '{schedule}' schedule." if schedule else ".")
        + " Replace this with what learners should know about this run.",
        "language: en",
        'audience: "Group leaders and senior researchers in the biomedical sciences"',
        "prerequisites:",
        '  - "No programming experience is needed."',
        "lessons:",
        _lesson_entry(lesson_root, target),
        f"    schedule: {schedule}" if schedule else "    # schedule: <a named schedule of the lesson>",
        "sessions:",
        *_sessions(first, sessions, minutes, timezone),
        *_EXAMPLE_DETAILS,
        f"  opens: {today.isoformat()}",
        f"  closes: {(first - timedelta(days=7)).isoformat()}",
        *_EXAMPLE_LINKS,
    ]
    return "\n".join(lines) + "\n"


def _lesson_entry(lesson_root: Path, target: Path) -> str:
    """The lesson as the workshop file names it: a bundled lesson by name, else its path (relative when near)."""
    from lessonkit.workshop.load import bundled_lessons

    bundled = bundled_lessons()
    relative = os.path.relpath(lesson_root.resolve(), target.parent.resolve())
    if bundled is not None and lesson_root.resolve().parent == bundled.resolve():
        return f"  - lesson: {lesson_root.name}   # a bundled masterclass"
    if relative.startswith("../../.."):
        return f"  - path: {lesson_root.resolve()}"
    return f"  - path: {relative}"


def _sessions(first: date, sessions: int, minutes: int, timezone: str) -> list[str]:
    """Weekly sessions long enough for ``minutes`` of teaching (afternoons when they are short)."""
    per_session = min(SESSION_MINUTES, math.ceil(minutes / sessions / 15) * 15 + 15)
    start = datetime(2000, 1, 1, 13, 0) if per_session <= 4 * 60 else datetime(2000, 1, 1, 9, 30)
    end = start + timedelta(minutes=per_session)
    lines: list[str] = []
    for number in range(sessions):
        day = first + timedelta(days=7 * number)
        lines += [f"  - date: {day.isoformat()}", f'    start: "{start:%H:%M}"', f'    end: "{end:%H:%M}"',
                  f"    timezone: {timezone}"]
    return lines


#: The example values a new workshop file starts with (up to the registration dates, and after them).
_EXAMPLE_DETAILS = (
    "online:",
    "  url: https://example.org/replace-with-your-meeting-link",
    "  platform: Video call",
    "# or, for a room:",
    "# venue:",
    '#   name: "Seminar room"',
    '#   address: "Street, City"',
    "#   latitude: 51.5",
    "#   longitude: -0.12",
    "instructors:",
    '  - name: "Instructor Name"',
    '    affiliation: "Your institute"',
    "helpers: []",
    "contact:",
    '  name: "Workshop organisers"',
    "  email: workshops@example.org",
    "capacity: 24",
    "registration:",
    "  url: https://example.org/register",
)
_EXAMPLE_LINKS = (
    "code_of_conduct: https://docs.carpentries.org/policies/coc/",
    "surveys:",
    "  pre: https://example.org/pre-workshop-survey",
    "  post: https://example.org/post-workshop-survey",
    "notes: https://example.org/collaborative-notes",
)


def minutes_needed(lesson_root: Path, schedule: str | None) -> int:
    lesson = read_lesson(lesson_root)
    if schedule:
        found = next((s for s in lesson_schedules(lesson) if s.id == schedule), None)
        if found is not None:
            return found.minutes
    return sum(episode_times(p).minutes() for p in lesson.episodes)


def masterclasses(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir()) if p.is_dir() and detect_format(p)]


def default_schedule(lesson_root: Path) -> str | None:
    """The lesson's three-hour schedule (an id with '3h'), else its first named schedule."""
    schedules = [s for s in lesson_schedules(read_lesson(lesson_root)) if not s.diagnostics]
    preferred = [s for s in schedules if "3h" in s.id or "three" in s.title.lower()]
    chosen = (preferred or schedules or [None])[0]
    return chosen.id if chosen else None
