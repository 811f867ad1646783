"""Workshops in the database: publishing, registration with a waiting list, attendance, counts,
exports of personal data and retention.

Every change that moves a seat happens in one write transaction that first locks the workshop's
row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write transaction itself starts with
``BEGIN IMMEDIATE``, which takes the database's write lock): two registrations, or a registration
and a cancellation, for one workshop never interleave, so the seat count never passes the
capacity and the next person on the waiting list is promoted in the same transaction as the
cancellation that freed the seat. A partial unique index (workshop, lower-cased e-mail, among the
registrations that are not cancelled) backs up the duplicate check.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lessonkit.feedback.models import (
    CAREER_STAGES,
    WORKSHOP_ROLES,
    Attendance,
    ExportLog,
    Registration,
    ServiceWorkshop,
    User,
    WorkshopRole,
    WorkshopSession,
    utcnow,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from a screen
CODE_LENGTH = 8
EMAIL = re.compile(r"^[^@\s<>\"',;()\[\]\\]{1,64}@[^@\s<>\"',;()\[\]\\]+\.[^@\s<>\"',;()\[\]\\.]{2,}\Z")
NAME_MAX, EMAIL_MAX, AFFILIATION_MAX, ACCESSIBILITY_MAX = 200, 254, 300, 2000
DEFAULT_RETENTION_DAYS = 365


class WorkshopError(ValueError):
    """A workshop file, a command or an action was refused (the message says why)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class RegistrationRefused(WorkshopError):
    """A registration form was refused: ``fields`` maps each field to its message."""

    def __init__(self, message: str, fields: dict[str, str], status: int = 422) -> None:
        super().__init__(message)
        self.fields = fields
        self.status = status


