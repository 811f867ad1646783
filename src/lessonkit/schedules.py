"""Named schedules and time marks: how long each part of a lesson takes, and which parts
a given format (say, a three-hour live masterclass) teaches live.

Time marks, in episodes:

* a level-2 heading may carry its teaching minutes: ``## Heading {minutes=10}``;
* a challenge or discussion block carries its exercise minutes:
  ``::: {.challenge minutes=5}`` (``block.attrs["minutes"]``).

A *section* is a level-2 heading and everything up to the next one (the text before the
first heading is a section too, with the id ``""``). A section's time is its teaching mark
plus the minutes of the challenges and discussions inside it. An episode with time marks
takes the sum of its sections' times; one without takes its front matter's
``teaching + exercises``.

Named schedules, in a Workbench lesson's ``config.yaml``::

    schedules:
      masterclass-3h:
        title: "Three-hour live masterclass"
        description: "One afternoon; the rest is self-study."
        episodes:
          - 01-introduction.md
          - file: 03-leakage.md
            self_study: [going-further]     # level-2 section ids left to self-study
        breaks:
          - after: 03-leakage.md
            minutes: 15
            title: "Break"

:func:`lesson_schedules` computes each schedule's start and end minutes (from the start of
the schedule) per episode and break; :func:`teaching_runs` splits an episode into the runs
of teaching between challenges, for the rule "a challenge at least every
:data:`MAX_TEACHING_RUN` minutes of teaching" (docs/workshops.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.markdown import linear
from lessonkit.markdown.attributes import split_trailing_attributes
from lessonkit.markdown.fences import code_mask
from lessonkit.markdown.parser import slugify
from lessonkit.model import Block, Lesson, Markdown, Page

TIMED_BLOCKS = ("challenge", "discussion")
MAX_TEACHING_RUN = 20  # minutes of teaching after which a challenge is due
MAX_MINUTES = 24 * 60
SCHEDULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ATX2 = linear.AtxOfLevel(2)  # the regex it replaced was quadratic in runs of spaces (issue #11)


# -- time marks in episodes -------------------------------------------------------------------

@dataclass
class TimedBlock:
    kind: str
    title: str
    line: int
    minutes: int | None  # None when the block carries no mark
    path: str


@dataclass
class Section:
    id: str  # "" for the text before the first level-2 heading
    title: str
    line: int
    path: str
    teaching: int | None = None  # the heading's mark
    blocks: list[TimedBlock] = field(default_factory=list)

    @property
    def exercises(self) -> int:
        return sum(b.minutes or 0 for b in self.blocks)

    @property
    def minutes(self) -> int:
        return (self.teaching or 0) + self.exercises

    @property
    def marked(self) -> bool:
        return self.teaching is not None or any(b.minutes is not None for b in self.blocks)


@dataclass
class EpisodeTimes:
    page: Page
    sections: list[Section]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def marked(self) -> bool:
        """Whether the episode has any time mark (then its sections' times are its time)."""
        return any(s.marked for s in self.sections)

    def minutes(self, leave_out: set[str] = frozenset()) -> int:
        if not self.marked:
            return self.page.minutes
        return sum(s.minutes for s in self.sections if s.id not in leave_out)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id and s.id), None)


def _minutes_value(value: str, path: str, line: int, column: int, what: str,
                   diagnostics: list[Diagnostic]) -> int | None:
    text = value.strip()
    if not re.fullmatch(r"\d+", text) or int(text) > MAX_MINUTES:
        diagnostics.append(Diagnostic(
            path, line, column, "schedule-minutes", Severity.ERROR,
            f"the time mark of {what} is minutes={value!r}, which is not a whole number of minutes",
            "Write the minutes as a whole number, e.g. {minutes=10}."))
        return None
    return int(text)


