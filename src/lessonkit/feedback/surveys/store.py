"""Surveys in the database: a workshop's salt and own items, the forms as answered, the responses,
and the report's input (through reg's ``workshops.store.headcounts``: counts only, no personal data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lessonkit.feedback.models import ServiceWorkshop, utcnow
from lessonkit.feedback.surveys import bank, pairing
from lessonkit.feedback.surveys.models import SurveyForm, SurveyResponse, SurveyWorkshop
from lessonkit.feedback.surveys.report import ReportInput, ResponseData, WorkshopData

DUPLICATE_CODE = ("This code has already been used for this survey of this workshop. If you answered "
                  "before, there is nothing more to do; otherwise choose another phrase.")


class SurveyRefused(ValueError):
    """An answer was refused; ``fields`` maps each form field to its message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def survey_workshop(session: Session, workshop: ServiceWorkshop) -> SurveyWorkshop:
    """The workshop's survey settings, made (with a new salt) the first time; safe when two requests race."""
    row = session.get(SurveyWorkshop, workshop.id)
    if row is None:
        session.execute(_insert(session)(SurveyWorkshop.__table__)
                        .values(workshop_id=workshop.id, salt=pairing.new_salt(), items=None, updated_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["workshop_id"]))
        row = session.get(SurveyWorkshop, workshop.id)
    return row


def items_of(session: Session, workshop: ServiceWorkshop) -> list[dict[str, Any]]:
    """The workshop's own questions: the organisers' (if they set some), else its workshop file's.

    Raises QuestionnaireError when the workshop file's questions are wrong.
    """
    row = session.get(SurveyWorkshop, workshop.id)
    if row is not None and row.items is not None:
        return row.items
    return bank.items_from_workshop_file(workshop.file_text or "")


def set_items(session: Session, workshop: ServiceWorkshop, text: str) -> list[dict[str, Any]]:
    """The organisers' form: replace the workshop's own questions (YAML); QuestionnaireError when wrong.

    An empty text goes back to the workshop file's questions. Answers already given keep the form
    they answered.
    """
    items = bank.parse_items_yaml(text) if text.strip() else None
    for phase in bank.PHASES:
        bank.compose(bank.for_phase(phase), items or [], phase)  # an id clashing with the bank's is refused
    row = survey_workshop(session, workshop)
    row.items, row.items_text, row.updated_at = items, (text if text.strip() else None), utcnow()
    return items if items is not None else items_of(session, workshop)


def current_definition(session: Session, workshop: ServiceWorkshop, phase: str) -> tuple[bank.BankSurvey, dict]:
    survey = bank.for_phase(phase)
    return survey, bank.compose(survey, items_of(session, workshop), phase)


def form_row(session: Session, workshop: ServiceWorkshop, phase: str,
             survey: bank.BankSurvey, definition: dict[str, Any]) -> SurveyForm:
    """The snapshot row of this exact form (made the first time someone answers it)."""
    digest = bank.digest(definition)
    query = select(SurveyForm).where(SurveyForm.workshop_id == workshop.id, SurveyForm.phase == phase,
                                     SurveyForm.digest == digest)
    row = session.scalar(query)
    if row is None:
        session.execute(_insert(session)(SurveyForm.__table__)
                        .values(workshop_id=workshop.id, phase=phase, bank_id=survey.id,
                                bank_version=survey.version, digest=digest, definition=definition,
                                created_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["workshop_id", "phase", "digest"]))
        row = session.scalar(query)
    return row


def submit(session: Session, workshop: ServiceWorkshop, phase: str, code: str | None,
           answers: dict[str, Any], client_id: str) -> bool:
    """Store one answer; returns False when this form was already stored (sent twice).

    ``code`` is the checked pairing code, or None to answer anonymously. SurveyRefused when
    the code was already used for this phase of this workshop.
    """
    if session.scalar(select(SurveyResponse.id).where(SurveyResponse.client_id == client_id)) is not None:
        return False
    survey, definition = current_definition(session, workshop, phase)
    form = form_row(session, workshop, phase, survey, definition)
    code_hash = pairing.code_hash(survey_workshop(session, workshop).salt, code) if code is not None else None
    if code_hash is not None and session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.workshop_id == workshop.id,
                                            SurveyResponse.phase == phase,
                                            SurveyResponse.code_hash == code_hash)) is not None:
        raise SurveyRefused({"code": DUPLICATE_CODE})
    try:
        with session.begin_nested():
            session.add(SurveyResponse(workshop_id=workshop.id, form_id=form.id, phase=phase, code_hash=code_hash,
                                       anonymous=code_hash is None, bank_version=form.bank_version,
                                       answers=answers, client_id=client_id, submitted_at=utcnow()))
    except IntegrityError:  # another request with the same form or code got there first
        if session.scalar(select(SurveyResponse.id).where(SurveyResponse.client_id == client_id)) is not None:
            return False
        raise SurveyRefused({"code": DUPLICATE_CODE}) from None
    return True


def workshop_data(session: Session, workshop: ServiceWorkshop) -> WorkshopData:
    from lessonkit.feedback.workshops.store import headcounts

    rows = session.execute(select(SurveyResponse, SurveyForm.definition)
                           .join(SurveyForm, SurveyForm.id == SurveyResponse.form_id)
                           .where(SurveyResponse.workshop_id == workshop.id)
                           .order_by(SurveyResponse.id)).all()
    responses = [ResponseData(phase=r.phase, code_hash=r.code_hash, bank_version=r.bank_version,
                              definition=definition, answers=r.answers) for r, definition in rows]
    return WorkshopData(slug=workshop.slug, title=workshop.title, headcounts=headcounts(session, workshop.id),
                        responses=responses)


def report_input(session: Session, workshops: list[ServiceWorkshop], title: str = "") -> ReportInput:
    return ReportInput([workshop_data(session, w) for w in workshops], title=title)


def response_counts(session: Session, workshop: ServiceWorkshop) -> dict[str, int]:
    rows = session.execute(select(SurveyResponse.phase).where(SurveyResponse.workshop_id == workshop.id)).all()
    return {phase: sum(1 for (p,) in rows if p == phase) for phase in bank.PHASES}
