"""Fitting the chosen episodes (and their schedule's breaks) into the workshop's sessions.

Each lesson contributes, in order, the episodes of its named schedule (with the
schedule's breaks and self-study sections left out) or the episodes listed in the
workshop file. Episodes are placed one after the other in the sessions' teaching time
(a session minus its fixed breaks). An episode that does not fit in what is left of a
session is split at a section boundary when it has time marks (the rest is "continued"
in the next session), otherwise it moves to the next session. A schedule break that
would fall at the end of a session is dropped: the gap between sessions is the break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.model import Page
from lessonkit.schedules import episode_times, lesson_schedules
from lessonkit.workshop.load import display
from lessonkit.workshop.model import LessonChoice, Session, Workshop


@dataclass
class Row:
    kind: str  # "episode" | "break" (a schedule's break) | "session-break" (a fixed break of the session)
    title: str
    start: datetime  # aware, in the session's time zone
    end: datetime
    session: Session
    choice: LessonChoice | None = None
    page: Page | None = None
    continued: bool = False  # the second or later part of an episode split across sessions
    sections: list[str] = field(default_factory=list)  # section ids taught in this part (when marked)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass
class Unit:
    kind: str  # "episode" | "break"
    title: str
    parts: list[tuple[str, int]]  # (section id, minutes); one ("", minutes) part when unmarked
    choice: LessonChoice
    page: Page | None = None
    source_line: int = 0

    @property
    def minutes(self) -> int:
        return sum(m for _, m in self.parts)


@dataclass
class Timetable:
    rows: list[Row]
    diagnostics: list[Diagnostic]
    needed: int  # minutes of episodes and schedule breaks
    available: int  # minutes of teaching time in the sessions

    def for_session(self, session: Session) -> list[Row]:
        return [row for row in self.rows if row.session is session]


def units(choice: LessonChoice) -> list[Unit]:
    found: list[Unit] = []
    lesson = choice.lesson
    if choice.schedule:
        schedule = next(s for s in lesson_schedules(lesson) if s.id == choice.schedule)
        for entry in schedule.entries:
            if hasattr(entry, "file"):
                if entry.page is None:
                    continue
                parts = [(s.id, s.minutes) for s in entry.live] if entry.marked else [("", entry.minutes)]
                found.append(Unit("episode", entry.page.title, [p for p in parts if p[1] > 0] or [("", 0)], choice,
                                  entry.page, entry.line))
            else:
                found.append(Unit("break", entry.title, [("", entry.minutes)], choice, None, entry.line))
        return found
    pages = {p.source.removeprefix("episodes/"): p for p in lesson.episodes}
    for name in choice.episodes:
        page = pages[name]
        times = episode_times(page)
        parts = [(s.id, s.minutes) for s in times.sections] if times.marked else [("", page.minutes)]
        found.append(Unit("episode", page.title, [p for p in parts if p[1] > 0] or [("", 0)], choice, page))
    return found


def fit(workshop: Workshop) -> Timetable:
    """The workshop's timetable, with a diagnostic when the episodes do not fit."""
    windows, fixed = _windows(workshop)
    available = sum(_span(b, e) for _, b, e in windows)
    queue = [u for choice in workshop.lessons for u in units(choice)]
    needed = sum(u.minutes for u in queue)
    packer = _Packer(windows)
    overflow = packer.place(queue)
    rows = packer.rows
    diagnostics: list[Diagnostic] = []
    name = display(workshop.path)
    if overflow is not None:
        placed = sum(r.minutes for r in rows if r.kind != "session-break")
        diagnostics.append(_overflow(name, overflow, windows, needed, available, placed))
    used = {id(r.session) for r in rows}
    empty = [s for s in workshop.sessions if id(s) not in used]
    if overflow is None and empty:
        diagnostics.append(_unused(name, empty, needed))
    rows.extend(fixed)
    rows.sort(key=lambda r: (r.start, r.kind != "session-break"))
    return Timetable(rows, diagnostics, needed, available)


Window = tuple[Session, datetime, datetime]