def episode_times(page: Page) -> EpisodeTimes:
    """The sections of ``page`` (level-2 headings outside blocks) with their time marks."""
    diagnostics: list[Diagnostic] = []
    intro = Section("", "", 1, page.source)
    sections = [intro]
    used: dict[str, int] = {}

    def add_heading(raw: str, content: str, line: int, path: str) -> None:
        title, attrs = split_trailing_attributes(content)
        base = attrs.id if attrs and attrs.id else slugify(_plain(title))
        number = used.get(base, 0)
        used[base] = number + 1
        section = Section(base if number == 0 else f"{base}-{number}", title, line, path)
        if attrs and "minutes" in attrs.pairs:
            column = raw.find("minutes") + 1
            section.teaching = _minutes_value(attrs.pairs["minutes"], path, line, column,
                                              f"section '{title}'", diagnostics)
        sections.append(section)

    for node in page.body:
        if isinstance(node, Markdown):
            path = node.source or page.source
            lines = node.text.split("\n")
            for offset, (raw, code) in enumerate(zip(lines, code_mask(lines), strict=True)):
                if code:  # the one fence definition (markdown/fences.py)
                    continue
                heading = _ATX2.match(raw) if raw.lstrip().startswith("##") else None
                if heading:
                    add_heading(raw, (heading.group(1) or "").strip(), node.line + offset, path)
        elif isinstance(node, Block):
            for block in [node, *node.descendants()]:
                if block.kind not in TIMED_BLOCKS:
                    if "minutes" in block.attrs:
                        diagnostics.append(Diagnostic(
                            block.source or page.source, block.line, 1, "schedule-minutes", Severity.WARNING,
                            f"a '{block.kind or 'div'}' block carries minutes={block.attrs['minutes']!r}, "
                            "but only challenges and discussions count towards a schedule",
                            "Put the minutes on the section's heading, '## Heading {minutes=N}'."))
                    continue
                minutes = None
                if "minutes" in block.attrs:
                    minutes = _minutes_value(block.attrs["minutes"], block.source or page.source, block.line, 1,
                                             f"the {block.kind} '{block.title or block.kind}'", diagnostics)
                sections[-1].blocks.append(TimedBlock(block.kind, block.title or block.kind, block.line, minutes,
                                                      block.source or page.source))
    if not intro.blocks and intro.teaching is None:
        sections.remove(intro)
    return EpisodeTimes(page, sections, diagnostics)


