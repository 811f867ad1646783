"""The surveys' tables (migration ``0004_surveys``); part of the service's one schema (``models.Base``).

No table here holds a name or an email address: a response carries the form it
answered, its answers, and either a pairing code's salted hash or nothing
(anonymous).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lessonkit.feedback.models import Base, utcnow

SURVEY_PHASES = ("pre", "post")


class SurveyWorkshop(Base):
    """A workshop's survey settings: the salt of its pairing codes, and its own items set by the organisers.

    ``items`` is None while the workshop uses the items of its workshop file
    (``surveys: questions:``); the organisers' form replaces them.
    """

    __tablename__ = "survey_workshops"
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
    items: Mapped[list[Any] | None] = mapped_column(JSON)
    items_text: Mapped[str | None] = mapped_column(Text)  # the organisers' YAML, as typed
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SurveyForm(Base):
    """A form exactly as learners answered it (the bank's questions and the workshop's), one row per content."""

    __tablename__ = "survey_forms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(8))
    bank_id: Mapped[str] = mapped_column(String(64))
    bank_version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("workshop_id", "phase", "digest", name="uq_survey_forms_digest"),)


class SurveyResponse(Base):
    """One learner's answers to the pre- or post-workshop survey of a workshop.

    ``code_hash`` is HMAC-SHA256(workshop salt, normalised pairing code), or None when the learner
    answered anonymously; one answer per code and phase (a unique constraint; NULLs never clash).
    """

    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("survey_forms.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    bank_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)  # a form sent twice is stored once
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("workshop_id", "phase", "code_hash", name="uq_survey_responses_code"),)
