"""What a workshop file describes, once read and checked (see docs/workshops.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lessonkit.model import Lesson


@dataclass
class Person:
    name: str
    orcid: str = ""  # https://orcid.org/0000-0000-0000-0000 (normalised)
    affiliation: str = ""
    email: str = ""


@dataclass
class SessionBreak:
    start: time
    minutes: int
    title: str = "Break"
    line: int = 0


@dataclass
class Session:
    index: int  # 0-based position in the file
    date: date
    start: time
    end: time
    timezone: str
    title: str = ""
    breaks: list[SessionBreak] = field(default_factory=list)
    line: int = 0
    column: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.date, self.start, self.zone)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.date, self.end, self.zone)

    @property
    def minutes(self) -> int:
        """Elapsed minutes (a session across a daylight-saving change is an hour shorter or longer)."""
        return int((self.end_at - self.start_at).total_seconds() // 60)

    def at(self, wall: time) -> datetime:
        return datetime.combine(self.date, wall, self.zone)

    def windows(self) -> list[tuple[datetime, datetime]]:
        """The session's teaching time: from start to end with the fixed breaks cut out (UTC-safe)."""
        windows: list[tuple[datetime, datetime]] = []
        cursor = self.start_at
        for pause in sorted(self.breaks, key=lambda b: b.start):
            begin = self.at(pause.start)
            if begin > cursor:
                windows.append((cursor, begin))
            cursor = max(cursor, begin + timedelta(minutes=pause.minutes))
        if self.end_at > cursor:
            windows.append((cursor, self.end_at))
        return windows


@dataclass
class LessonChoice:
    index: int
    reference: str  # the path or catalogue name as written
    root: Path
    lesson: Lesson
    schedule: str | None = None  # named schedule id
    episodes: list[str] = field(default_factory=list)  # episode file names when there is no schedule
    line: int = 0
    column: int = 0

    @property
    def name(self) -> str:
        return self.root.name


@dataclass
class Registration:
    url: str = ""
    opens: date | None = None
    closes: date | None = None


@dataclass
class Workshop:
    path: Path
    title: str
    slug: str
    lessons: list[LessonChoice]
    sessions: list[Session]
    contact_email: str
    code_of_conduct: str
    contact_name: str = ""
    description: str = ""
    language: str = "en"
    audience: str = ""
    prerequisites: list[str] = field(default_factory=list)
    venue: dict[str, Any] | None = None  # name, address, latitude, longitude, directions
    online: dict[str, Any] | None = None  # url, platform
    instructors: list[Person] = field(default_factory=list)
    helpers: list[Person] = field(default_factory=list)
    capacity: int | None = None
    registration: Registration = field(default_factory=Registration)
    surveys: dict[str, str] = field(default_factory=dict)  # pre, post
    notes: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # the file as read

    @property
    def first_start(self) -> datetime:
        return min(s.start_at for s in self.sessions)

    @property
    def last_end(self) -> datetime:
        return max(s.end_at for s in self.sessions)

    @property
    def timezones(self) -> list[str]:
        return sorted({s.timezone for s in self.sessions})
