"""Reading and checking a workshop file: every mistake becomes a diagnostic with
file:line:column, what is wrong and how to fix it (never an exception)."""

from __future__ import annotations

import difflib
import itertools
import json
import os
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.workshop.model import LessonChoice, Person, Registration, Session, SessionBreak, Workshop
from lessonkit.workshop.yamlnodes import Located, YAMLProblem, load

MAX_SESSION_MINUTES = 8 * 60
EXTRA_HINT = "pip install 'lessonkit[workshop]'"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def display(path: Path) -> str:
    """``path`` as the user would write it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of workshop files (shipped in the package)."""
    return json.loads(resources.files("lessonkit.workshop").joinpath("workshop.schema.json").read_text())


def bundled_lessons() -> Path | None:
    """The folder of the masterclasses that ship with lessonkit (its repository's lessons/)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "lessons", Path.cwd() / "lessons"):
        if candidate.is_dir():
            return candidate
    return None


class Loader:
    def __init__(self, path: Path, today: date | None, allow_past: bool):
        self.path = path
        self.name = display(path)
        self.today = today or date.today()
        self.allow_past = allow_past
        self.found: list[Diagnostic] = []
        self.where = Located()

    def add(self, at: tuple, rule: str, message: str, fix: str, severity: Severity = Severity.ERROR,
            key: bool = False) -> None:
        line, column = self.where.key_at(*at) if key else self.where.at(*at)
        self.found.append(Diagnostic(self.name, line, column, rule, severity, message, fix))

    # -- reading ------------------------------------------------------------------------------

    def run(self) -> Workshop | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.found.append(Diagnostic(self.name, 0, 0, "workshop-file", Severity.ERROR,
                                         f"there is no workshop file {self.name}",
                                         "Check the path, or create one with 'lessonkit workshop new'."))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
            self.found.append(Diagnostic(self.name, 0, 0, "workshop-file", Severity.ERROR,
                                         f"cannot read {self.name}: {reason}", "Save it as a UTF-8 text file."))
            return None
        try:
            self.where = load(text)
        except YAMLProblem as problem:
            self.found.append(Diagnostic(self.name, problem.line, problem.column, "workshop-yaml", Severity.ERROR,
                                         f"not valid YAML: {problem.message}",
                                         "Check the indentation and quoting here (quote values that contain ': ' "
                                         "or start with a special character)."))
            return None
        data = self.where.data
        if not isinstance(data, dict):
            self.add((), "workshop-schema", "a workshop file is a mapping of keys to values",
                     "Start from 'lessonkit workshop new', which writes a complete example.")
            return None
        self.validate(data)
        workshop = self.build(data)
        if any(d.severity is Severity.ERROR for d in self.found):
            return None
        return workshop

    def validate(self, data: dict) -> None:
        try:
            from jsonschema import Draft202012Validator
        except ImportError:
            self.add((), "workshop-extra", "checking workshop files needs the 'jsonschema' package",
                     f"Install the workshop extra: {EXTRA_HINT}.")
            return
        validator = Draft202012Validator(schema())
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            self.schema_error(error)

    def schema_error(self, error) -> None:
        at = tuple(error.absolute_path)
        where = ".".join(str(p) for p in at) or "the file"
        kind = error.validator
        if kind == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            name = missing[0] if missing else "a value"
            rule, fix = REQUIRED_FIXES.get(name, ("workshop-schema", f"Add '{name}:'."))
            self.add(at, rule, f"{'the workshop' if not at else where} has no '{name}'", fix, key=bool(at))
        elif kind == "additionalProperties":
            extra = re.findall(r"'([^']+)' (?:was|were) unexpected", error.message)
            names = extra if extra else re.findall(r"'([^']+)'", error.message.split("(")[-1])
            known = list((error.schema or {}).get("properties", {}))
            for name in names or ["?"]:
                hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                self.add((*at, name), "workshop-schema", f"unknown key '{name}' in {where}",
                         (f"Did you mean '{hint[0]}'? " if hint else "") + f"Known keys: {', '.join(known)}.",
                         key=True)
        elif at and at[-1] == "capacity":
            self.add(at, "workshop-capacity", f"capacity is {error.instance!r}: it must be a positive whole number",
                     "Write how many learners can take part, e.g. 'capacity: 30'.")
        elif at and at[0] == "contact":
            self.add(at, "workshop-contact", f"contact {error.instance!r} is not an e-mail address",
                     "Write 'contact: organiser@example.org' or 'contact: {name: ..., email: ...}'.")
        elif at and at[0] == "code_of_conduct":
            self.add(at, "workshop-code-of-conduct", f"code_of_conduct {error.instance!r} is not an address",
                     "Link to it, e.g. 'code_of_conduct: https://docs.carpentries.org/policies/coc/'.")
        elif kind == "oneOf" and len(at) == 2 and at[0] == "lessons":
            self.add(at, "workshop-schema", f"lesson {at[1] + 1} must have either 'path:' or 'lesson:' (not both)",
                     "Write '- path: ../intro-data-science-ai' (a folder) or '- lesson: intro-data-science-ai'.")
        elif kind == "not" and len(at) == 2 and at[0] == "lessons":
            self.add(at, "workshop-schema", f"lesson {at[1] + 1} has both 'schedule:' and 'episodes:'",
                     "Choose a named schedule, or list the episodes, not both.")
        else:
            expected = SHAPES.get(kind, "")
            self.add(at, "workshop-schema", f"{where}: {error.message}",
                     f"{expected}See the workshop file format in docs/workshops.md.".strip())

    # -- turning data into the model ----------------------------------------------------------

    def build(self, data: dict) -> Workshop:
        text = lambda key: data.get(key).strip() if isinstance(data.get(key), str) else ""  # noqa: E731
        sessions = self.sessions(data.get("sessions"))
        lessons = self.lessons(data.get("lessons"))
        contact = data.get("contact")
        contact_name, contact_email = "", ""
        if isinstance(contact, str):
            contact_email = contact.strip()
        elif isinstance(contact, dict):
            contact_name = str(contact.get("name") or "").strip()
            contact_email = str(contact.get("email") or "").strip()
        prerequisites = data.get("prerequisites") or []
        if isinstance(prerequisites, str):
            prerequisites = [prerequisites]
        if not isinstance(prerequisites, list):
            prerequisites = []
        registration = self.registration(data.get("registration"), sessions)
        if not isinstance(data.get("venue"), dict) and not isinstance(data.get("online"), dict):
            self.add((), "workshop-where", "the workshop has neither a 'venue:' nor an 'online:' link",
                     "Add 'venue:' (name, address, latitude, longitude) or 'online: {url: https://...}'.",
                     Severity.WARNING)
        return Workshop(
            path=self.path, title=text("title"), slug=text("slug"), lessons=lessons, sessions=sessions,
            contact_email=contact_email, contact_name=contact_name, code_of_conduct=text("code_of_conduct"),
            description=text("description"), language=text("language") or "en", audience=text("audience"),
            prerequisites=[str(p) for p in prerequisites if isinstance(p, str)],
            venue=data.get("venue") if isinstance(data.get("venue"), dict) else None,
            online=data.get("online") if isinstance(data.get("online"), dict) else None,
            instructors=self.people(data.get("instructors")), helpers=self.people(data.get("helpers")),
            capacity=data.get("capacity") if isinstance(data.get("capacity"), int) else None,
            registration=registration,
            surveys={k: v for k, v in (data.get("surveys") or {}).items() if isinstance(v, str)}
            if isinstance(data.get("surveys"), dict) else {},
            notes=text("notes"), data=data,
        )

    def people(self, value: Any) -> list[Person]:
        people = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                orcid = str(item.get("orcid") or "").strip()
                if orcid and not orcid.startswith("https://"):
                    orcid = "https://orcid.org/" + orcid
                people.append(Person(item["name"].strip(), orcid, str(item.get("affiliation") or "").strip(),
                                     str(item.get("email") or "").strip()))
        return people

    def day(self, value: Any, at: tuple, what: str) -> date | None:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not _DATE.match(value.strip()):
            self.add(at, "workshop-date", f"{what} is {value!r}, not a date written YYYY-MM-DD",
                     "Write the date as e.g. 2027-03-14.")
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            self.add(at, "workshop-date", f"{what} {value} is not a date of the calendar ({exc})",
                     "Check the day and month (e.g. February has 28 or 29 days).")
            return None

    def clock(self, value: Any, at: tuple, what: str) -> time | None:
        m = _TIME.match(value.strip()) if isinstance(value, str) else None
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            self.add(at, "workshop-time", f"{what} is {value!r}, not a time of day written HH:MM (00:00 to 23:59)",
                     "Write the time on the 24-hour clock in quotes, e.g. start: \"13:00\".")
            return None
        return time(int(m.group(1)), int(m.group(2)))

    def zone(self, value: Any, at: tuple) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

        if isinstance(value, str) and value.strip():
            try:
                ZoneInfo(value.strip())
                return value.strip()
            except (ZoneInfoNotFoundError, ValueError, OSError):
                pass
        hint = difflib.get_close_matches(str(value), sorted(available_timezones()), n=1, cutoff=0.5)
        self.add(at, "workshop-timezone", f"{value!r} is not an IANA time zone",
                 (f"Did you mean {hint[0]}? " if hint else "") + "Write a name such as Europe/London or America/New_York.")
        return None

    def sessions(self, value: Any) -> list[Session]:
        sessions: list[Session] = []
        for index, item in enumerate(value if isinstance(value, list) else []):
            if not isinstance(item, dict):
                continue
            at = ("sessions", index)
            day = self.day(item.get("date"), (*at, "date"), f"the date of session {index + 1}") \
                if "date" in item else None
            start = self.clock(item.get("start"), (*at, "start"), f"the start of session {index + 1}") \
                if "start" in item else None
            end = self.clock(item.get("end"), (*at, "end"), f"the end of session {index + 1}") \
                if "end" in item else None
            zone = self.zone(item.get("timezone"), (*at, "timezone")) if "timezone" in item else None
            if None in (day, start, end, zone):
                continue
            session = Session(index, day, start, end, zone, str(item.get("title") or ""), [],
                              *self.where.at(*at))
            for moment, key in ((start, "start"), (end, "end")):
                self.local_time(session, moment, (*at, key))
            if end <= start:
                self.add((*at, "end"), "workshop-session-order",
                         f"session {index + 1} ends ({end:%H:%M}) before it starts ({start:%H:%M})",
                         "Correct the times; a session that runs past midnight is two sessions.")
                continue
            if session.minutes > MAX_SESSION_MINUTES:
                self.add(at, "workshop-session-long",
                         f"session {index + 1} lasts {session.minutes // 60} h {session.minutes % 60:02d} min; "
                         f"a session is at most {MAX_SESSION_MINUTES // 60} hours",
                         "Split it into a morning and an afternoon session (with a lunch break between).")
                continue
            if not self.allow_past and day < self.today:
                self.add((*at, "date"), "workshop-past", f"session {index + 1} is on {day}, which is in the past",
                         "Correct the date (or the year).")
            for position, pause in enumerate(item.get("breaks") or [] if isinstance(item.get("breaks"), list) else []):
                if not isinstance(pause, dict):
                    continue
                where = (*at, "breaks", position)
                begin = self.clock(pause.get("start"), (*where, "start"), f"the start of break {position + 1}")
                minutes = pause.get("minutes")
                if begin is None or not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
                    continue
                inside = session.start_at <= session.at(begin) and \
                    session.at(begin) + timedelta(minutes=minutes) <= session.end_at
                if not inside:
                    self.add((*where, "start"), "workshop-break",
                             f"break {position + 1} ({begin:%H:%M}, {minutes} min) is not within session {index + 1} "
                             f"({start:%H:%M}-{end:%H:%M})", "Move the break into the session, or remove it.")
                    continue
                session.breaks.append(SessionBreak(begin, minutes, str(pause.get("title") or "Break"),
                                                   self.where.at(*where)[0]))
            sessions.append(session)
        ordered = sorted(sessions, key=lambda s: s.start_at.astimezone(UTC))
        for before, after in itertools.pairwise(ordered):
            if after.start_at < before.end_at:
                self.add(("sessions", after.index), "workshop-session-overlap",
                         f"session {after.index + 1} ({after.date} {after.start:%H:%M} {after.timezone}) starts before "
                         f"session {before.index + 1} ends ({before.date} {before.end:%H:%M} {before.timezone})",
                         "Correct the dates or times so that the sessions follow one another.")
        return ordered

    def local_time(self, session: Session, moment: time, at: tuple) -> None:
        """A wall-clock time that does not exist (clocks go forward) or happens twice (clocks go back)."""
        wall = datetime.combine(session.date, moment, session.zone)
        there_and_back = wall.astimezone(UTC).astimezone(session.zone)
        if there_and_back.replace(tzinfo=None) != wall.replace(tzinfo=None):
            self.add(at, "workshop-local-time",
                     f"{moment:%H:%M} does not exist on {session.date} in {session.timezone}: the clocks go forward",
                     "Choose a time outside the hour that is skipped.")
        elif wall.replace(fold=1).utcoffset() != wall.replace(fold=0).utcoffset():
            self.add(at, "workshop-local-time",
                     f"{moment:%H:%M} happens twice on {session.date} in {session.timezone}: the clocks go back",
                     "Choose a time outside the repeated hour.", Severity.WARNING)

    def lessons(self, value: Any) -> list[LessonChoice]:
        from lessonkit.readers import read_lesson

        choices: list[LessonChoice] = []
        for index, item in enumerate(value if isinstance(value, list) else []):
            if not isinstance(item, dict):
                continue
            at = ("lessons", index)
            found = self.lesson_root(item, at)
            if found is None:
                continue
            reference, root = found
            lesson = read_lesson(root.resolve())
            line, column = self.where.at(*at)
            choice = LessonChoice(index, reference, root.resolve(), lesson, line=line, column=column)
            if isinstance(item.get("schedule"), str):
                if not self.chosen_schedule(choice, root, item["schedule"].strip(), at):
                    continue
            elif isinstance(item.get("episodes"), list):
                choice.episodes = self.chosen_episodes(lesson, item["episodes"], at)
            else:
                choice.episodes = [p.source.removeprefix("episodes/") for p in lesson.episodes]  # the whole lesson
            choices.append(choice)
        return choices

    def lesson_root(self, item: dict, at: tuple) -> tuple[str, Path] | None:
        """The folder of the lesson a ``lessons:`` entry names (``path:`` or a catalogue's ``lesson:``)."""
        from lessonkit.readers import detect_format

        if isinstance(item.get("path"), str):
            reference, key = item["path"].strip(), "path"
            candidates = [(self.path.parent / reference)]
        elif isinstance(item.get("lesson"), str):
            reference, key = item["lesson"].strip(), "lesson"
            bundled = bundled_lessons()
            candidates = [self.path.parent.parent / reference, self.path.parent / reference]
            if bundled is not None:
                candidates.append(bundled / reference)
        else:
            return None
        root = next((c for c in candidates if c.is_dir() and detect_format(c)), None)
        if root is not None:
            return reference, root
        near = ""
        if key == "path" and (self.path.parent / reference).parent.is_dir():
            siblings = [p.name for p in (self.path.parent / reference).parent.iterdir() if p.is_dir()]
            match = difflib.get_close_matches(Path(reference).name, siblings, n=1, cutoff=0.6)
            near = f"Did you mean {Path(reference).parent / match[0]!s}? " if match else ""
        exists = any(c.exists() for c in candidates)
        self.add((*at, key), "workshop-lesson-missing",
                 f"{reference} is not a lesson folder" if exists else f"there is no lesson at {reference}",
                 near + ("Give the lesson's folder (the one with config.yaml), relative to this file."
                         if key == "path" else "Give the name of a lesson folder of the catalogue."))
        return None

    def chosen_schedule(self, choice: LessonChoice, root: Path, schedule: str, at: tuple) -> bool:
        """The lesson's named schedule (its problems reported here); False when the lesson has none by that id."""
        from lessonkit.schedules import lesson_schedules

        lesson = choice.lesson
        choice.schedule = schedule
        schedules = {s.id: s for s in lesson_schedules(lesson)}
        if schedule not in schedules:
            hint = difflib.get_close_matches(schedule, list(schedules), n=1, cutoff=0.5)
            self.add((*at, "schedule"), "workshop-schedule-unknown",
                     f"{lesson.name} has no named schedule '{schedule}'",
                     (f"Did you mean '{hint[0]}'? " if hint else "")
                     + (f"Its schedules: {', '.join(schedules)}." if schedules else
                        "The lesson has no 'schedules:' in its config.yaml; list 'episodes:' instead."))
            return False
        for problem in schedules[schedule].diagnostics:
            self.found.append(Diagnostic(display(root / problem.path), problem.line, problem.column,
                                         problem.rule, problem.severity, problem.message, problem.fix))
        return True

    def chosen_episodes(self, lesson, names: list, at: tuple) -> list[str]:
        """The episodes an entry's ``episodes:`` lists (an error for each the lesson does not have)."""
        episodes = {p.source.removeprefix("episodes/"): p for p in lesson.episodes}
        chosen: list[str] = []
        for position, name in enumerate(names):
            name = str(name).strip().removeprefix("episodes/")
            if name not in episodes:
                hint = difflib.get_close_matches(name, list(episodes), n=1, cutoff=0.6)
                self.add((*at, "episodes", position), "workshop-episode-unknown",
                         f"{lesson.name} has no episode {name}",
                         (f"Did you mean {hint[0]}? " if hint else "")
                         + f"Its episodes: {', '.join(episodes)}.")
                continue
            chosen.append(name)
        return chosen

    def registration(self, value: Any, sessions: list[Session]) -> Registration:
        registration = Registration()
        if not isinstance(value, dict):
            return registration
        registration.url = str(value.get("url") or "")
        if "opens" in value:
            registration.opens = self.day(value["opens"], ("registration", "opens"), "registration.opens")
        if "closes" in value:
            registration.closes = self.day(value["closes"], ("registration", "closes"), "registration.closes")
        opens, closes = registration.opens, registration.closes
        if opens and closes and closes < opens:
            self.add(("registration", "closes"), "workshop-registration",
                     f"registration closes ({closes}) before it opens ({opens})", "Swap or correct the dates.")
        if closes and sessions:
            first = min(sessions, key=lambda s: s.start_at)
            if closes > first.date:
                self.add(("registration", "closes"), "workshop-registration",
                         f"registration closes on {closes}, after the workshop starts ({first.date})",
                         f"Close registration on or before {first.date}.")
        return registration


REQUIRED_FIXES = {
    "title": ("workshop-schema", "Add 'title: \"...\"' (the workshop's name on its page)."),
    "slug": ("workshop-schema", "Add 'slug: ai-masterclass-2027-03' (lower-case letters, digits and '-')."),
    "lessons": ("workshop-schema", "Add 'lessons:' with '- lesson: intro-data-science-ai' and 'schedule: ...'."),
    "sessions": ("workshop-schema", "Add 'sessions:' with '- date:', 'start:', 'end:' and 'timezone:'."),
    "contact": ("workshop-contact", "Add 'contact: organiser@example.org' so that learners can ask questions."),
    "code_of_conduct": ("workshop-code-of-conduct",
                        "Add 'code_of_conduct: https://docs.carpentries.org/policies/coc/' (or your own)."),
    "date": ("workshop-schema", "Add 'date: 2027-03-14'."),
    "start": ("workshop-schema", "Add 'start: \"13:00\"'."),
    "end": ("workshop-schema", "Add 'end: \"16:00\"'."),
    "timezone": ("workshop-schema", "Add 'timezone: Europe/London' (an IANA time zone)."),
    "name": ("workshop-schema", "Add 'name: ...'."),
    "url": ("workshop-schema", "Add 'url: https://...'."),
}

SHAPES = {
    "type": "Check the kind of value (text, number, list or mapping). ",
    "pattern": "Check how the value is written. ",
    "minimum": "Use a larger number. ",
    "maximum": "Use a smaller number. ",
    "minItems": "Add at least one entry. ",
    "maxItems": "Use fewer entries. ",
}


def load_workshop(path: Path | str, *, today: date | None = None, allow_past: bool = False
                  ) -> tuple[Workshop | None, list[Diagnostic]]:
    """Read and check a workshop file.

    Returns the workshop (None when it has errors) and every diagnostic, sorted. ``today``
    (default: the real date) decides which dates are in the past; ``allow_past`` skips
    that check (for building an archive of past workshops)."""
    loader = Loader(Path(path), today, allow_past)
    workshop = loader.run()
    seen: set = set()
    found = [d for d in loader.found if not (d in seen or seen.add(d))]
    return workshop, sorted(found, key=Diagnostic.sort_key)