def _span(begin: datetime, end: datetime) -> int:
    return int((end - begin).total_seconds() // 60)


def _windows(workshop: Workshop) -> tuple[list[Window], list[Row]]:
    """The sessions' stretches of teaching time, and their fixed breaks as rows."""
    windows: list[Window] = []
    fixed: list[Row] = []
    for session in workshop.sessions:
        for begin, end in session.windows():
            windows.append((session, begin, end))
        for pause in session.breaks:
            begin = session.at(pause.start)
            fixed.append(Row("session-break", pause.title, begin, begin + timedelta(minutes=pause.minutes), session))
    return windows, fixed


class _Packer:
    """Places units one after the other in the windows; the first unit that does not fit stops it."""

    def __init__(self, windows: list[Window]) -> None:
        self.windows = windows
        self.rows: list[Row] = []
        self.index = 0  # current window
        self.cursor = windows[0][1] if windows else None

    def left(self) -> int:
        return _span(self.cursor, self.windows[self.index][2])

    def at_start(self) -> bool:
        return self.cursor == self.windows[self.index][1]

    def next_window(self) -> bool:
        self.index += 1
        if self.index >= len(self.windows):
            return False
        self.cursor = self.windows[self.index][1]
        return True

    def place(self, queue: list[Unit]) -> Unit | None:
        """Place every unit; return the first one that does not fit (None when all fit)."""
        for unit in queue:
            if self.index >= len(self.windows):
                return unit
            if unit.kind == "break":
                self.place_break(unit)
                continue
            if not self.place_episode(unit):
                return unit
            if self.index < len(self.windows) and self.left() == 0:
                self.next_window()
        return None

    def place_break(self, unit: Unit) -> None:
        """A schedule's break, dropped at the start of a window (the gap between sessions is the break)."""
        if not self.at_start() and self.left() >= unit.minutes:
            end = self.cursor + timedelta(minutes=unit.minutes)
            self.rows.append(Row("break", unit.title, self.cursor, end, self.windows[self.index][0], unit.choice))
            self.cursor = end

    def place_episode(self, unit: Unit) -> bool:
        """An episode, split at section boundaries across windows when it has to; False when it does not fit."""
        parts = list(unit.parts)
        continued = False
        while parts:
            fits = self.fitting(parts)
            if not fits:
                if self.at_start():
                    return False  # nothing fits even in an empty window: this part is longer than the window
                if not self.next_window():
                    return False
                continue
            end = self.cursor + timedelta(minutes=sum(m for _, m in fits))
            self.rows.append(Row("episode", unit.title, self.cursor, end, self.windows[self.index][0], unit.choice,
                                 unit.page, continued, [s for s, _ in fits if s]))
            self.cursor = end
            parts = parts[len(fits):]
            continued = True
            if parts and not self.next_window():
                return False
        return True

    def fitting(self, parts: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """The leading parts that fit in what is left of the window (all of them, or whole sections)."""
        room = self.left()
        if sum(m for _, m in parts) <= room:
            return parts
        fits: list[tuple[str, int]] = []
        if len(parts) > 1:
            total = 0
            for part in parts:
                if total + part[1] > room:
                    break
                fits.append(part)
                total += part[1]
        return fits


def _overflow(name: str, overflow: Unit, windows: list[Window], needed: int, available: int,
              placed: int) -> Diagnostic:
    source = overflow.page.source if overflow.page else ""
    lesson_name = overflow.choice.name
    longest = max((_span(b, e) for _, b, e in windows), default=0)
    too_long = [m for _, m in overflow.parts if m > longest]
    if too_long:
        message = (f"'{overflow.title}' ({lesson_name}, {source}) has a part of {too_long[0]} minutes, longer than "
                   f"any stretch of teaching time in the sessions ({longest} minutes)")
    else:
        over = f"{needed - available} minutes too many" if needed > available else \
            "time is lost where an episode without time marks cannot be split across sessions"
        message = (f"the chosen episodes do not fit: they need {needed} minutes (teaching, exercises and the "
                   f"schedule's breaks) and the sessions hold {available} ({over}); '{overflow.title}' "
                   f"({lesson_name}, {source}) is the first episode that does not fit, with "
                   f"{needed - placed} minutes left over from it on")
    return Diagnostic(
        name, overflow.choice.line, overflow.choice.column, "workshop-schedule-overflow", Severity.ERROR, message,
        "Add a session or lengthen one, choose a shorter named schedule, or leave sections to self-study "
        "('self_study:' in the lesson's schedule).")


def _unused(name: str, empty: list[Session], needed: int) -> Diagnostic:
    numbers = ", ".join(str(s.index + 1) for s in empty)
    return Diagnostic(
        name, empty[0].line, empty[0].column, "workshop-sessions-unused", Severity.WARNING,
        f"the chosen episodes need {needed} minutes and are over before session{'s' if len(empty) > 1 else ''} "
        f"{numbers}, which {'are' if len(empty) > 1 else 'is'} left empty",
        "Remove the empty sessions, or choose more episodes (a longer schedule).")
