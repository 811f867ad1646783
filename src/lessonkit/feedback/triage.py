"""Finding, filtering and updating feedback for the authors' triage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from lessonkit.feedback import validation
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import (
    CATEGORIES,
    SOURCES,
    STATUSES,
    Feedback,
    Invitation,
    Lesson,
    LessonPage,
    ReviewRound,
    User,
    utcnow,
)

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Filters:
    lesson: str = ""
    page: str = ""
    status: str = ""
    category: str = ""
    source: str = ""
    assignee: str = ""  # a user name, "none" for unassigned, or "" for anyone
    round_id: int | None = None
    # The lessons the viewer may see (None: every lesson); not a query parameter.
    scope: frozenset[str] | None = None

    def query(self) -> dict[str, str]:
        """The filters as query-string parameters (empty ones left out)."""
        out = {k: str(v) for k, v in self.__dict__.items() if v not in ("", None) and k != "scope"}
        if "round_id" in out:
            out["round"] = out.pop("round_id")
        return out


def parse_filters(params: Mapping[str, str], scope: frozenset[str] | None = None) -> Filters:
    """Filters from a (cleaned) query string; a malformed or unknown value is a 400 saying which."""

    def pick(name: str, choices: Any = None) -> str:
        value = validation.strip_controls(params.get(name) or "", multiline=False).strip()
        if len(value) > 200:
            raise ClientError(400, f"The {name} filter is too long.")
        if value and choices is not None and value not in choices:
            raise ClientError(400, f"Unknown {name} {value[:60]!r}: use one of {', '.join(choices)}.")
        return value

    def name(field: str, check) -> str:
        value = pick(field)
        return check(value, field, status=400) if value else ""

    round_text = pick("round")
    round_id = validation.integer(round_text, "round", 1, 999_999_999, status=400,
                                  message="The round filter is a review round number.") if round_text else None
    assignee = pick("assignee")
    if assignee and assignee != "none" and not validation.IDENTIFIER.match(assignee.replace("@", "_")):
        raise ClientError(400, "The assignee filter is a user name (or 'none').")
    return Filters(lesson=name("lesson", validation.identifier), page=name("page", validation.identifier),
                   status=pick("status", STATUSES), category=pick("category", CATEGORIES),
                   source=pick("source", SOURCES), assignee=assignee, round_id=round_id, scope=scope)


def _select(filters: Filters) -> Select:
    assignee = aliased(User)
    statement = (select(Feedback, assignee.username, Invitation.name, ReviewRound.title)
                 .outerjoin(assignee, Feedback.assignee_id == assignee.id)
                 .outerjoin(Invitation, Feedback.invitation_id == Invitation.id)
                 .outerjoin(ReviewRound, Feedback.round_id == ReviewRound.id))
    if filters.scope is not None:
        statement = statement.where(Feedback.lesson_id.in_(sorted(filters.scope)))
    if filters.lesson:
        statement = statement.where(Feedback.lesson_id == filters.lesson)
    if filters.page:
        statement = statement.where(Feedback.page == filters.page)
    if filters.status:
        statement = statement.where(Feedback.status == filters.status)
    if filters.category:
        statement = statement.where(Feedback.category == filters.category)
    if filters.source:
        statement = statement.where(Feedback.source == filters.source)
    if filters.round_id is not None:
        statement = statement.where(Feedback.round_id == filters.round_id)
    if filters.assignee == "none":
        statement = statement.where(Feedback.assignee_id.is_(None))
    elif filters.assignee:
        statement = statement.where(assignee.username == filters.assignee)
    return statement


def _row(feedback: Feedback, assignee: str | None, reviewer: str | None, round_title: str | None) -> dict:
    return {
        "id": feedback.id,
        "client_id": feedback.client_id,
        "lesson": feedback.lesson_id,
        "page": feedback.page,
        "page_title": feedback.page_title,
        "section": feedback.section,
        "section_title": feedback.section_title,
        "rating": feedback.rating,
        "category": feedback.category or "",
        "comment": feedback.comment,
        "source": feedback.source,
        "round_id": feedback.round_id,
        "round": round_title or "",
        "reviewer": reviewer or "",
        "status": feedback.status,
        "assignee": assignee or "",
        "created_at": feedback.created_at.replace(microsecond=0).isoformat() + "Z",
        "updated_at": feedback.updated_at.replace(microsecond=0).isoformat() + "Z",
    }


def find(session: Session, filters: Filters, limit: int | None = None, offset: int = 0) -> list[dict]:
    statement = _select(filters).order_by(Feedback.created_at.desc(), Feedback.id.desc()).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [_row(*row) for row in session.execute(statement)]


def count(session: Session, filters: Filters) -> int:
    return session.scalar(select(func.count()).select_from(_select(filters).subquery())) or 0


def get(session: Session, feedback_id: int, scope: frozenset[str] | None = None) -> dict | None:
    row = session.execute(_select(Filters(scope=scope)).where(Feedback.id == feedback_id)).first()
    return _row(*row) if row else None


def update(session: Session, feedback_id: int, *, status: str | None = None,
           assignee: str | None = None, scope: frozenset[str] | None = None) -> Feedback:
    """Change an item's status and/or assignee ("" to unassign); only within the viewer's lessons."""
    feedback = session.get(Feedback, feedback_id)
    if feedback is None or (scope is not None and feedback.lesson_id not in scope):
        raise ClientError(404, f"There is no feedback item {feedback_id}.")
    if status is not None:
        if status not in STATUSES:
            raise ClientError(422, f"status must be one of: {', '.join(STATUSES)}.")
        feedback.status = status
    if assignee is not None:
        if assignee == "":
            feedback.assignee_id = None
        else:
            user = session.scalar(select(User).where(User.username == assignee, User.active.is_(True)))
            if user is None:
                raise ClientError(422, f"There is no user {assignee!r} to assign this to.")
            feedback.assignee_id = user.id
    feedback.updated_at = utcnow()
    return feedback


def facets(session: Session, scope: frozenset[str] | None = None) -> dict[str, Any]:
    """What the filter menus offer (within the viewer's lessons): lessons, pages, users, rounds."""
    lessons = [lesson.id for lesson in session.scalars(select(Lesson).order_by(Lesson.id))
               if scope is None or lesson.id in scope]
    pages: set[tuple[str, str]] = set(session.execute(select(Feedback.lesson_id, Feedback.page).distinct()).all())
    pages |= set(session.execute(select(LessonPage.lesson_id, LessonPage.slug)).all())
    pages = {(lesson, page) for lesson, page in pages if scope is None or lesson in scope}
    users = list(session.scalars(select(User.username).where(User.active.is_(True)).order_by(User.username)))
    rounds = [(r.id, f"{r.lesson_id}: {r.title}")
              for r in session.scalars(select(ReviewRound).order_by(ReviewRound.id))
              if scope is None or r.lesson_id in scope]
    return {"lessons": lessons, "pages": sorted({p for _, p in pages}), "users": users, "rounds": rounds,
            "statuses": STATUSES, "categories": CATEGORIES, "sources": SOURCES}


def status_counts(session: Session, filters: Filters) -> dict[str, int]:
    base = _select(Filters(**{**filters.__dict__, "status": ""})).subquery()
    rows = session.execute(select(base.c.status, func.count()).group_by(base.c.status)).all()
    found = dict(rows)
    return {status: found.get(status, 0) for status in STATUSES}


def timestamp(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"