def as_utc(moment: datetime) -> datetime:
    """An aware time as naive UTC (the database's convention)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def today_utc() -> date:
    return utcnow().date()


def new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(WorkshopSession.id).where(WorkshopSession.sign_in_code == code)) is None:
            return code


def normalise_code(text: str) -> str:
    """What a person typed from the screen: case, spaces and dashes do not matter."""
    return "".join(c for c in text.upper() if c.isalnum())[:32]


# --- publishing ----------------------------------------------------------------------------------

def read_workshop_file(path: Path, *, today: date | None = None, allow_past: bool = False,
                       shown_as: str | None = None):
    """``load_workshop``; its errors become one ``WorkshopError`` listing every diagnostic
    (file:line:column, what is wrong, how to fix it). ``shown_as`` names the file in them (for an
    upload, which is read from a temporary file)."""
    from dataclasses import replace

    from lessonkit.diagnostics import Severity
    from lessonkit.workshop import load_workshop

    workshop, diagnostics = load_workshop(path, today=today, allow_past=allow_past)
    errors = [d for d in diagnostics if d.severity == Severity.ERROR]
    if workshop is None or errors:
        found = errors or diagnostics
        if shown_as is not None:
            found = [replace(d, path=shown_as) if d.path.endswith(path.name) else d for d in found]
        raise WorkshopError(f"{shown_as or path.name} is not a workshop file that can be published "
                            f"({len(found)} error(s))", [d.format() for d in found])
    return workshop


def publish(session: Session, path: Path, *, text: str | None = None, today: date | None = None,
            allow_past: bool = False, retention_days: int | None = None,
            shown_as: str | None = None) -> tuple[ServiceWorkshop, bool]:
    """Create or update the workshop described by the file at ``path``; returns it and whether it is new.

    Sessions are matched by their position: a session that stays keeps its sign-in code and its
    attendance; a session removed from the file is removed with its attendance. A larger capacity
    seats people from the waiting list; a smaller one unseats nobody (no new seats until enough
    people cancel)."""
    workshop = read_workshop_file(path, today=today, allow_past=allow_past, shown_as=shown_as)
    text = path.read_text(encoding="utf-8") if text is None else text
    row = session.scalar(select(ServiceWorkshop).where(ServiceWorkshop.slug == workshop.slug).with_for_update())
    created = row is None
    if row is None:
        row = ServiceWorkshop(slug=workshop.slug)
        session.add(row)
    if row.personal_data_deleted_at is not None:
        raise WorkshopError(f"workshop {workshop.slug} is archived (its personal data was deleted); "
                            "publish it under a new slug")
    row.title = workshop.title
    row.description = workshop.description or ""
    row.file_text = text
    row.lesson_ids = [choice.name for choice in workshop.lessons]
    row.capacity = workshop.capacity
    row.registration_opens = workshop.registration.opens
    row.registration_closes = workshop.registration.closes
    row.timezone = workshop.sessions[0].timezone if workshop.sessions else "UTC"
    row.starts_at = as_utc(workshop.first_start)
    row.ends_at = as_utc(workshop.last_end)
    row.contact_email = workshop.contact_email or ""
    if retention_days is not None:
        row.retention_days = retention_days
    row.updated_at = utcnow()
    session.flush()
    existing = {s.index: s for s in session.scalars(select(WorkshopSession)
                                                    .where(WorkshopSession.workshop_id == row.id))}
    ordered = sorted(workshop.sessions, key=lambda s: s.start_at)
    for index, source in enumerate(ordered):
        target = existing.pop(index, None)
        if target is None:
            target = WorkshopSession(workshop_id=row.id, index=index, sign_in_code=new_code(session))
            session.add(target)
        target.title = source.title or f"Session {index + 1}"
        target.starts_at = as_utc(source.start_at)
        target.ends_at = as_utc(source.end_at)
    for gone in existing.values():
        session.delete(gone)
    session.flush()
    _promote(session, row)
    return row, created


def find_workshop(session: Session, slug: str, *, lock: bool = False) -> ServiceWorkshop:
    query = select(ServiceWorkshop).where(ServiceWorkshop.slug == slug)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise WorkshopError(f"there is no workshop {slug!r} (publish it with 'lessonkit service workshop "
                            "publish FILE')")
    return row


def sessions_of(session: Session, workshop_id: int) -> list[WorkshopSession]:
    return list(session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop_id)
                                .order_by(WorkshopSession.index)))


def list_workshops(session: Session) -> list[ServiceWorkshop]:
    return list(session.scalars(select(ServiceWorkshop).order_by(ServiceWorkshop.starts_at,
                                                                 ServiceWorkshop.slug)))


# --- registration --------------------------------------------------------------------------------

@dataclass
class Form:
    """What a person typed into the registration form (kept to show it again on a refusal)."""

    name: str = ""
    email: str = ""
    affiliation: str = ""
    career_stage: str = ""
    accessibility: str = ""
    consent_contact: bool = False

    @classmethod
    def from_fields(cls, get) -> Form:
        return cls(name=get("name"), email=get("email"), affiliation=get("affiliation"),
                   career_stage=get("career_stage"), accessibility=get("accessibility"),
                   consent_contact=get("consent_contact") in ("yes", "on", "1", "true"))


def check_form(form: Form) -> tuple[Form, dict[str, str]]:
    """The form cleaned, and a message for every field that is wrong (empty when all is well)."""
    from lessonkit.feedback.validation import strip_controls

    errors: dict[str, str] = {}
    name = strip_controls(form.name, multiline=False).strip()
    email = strip_controls(form.email, multiline=False).strip()
    affiliation = strip_controls(form.affiliation, multiline=False).strip()
    accessibility = strip_controls(form.accessibility).strip()
    stage = form.career_stage.strip()
    if not name:
        errors["name"] = "Enter your name (as you would like it on a name badge)."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Your name is too long ({len(name)} characters; at most {NAME_MAX})."
    if not email:
        errors["email"] = "Enter your e-mail address: the confirmation and your private link are sent there."
    elif len(email) > EMAIL_MAX or not EMAIL.match(email):
        errors["email"] = "That does not look like an e-mail address; it should look like name@example.org."
    if len(affiliation) > AFFILIATION_MAX:
        errors["affiliation"] = f"The affiliation is too long ({len(affiliation)} characters; at most " \
                                f"{AFFILIATION_MAX})."
    if stage not in CAREER_STAGES:
        errors["career_stage"] = "Choose one of the career stages listed."
    if len(accessibility) > ACCESSIBILITY_MAX:
        errors["accessibility"] = (f"Please shorten this to {ACCESSIBILITY_MAX} characters "
                                   f"(it has {len(accessibility)}); the organisers can ask you for details.")
    return Form(name, email, affiliation, stage, accessibility, form.consent_contact), errors


def registration_state(workshop: ServiceWorkshop, today: date | None = None) -> tuple[bool, str]:
    """Whether registration is open today, and if not, why (for the page and the refusal)."""
    today = today or today_utc()
    if workshop.personal_data_deleted_at is not None or workshop.ends_at < utcnow():
        return False, "This workshop has finished."
    if workshop.registration_opens and today < workshop.registration_opens:
        return False, f"Registration opens on {workshop.registration_opens:%A %-d %B %Y}."
    closes = workshop.registration_closes
    if closes and today > closes:
        return False, f"Registration closed on {closes:%A %-d %B %Y}."
    if closes is None and workshop.starts_at < utcnow():
        return False, "Registration closed when the workshop started."
    return True, ""


def _count(session: Session, workshop_id: int, status: str) -> int:
    return session.scalar(select(func.count()).select_from(Registration)
                          .where(Registration.workshop_id == workshop_id, Registration.status == status)) or 0


def register(session: Session, slug: str, form: Form, today: date | None = None) -> Registration:
    """Register a person: a seat if one is free, else a place on the waiting list.

    Raises ``RegistrationRefused`` with a message per field (bad input, registration closed,
    a registration with this e-mail address already)."""
    cleaned, errors = check_form(form)
    if errors:
        raise RegistrationRefused("Some answers need attention: see the fields marked below.", errors)
    workshop = find_workshop(session, slug, lock=True)  # serialises every seat change of this workshop
    is_open, why = registration_state(workshop, today)
    if not is_open:
        raise RegistrationRefused(why, {}, status=409)
    key = cleaned.email.lower()
    if _active_with_email(session, workshop.id, key):
        raise _duplicate()
    seated = _count(session, workshop.id, "seated")
    has_seat = workshop.capacity is None or seated < workshop.capacity
    now = utcnow()
    row = Registration(workshop_id=workshop.id, name=cleaned.name, email=cleaned.email, email_key=key,
                       affiliation=cleaned.affiliation, career_stage=cleaned.career_stage,
                       accessibility=cleaned.accessibility, consent_contact=cleaned.consent_contact,
                       status="seated" if has_seat else "waiting", token=secrets.token_urlsafe(32),
                       created_at=now, seated_at=now if has_seat else None)
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the unique index: only if another writer slipped past the lock
        raise _duplicate() from None
    return row


def _active_with_email(session: Session, workshop_id: int, key: str) -> bool:
    return session.scalar(select(Registration.id).where(
        Registration.workshop_id == workshop_id, Registration.email_key == key,
        Registration.status != "cancelled")) is not None


def _duplicate() -> RegistrationRefused:
    return RegistrationRefused(
        "This e-mail address is already registered for this workshop.",
        {"email": "This e-mail address is already registered for this workshop. Use the private link in "
                  "your confirmation e-mail to see or cancel that registration."}, status=409)


def active_by_email(session: Session, workshop_id: int, email: str) -> Registration | None:
    """The registration (not cancelled) of this e-mail address, compared case-insensitively."""
    from lessonkit.feedback.validation import strip_controls

    key = strip_controls(email, multiline=False).strip().lower()
    if not key or len(key) > EMAIL_MAX:
        return None
    return session.scalar(select(Registration).where(
        Registration.workshop_id == workshop_id, Registration.email_key == key,
        Registration.status != "cancelled"))


def by_token(session: Session, token: str, *, lock: bool = False) -> Registration | None:
    if not token or len(token) > 128:
        return None
    query = select(Registration).where(Registration.token == token)
    return session.scalar(query.with_for_update() if lock else query)


def waiting_position(session: Session, registration: Registration) -> int | None:
    """1 for the next person to get a seat; None unless waiting."""
    if registration.status != "waiting":
        return None
    ahead = session.scalar(select(func.count()).select_from(Registration).where(
        Registration.workshop_id == registration.workshop_id, Registration.status == "waiting",
        Registration.id < registration.id)) or 0
    return ahead + 1


def cancel(session: Session, token: str) -> tuple[Registration, list[Registration]]:
    """Cancel a registration (again: no change) and seat the next people waiting, in this transaction.

    Returns the registration and those promoted from the waiting list."""
    found = by_token(session, token)
    if found is None:
        raise WorkshopError("This registration link is not valid.")
    workshop = session.scalar(select(ServiceWorkshop).where(ServiceWorkshop.id == found.workshop_id)
                              .with_for_update())
    assert workshop is not None
    session.refresh(found)  # as of the lock: another request may have cancelled it meanwhile
    if found.status == "cancelled":
        return found, []
    found.status = "cancelled"
    found.cancelled_at = utcnow()
    session.flush()
    return found, _promote(session, workshop)


def _promote(session: Session, workshop: ServiceWorkshop) -> list[Registration]:
    """Seat people from the waiting list, first come first served, while seats are free.

    The caller holds the workshop's lock."""
    if workshop.capacity is None:
        free = None
    else:
        free = workshop.capacity - _count(session, workshop.id, "seated")
        if free <= 0:
            return []
    query = (select(Registration).where(Registration.workshop_id == workshop.id, Registration.status == "waiting")
             .order_by(Registration.id))
    if free is not None:
        query = query.limit(free)
    promoted = list(session.scalars(query))
    now = utcnow()
    for row in promoted:
        row.status = "seated"
        row.seated_at = now
    session.flush()
    return promoted