def _plain(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[`*_]", "", text)


@dataclass
class Run:
    """A stretch of teaching in one episode with no challenge in it."""

    path: str
    minutes: int  # teaching minutes in the run
    start_line: int  # line of the first section of the run
    sections: list[str]  # ids of the sections it spans
    challenge_line: int | None  # line of the challenge that ends it (None: the run ends the episode)


def teaching_runs(page: Page, leave_out: set[str] = frozenset()) -> list[Run]:
    """Teaching minutes between challenges, from the headings' time marks.

    A section's teaching is taken to come before the challenges inside it, so a section
    ``## Topic {minutes=15}`` that ends with a challenge is one run of 15 minutes that the
    challenge closes. Discussions do not close a run (they are not an assessment).
    Sections in ``leave_out`` (self-study in a schedule) are skipped."""
    runs: list[Run] = []
    current: Run | None = None
    for section in episode_times(page).sections:
        if section.id in leave_out and section.id:
            continue
        if current is None:
            current = Run(section.path, 0, section.line, [], None)
        current.minutes += section.teaching or 0
        current.sections.append(section.id)
        for block in section.blocks:
            if block.kind == "challenge":
                current.challenge_line = block.line
                runs.append(current)
                current = Run(section.path, 0, block.line, [section.id], None)
    if current is not None and (current.minutes or not runs):
        runs.append(current)
    return runs


# -- named schedules ----------------------------------------------------------------------------

@dataclass
class ScheduleItem:
    file: str  # as written in config.yaml, e.g. "01-introduction.md"
    page: Page | None
    start: int = 0  # minutes from the start of the schedule
    end: int = 0
    live: list[Section] = field(default_factory=list)
    self_study: list[Section] = field(default_factory=list)
    line: int = 0
    marked: bool = False  # whether the times come from time marks (else from the front matter)

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def title(self) -> str:
        return self.page.title if self.page else self.file

    @property
    def slug(self) -> str:
        return self.page.slug if self.page else ""


@dataclass
class Break:
    after: str
    minutes: int
    title: str = "Break"
    start: int = 0
    end: int = 0
    line: int = 0


@dataclass
class Schedule:
    id: str
    title: str
    description: str = ""
    items: list[ScheduleItem] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    line: int = 0

    @property
    def entries(self) -> list[ScheduleItem | Break]:
        """Episodes and breaks in the order they happen."""
        return sorted([*self.items, *self.breaks], key=lambda e: (e.start, isinstance(e, ScheduleItem), e.end))

    @property
    def minutes(self) -> int:
        return max((e.end for e in self.entries), default=0)

    @property
    def live_minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    @property
    def break_minutes(self) -> int:
        return sum(b.minutes for b in self.breaks)

    def self_study_pages(self, lesson: Lesson) -> list[Page]:
        """Episodes of the lesson that the schedule does not teach live at all."""
        chosen = {item.page.source for item in self.items if item.page is not None}
        return [page for page in lesson.episodes if page.source not in chosen]


def _config_positions(lesson: Lesson):
    from lessonkit.workshop.yamlnodes import Located, YAMLProblem, load

    try:
        text = (Path(lesson.root) / "config.yaml").read_text(encoding="utf-8", errors="replace")
        return load(text)
    except (OSError, YAMLProblem):
        return Located()


def lesson_schedules(lesson: Lesson) -> list[Schedule]:
    """Every named schedule of ``lesson`` with its computed times and its diagnostics."""
    raw = lesson.config.extra.get("schedules")
    if raw is None:
        return []
    reader = _ScheduleReader(lesson)
    if not isinstance(raw, dict):
        return [Schedule("", "", diagnostics=[reader.diag(
            ("schedules",), "schedule-syntax", "'schedules' must map schedule ids to schedules",
            "Write 'schedules:' then, indented, 'masterclass-3h:' with 'title:', 'episodes:' and 'breaks:'.")])]
    return [reader.schedule(schedule_id, body) for schedule_id, body in raw.items()]


class _ScheduleReader:
    """Reads the ``schedules:`` of one lesson's config.yaml, one schedule at a time, with diagnostics."""

    def __init__(self, lesson: Lesson) -> None:
        self.where = _config_positions(lesson)
        self.times_cache: dict[str, EpisodeTimes] = {}
        self.episodes = {page.source.removeprefix("episodes/"): page for page in lesson.episodes}
        self.problems: list[Diagnostic] = []

    def diag(self, path: tuple, rule: str, message: str, fix: str, severity: Severity = Severity.ERROR,
             key: bool = False) -> Diagnostic:
        line, column = self.where.key_at(*path) if key else self.where.at(*path)
        return Diagnostic("config.yaml", line, column, rule, severity, message, fix)

    def problem(self, *args: Any, **kwargs: Any) -> None:
        self.problems.append(self.diag(*args, **kwargs))

    def schedule(self, schedule_id: Any, body: Any) -> Schedule:
        base = ("schedules", schedule_id)
        schedule = Schedule(str(schedule_id), str(schedule_id), line=self.where.key_at(*base)[0])
        self.problems = schedule.diagnostics
        if not SCHEDULE_ID.match(str(schedule_id)):
            self.problem(base, "schedule-syntax", f"schedule id {schedule_id!r} is not a simple name",
                         "Use letters, digits, '-', '_' and '.', e.g. 'masterclass-3h'.", key=True)
        if not isinstance(body, dict):
            self.problem(base, "schedule-syntax", f"schedule '{schedule_id}' must be a mapping",
                         "Give it 'title:', 'episodes:' and optionally 'breaks:' and 'description:'.")
            return schedule
        self.header(schedule, base, body)
        self.episode_entries(schedule, base, body)
        self.breaks(schedule, base, body)
        _compute(schedule)
        return schedule

    def header(self, schedule: Schedule, base: tuple, body: dict) -> None:
        """Unknown keys, the title and the description."""
        for key in body:
            if key not in ("title", "description", "episodes", "breaks"):
                self.problem((*base, key), "schedule-syntax", f"schedule '{schedule.id}' has an unknown key '{key}'",
                             "Known keys: title, description, episodes, breaks.", Severity.WARNING, key=True)
        if isinstance(body.get("title"), str) and body["title"].strip():
            schedule.title = body["title"].strip()
        else:
            self.problem(base, "schedule-syntax", f"schedule '{schedule.id}' has no title",
                         "Add 'title: \"Three-hour live masterclass\"' (what a coordinator reads).",
                         Severity.WARNING, key=True)
        if isinstance(body.get("description"), str):
            schedule.description = body["description"].strip()

    def episode_entries(self, schedule: Schedule, base: tuple, body: dict) -> None:
        entries = body.get("episodes")
        if not isinstance(entries, list) or not entries:
            self.problem((*base, "episodes") if "episodes" in body else base, "schedule-syntax",
                         f"schedule '{schedule.id}' lists no episodes",
                         "Add 'episodes:' followed by lines such as '- 01-introduction.md'.",
                         key="episodes" not in body)
            entries = []
        seen: set[str] = set()
        for position, entry in enumerate(entries):
            item = self.episode_entry(schedule, (*base, "episodes", position), position, entry, seen)
            if item is not None:
                schedule.items.append(item)

    def episode_entry(self, schedule: Schedule, path: tuple, position: int, entry: Any,
                      seen: set[str]) -> ScheduleItem | None:
        """One entry of ``episodes:`` (a file name, or ``file:`` with ``self_study:``)."""
        leave: Any = []
        if isinstance(entry, dict):
            name = entry.get("file")
            leave = entry.get("self_study", [])
            for key in entry:
                if key not in ("file", "self_study"):
                    self.problem((*path, key), "schedule-syntax", f"unknown key '{key}' in an episode entry",
                                 "An entry has 'file:' and optionally 'self_study:'.", Severity.WARNING, key=True)
        else:
            name = entry
        if not isinstance(name, str) or not name.strip():
            self.problem(path, "schedule-syntax", f"entry {position + 1} of schedule '{schedule.id}' "
                         "names no episode file", "Write '- 01-introduction.md' or '- file: 01-introduction.md'.")
            return None
        name = name.strip().removeprefix("episodes/")
        page = self.episodes.get(name)
        file_path = (*path, "file") if isinstance(entry, dict) else path
        if page is None:
            hint = _close_match(name, list(self.episodes))
            self.problem(file_path, "schedule-unknown-episode",
                         f"schedule '{schedule.id}' lists {name}, which is not an episode of the lesson",
                         (f"Did you mean {hint}? " if hint else "") + "Use a file name from 'episodes:' in config.yaml.")
            return None
        if name in seen:
            self.problem(file_path, "schedule-syntax", f"{name} is listed twice in schedule '{schedule.id}'",
                         "Remove the second entry.")
            return None
        seen.add(name)
        times = self.times_cache.get(page.source) or self.times_cache.setdefault(page.source, episode_times(page))
        left = self.self_study(path, name, times, leave)
        item = ScheduleItem(name, page, line=self.where.at(*path)[0], marked=times.marked,
                            live=[s for s in times.sections if s.id not in left],
                            self_study=[s for s in times.sections if s.id in left])
        item.end = times.minutes(left)
        if not item.end:
            self.problem(file_path, "schedule-no-time",
                         f"{name} has no time: neither time marks nor 'teaching:'/'exercises:' in its "
                         "front matter", "Add 'teaching: 20' and 'exercises: 10' to its front matter, "
                         "or time marks to its sections.", Severity.WARNING)
        return item

    def self_study(self, path: tuple, name: str, times: EpisodeTimes, leave: Any) -> set[str]:
        """The ids of the sections ``self_study:`` leaves out of the live schedule."""
        if isinstance(leave, str):
            leave = [leave]
        if not isinstance(leave, list):
            self.problem((*path, "self_study"), "schedule-syntax", "'self_study' must be a list of section ids",
                         "Write 'self_study: [going-further]'.")
            leave = []
        left: set[str] = set()
        for index, section_id in enumerate(leave):
            section = times.section(str(section_id)) if isinstance(section_id, str) else None
            if section is None:
                ids = [s.id for s in times.sections if s.id]
                hint = _close_match(str(section_id), ids)
                self.problem((*path, "self_study", index), "schedule-unknown-section",
                             f"{name} has no level-2 section with the id {section_id!r}",
                             (f"Did you mean '{hint}'? " if hint else "")
                             + f"Section ids of {name}: {', '.join(ids) or 'none'}.")
                continue
            if not times.marked:
                self.problem((*path, "self_study", index), "schedule-self-study-unmarked",
                             f"{name} has no time marks, so the time of section '{section_id}' cannot be "
                             "left out of the schedule",
                             "Give the episode's level-2 headings their minutes, '## Heading {minutes=10}'.")
            left.add(section.id)
        return left

    def breaks(self, schedule: Schedule, base: tuple, body: dict) -> None:
        breaks = body.get("breaks", []) or []
        if not isinstance(breaks, list):
            self.problem((*base, "breaks"), "schedule-syntax", "'breaks' must be a list",
                         "Write '- after: 02-workflow.md' and 'minutes: 15' for each break.")
            breaks = []
        listed = {item.file for item in schedule.items}
        for position, entry in enumerate(breaks):
            found = self.break_entry(schedule, (*base, "breaks", position), entry, listed)
            if found is not None:
                schedule.breaks.append(found)

    def break_entry(self, schedule: Schedule, path: tuple, entry: Any, listed: set[str]) -> Break | None:
        if not isinstance(entry, dict):
            self.problem(path, "schedule-syntax", "a break must have 'after:' and 'minutes:'",
                         "Write '- after: 02-workflow.md' and, indented below it, 'minutes: 15'.")
            return None
        after = entry.get("after")
        after = after.strip().removeprefix("episodes/") if isinstance(after, str) else after
        minutes = entry.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_MINUTES:
            self.problem((*path, "minutes") if "minutes" in entry else path, "schedule-minutes",
                         f"the break's minutes is {minutes!r}, not a positive whole number",
                         "Write 'minutes: 15'.")
            return None
        if not isinstance(after, str) or after not in listed:
            self.problem((*path, "after") if "after" in entry else path, "schedule-unknown-episode",
                         f"the break comes after {after!r}, which schedule '{schedule.id}' does not teach",
                         f"Use one of: {', '.join(sorted(listed)) or 'the episodes listed above'}.")
            return None
        title = entry.get("title") if isinstance(entry.get("title"), str) and entry["title"].strip() else "Break"
        return Break(after, minutes, title.strip(), line=self.where.at(*path)[0])


def _close_match(word: str, choices: list[str]) -> str | None:
    import difflib

    hint = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return hint[0] if hint else None


def _compute(schedule: Schedule) -> None:
    clock = 0
    for item in schedule.items:
        length = item.end
        item.start, item.end = clock, clock + length
        clock = item.end
        for pause in schedule.breaks:
            if pause.after == item.file:
                pause.start, pause.end = clock, clock + pause.minutes
                clock = pause.end


def schedule_diagnostics(lesson: Lesson) -> list[Diagnostic]:
    """Every problem with the lesson's schedules and time marks (for ``lessonkit check``)."""
    found: list[Diagnostic] = []
    for schedule in lesson_schedules(lesson):
        found.extend(schedule.diagnostics)
    for page in lesson.episodes:
        found.extend(episode_times(page).diagnostics)
    seen: set = set()
    return [d for d in found if not (d in seen or seen.add(d))]


def clock(minutes: int) -> str:
    """``95`` -> ``"01:35"`` (time from the start of a schedule)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
