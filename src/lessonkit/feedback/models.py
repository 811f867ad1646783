"""The feedback service's tables (SQLAlchemy 2 declarative models).

The schema itself is created and upgraded by the Alembic migrations in
``migrations/``; a test checks that the migrations and these models agree.
Times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STATUSES = ("new", "accepted", "declined", "done")
CATEGORIES = {
    "content-error": "Content error",
    "unclear": "Unclear",
    "example-suggestion": "Example suggestion",
    "accessibility": "Accessibility",
    "other": "Other",
}
ROLES = ("admin", "author")
SOURCES = ("widget", "review")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """Service-wide values kept in the database (e.g. the secret that signs CSRF tokens)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Lesson(Base):
    """A lesson that may receive feedback, and the web origins its site is served from."""

    __tablename__ = "lessons"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    sites: Mapped[str] = mapped_column(Text, default="")  # allowed origins, one a line
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def origins(self) -> list[str]:
        return [line for line in self.sites.splitlines() if line]


class LessonPage(Base):
    """An episode of a lesson and its section headings (for reviewers' menus)."""

    __tablename__ = "lesson_pages"
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    sections: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[anchor, heading], ...]


class User(Base):
    """An author (triage) or admin (coordinator) who logs in with a password."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="author")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LessonAccess(Base):
    """An author may triage this lesson's feedback (admins see every lesson)."""

    __tablename__ = "lesson_access"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class RateBucket(Base):
    """A rate limit's token bucket for one client key, shared by every service process."""

    __tablename__ = "rate_limits"
    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float, index=True)  # wall-clock seconds (Unix time)
    allowed: Mapped[bool] = mapped_column(Boolean)  # whether the last request took a token


class WebSession(Base):
    """A server-side session: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ReviewRound(Base):
    __tablename__ = "review_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Invitation(Base):
    """A one-time invitation link to a review round (the table keeps only the token's SHA-256)."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class Feedback(Base):
    """A rating and/or comment on an episode, from the widget or from a reviewer."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    page: Mapped[str] = mapped_column(String(200))
    page_title: Mapped[str] = mapped_column(String(300), default="")
    section: Mapped[str] = mapped_column(String(200), default="")
    section_title: Mapped[str] = mapped_column(String(300), default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="widget")
    round_id: Mapped[int | None] = mapped_column(ForeignKey("review_rounds.id", ondelete="SET NULL"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_feedback_lesson_page", "lesson_id", "page"),)


class Questionnaire(Base):
    """A questionnaire loaded from YAML; ``definition`` is the validated form as JSON."""

    __tablename__ = "questionnaires"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QuestionnaireResponse(Base):
    __tablename__ = "questionnaire_responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="CASCADE"),
                                                  index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- workshops (issue #18: registration, attendance, roles; migration 0003_workshops) ----------

REGISTRATION_STATUSES = ("seated", "waiting", "cancelled")
WORKSHOP_ROLES = ("organiser", "instructor")
CAREER_STAGES = {
    "": "Prefer not to say",
    "student": "Student",
    "early-career": "Early-career researcher (PhD student, postdoc)",
    "mid-career": "Mid-career researcher",
    "senior": "Senior researcher or group leader",
    "research-staff": "Research software engineer, technician or other research staff",
    "professional": "Professional services or management",
    "other": "Other",
}


class ServiceWorkshop(Base):
    """A workshop published from a workshop file (``lessonkit service workshop publish FILE``)."""

    __tablename__ = "workshops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    file_text: Mapped[str] = mapped_column(Text)  # the workshop YAML as published
    lesson_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    registration_opens: Mapped[date | None] = mapped_column(Date)
    registration_closes: Mapped[date | None] = mapped_column(Date)  # inclusive
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC: the first session's start
    ends_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC: the last session's end
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    retention_days: Mapped[int | None] = mapped_column(Integer)  # None: the retention command's --days
    personal_data_deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WorkshopSession(Base):
    """One session (a half-day, a call) of a workshop, with the sign-in code shown in the room."""

    __tablename__ = "workshop_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # 0-based, in the file's order
    title: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    sign_in_code: Mapped[str] = mapped_column(String(32), unique=True)

    __table_args__ = (UniqueConstraint("workshop_id", "index", name="uq_workshop_sessions_index"),)


class Registration(Base):
    """A person's registration: seated, on the waiting list, or cancelled.

    ``email_key`` is the address in lower case; an index makes it unique per workshop among the
    registrations that are not cancelled. The retention command blanks the personal fields
    (and ``email_key``) but keeps the row, its status and its attendance, for the counts.
    """

    __tablename__ = "registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    email_key: Mapped[str | None] = mapped_column(String(254))
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    career_stage: Mapped[str] = mapped_column(String(32), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="seated")
    token: Mapped[str | None] = mapped_column(String(64), unique=True)  # the private link's secret
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seated_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("uq_registrations_active_email", "workshop_id", "email_key", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("ix_registrations_workshop_status", "workshop_id", "status", "id"),
    )


class Attendance(Base):
    """A registered person signed in to a session (once: signing in again changes nothing)."""

    __tablename__ = "attendance"
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WorkshopRole(Base):
    """A user's role in one workshop: an organiser (personal data) or an instructor (attendance, reports)."""

    __tablename__ = "workshop_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    role: Mapped[str] = mapped_column(String(16))


class ExportLog(Base):
    """Every export (or deletion) of personal data: who, when, what."""

    __tablename__ = "export_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(200))  # a user name, or "cli:<system user>"
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="SET NULL"), index=True)
    workshop_slug: Mapped[str] = mapped_column(String(100), default="")
    what: Mapped[str] = mapped_column(String(100))  # e.g. "registrations.csv", "retention"
    rows: Mapped[int] = mapped_column(Integer, default=0)
    via: Mapped[str] = mapped_column(String(16), default="web")  # web or cli


# The surveys' tables (migration 0004_surveys) are part of this schema too.
from lessonkit.feedback.surveys import models as _survey_models  # noqa: E402, F401