# --- attendance ----------------------------------------------------------------------------------

def session_by_code(session: Session, code: str) -> WorkshopSession | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return session.scalar(select(WorkshopSession).where(WorkshopSession.sign_in_code == code))


def sign_in(session: Session, code: str, email: str) -> tuple[WorkshopSession, Registration, bool]:
    """Record that the person registered with ``email`` attends the session with this code.

    Idempotent: signing in again changes nothing (returns ``False`` as the third value)."""
    from lessonkit.feedback.validation import strip_controls

    target = session_by_code(session, code)
    if target is None:
        raise RegistrationRefused("That sign-in code is not one of this service's sessions.",
                                  {"code": "Check the code shown in the room (8 letters and digits)."})
    key = strip_controls(email, multiline=False).strip().lower()
    if not key:
        raise RegistrationRefused("Enter the e-mail address you registered with.",
                                  {"email": "Enter the e-mail address you registered with."})
    person = session.scalar(select(Registration).where(
        Registration.workshop_id == target.workshop_id, Registration.email_key == key,
        Registration.status != "cancelled"))
    if person is None:
        raise RegistrationRefused(
            "There is no registration with that e-mail address for this workshop.",
            {"email": "There is no registration with that e-mail address for this workshop; check it, or "
                      "ask an organiser in the room."}, status=404)
    if session.get(Attendance, (person.id, target.id)) is not None:
        return target, person, False
    try:
        with session.begin_nested():
            session.add(Attendance(registration_id=person.id, session_id=target.id, signed_at=utcnow()))
            session.flush()
    except IntegrityError:  # the same person signing in twice at once
        return target, person, False
    return target, person, True


# --- counts (for reports: no personal data) ------------------------------------------------------

def headcounts(session: Session, workshop_id: int) -> dict[str, Any]:
    """Anonymous counts for one workshop (the report's input; survives the retention command).

    ``registered`` counts everyone who registered (seated, waiting or since cancelled);
    ``attended_any`` is the number of registered people who signed in to at least one session:
    the learner headcount AMY asks for ("attendance": learners who attended)."""
    statuses = dict(session.execute(select(Registration.status, func.count())
                                    .where(Registration.workshop_id == workshop_id)
                                    .group_by(Registration.status)).all())
    attended = dict(session.execute(
        select(Attendance.session_id, func.count()).join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
        .where(WorkshopSession.workshop_id == workshop_id).group_by(Attendance.session_id)).all())
    anyone = session.scalar(
        select(func.count(func.distinct(Attendance.registration_id)))
        .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
        .where(WorkshopSession.workshop_id == workshop_id)) or 0
    per_session = [{"index": s.index, "title": s.title, "attended": attended.get(s.id, 0)}
                   for s in sessions_of(session, workshop_id)]
    seated, waiting, cancelled = (statuses.get(k, 0) for k in ("seated", "waiting", "cancelled"))
    return {"registered": seated + waiting + cancelled, "seated": seated, "waiting": waiting,
            "cancelled": cancelled, "attended_any": anyone, "per_session": per_session}


def amy_headcount(session: Session, workshop_id: int) -> int:
    """AMY's "attendance" field: the number of learners who attended (signed in to any session)."""
    return headcounts(session, workshop_id)["attended_any"]


# --- roles ---------------------------------------------------------------------------------------

def grant(session: Session, username: str, slug: str, role: str) -> WorkshopRole:
    if role not in WORKSHOP_ROLES:
        raise WorkshopError(f"a workshop role is one of: {', '.join(WORKSHOP_ROLES)}")
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise WorkshopError(f"no user called {username!r} (add one with 'lessonkit service create-user')")
    workshop = find_workshop(session, slug)
    row = session.get(WorkshopRole, (user.id, workshop.id))
    if row is None:
        row = WorkshopRole(user_id=user.id, workshop_id=workshop.id, role=role)
        session.add(row)
    row.role = role
    session.flush()
    return row


def withdraw(session: Session, username: str, slug: str) -> None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise WorkshopError(f"no user called {username!r}")
    workshop = find_workshop(session, slug)
    session.execute(delete(WorkshopRole).where(WorkshopRole.user_id == user.id,
                                               WorkshopRole.workshop_id == workshop.id))


def roles_of(session: Session, user_id: int) -> frozenset[tuple[int, str]]:
    return frozenset((workshop_id, role) for workshop_id, role in session.execute(
        select(WorkshopRole.workshop_id, WorkshopRole.role).where(WorkshopRole.user_id == user_id)))


# --- personal data: export, log, retention -------------------------------------------------------

EXPORT_COLUMNS = ["name", "email", "affiliation", "career_stage", "accessibility", "consent_contact", "status",
                  "registered_at", "cancelled_at", "waiting_position", "sessions_attended"]


def log_export(session: Session, who: str, workshop: ServiceWorkshop | None, what: str, rows: int,
               via: str) -> None:
    session.add(ExportLog(at=utcnow(), who=who[:200], workshop_id=workshop.id if workshop else None,
                          workshop_slug=workshop.slug if workshop else "", what=what, rows=rows, via=via))


def export_registrations(session: Session, slug: str, who: str, via: str) -> tuple[str, int]:
    """The workshop's registrations as CSV (for organisers), logged in ``export_log`` in this transaction."""
    workshop = find_workshop(session, slug)
    rows = list(session.scalars(select(Registration).where(Registration.workshop_id == workshop.id)
                                .order_by(Registration.id)))
    attended: dict[int, list[int]] = {}
    for registration_id, index in session.execute(
            select(Attendance.registration_id, WorkshopSession.index)
            .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
            .where(WorkshopSession.workshop_id == workshop.id).order_by(WorkshopSession.index)):
        attended.setdefault(registration_id, []).append(index + 1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    waiting = 0
    for row in rows:
        if row.status == "waiting":
            waiting += 1
        writer.writerow([_cell(row.name), _cell(row.email), _cell(row.affiliation), row.career_stage,
                         _cell(row.accessibility), "yes" if row.consent_contact else "no", row.status,
                         f"{row.created_at:%Y-%m-%d %H:%M:%S}",
                         f"{row.cancelled_at:%Y-%m-%d %H:%M:%S}" if row.cancelled_at else "",
                         waiting if row.status == "waiting" else "",
                         " ".join(str(i) for i in attended.get(row.id, []))])
    log_export(session, who, workshop, "registrations.csv", len(rows), via)
    return out.getvalue(), len(rows)


def _cell(value: str) -> str:
    """A spreadsheet cannot mistake a value for a formula (=, +, -, @ at the start)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass
class RetentionResult:
    workshop: str
    ended: datetime
    days: int
    registrations: int
    dry_run: bool = False
    sessions: list[int] = field(default_factory=list)


def apply_retention(session: Session, default_days: int, who: str, *, now: datetime | None = None,
                    dry_run: bool = False) -> list[RetentionResult]:
    """Delete the personal data of every workshop that ended more than its retention period ago.

    A workshop's own ``retention_days`` wins over ``default_days``. The registrations stay, with
    their status and attendance but without name, e-mail, affiliation, career stage, accessibility
    needs, consent or private link; so the counts (and reports) stay the same. Logged."""
    now = now or utcnow()
    done: list[RetentionResult] = []
    for workshop in session.scalars(select(ServiceWorkshop).where(ServiceWorkshop.personal_data_deleted_at.is_(None))
                                    .order_by(ServiceWorkshop.ends_at)):
        days = workshop.retention_days if workshop.retention_days is not None else default_days
        if workshop.ends_at + timedelta(days=days) > now:
            continue
        count = session.scalar(select(func.count()).select_from(Registration)
                               .where(Registration.workshop_id == workshop.id)) or 0
        done.append(RetentionResult(workshop.slug, workshop.ends_at, days, count, dry_run))
        if dry_run:
            continue
        for row in session.scalars(select(Registration).where(Registration.workshop_id == workshop.id)):
            row.name = row.email = row.affiliation = row.career_stage = row.accessibility = ""
            row.email_key = None
            row.token = None
            row.consent_contact = False
            row.anonymised_at = now
        workshop.personal_data_deleted_at = now
        log_export(session, who, workshop, f"retention: personal data deleted ({days} days after the end)",
                   count, "cli")
    session.flush()
    return done


def export_log(session: Session, slug: str | None = None, limit: int = 200) -> list[ExportLog]:
    """The latest entries of the personal-data log (of one workshop, by its slug), newest first."""
    query = select(ExportLog)
    if slug:
        query = query.where(ExportLog.workshop_slug == slug)
    return list(session.scalars(query.order_by(ExportLog.id.desc()).limit(limit)))
