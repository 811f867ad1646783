"""Accepting feedback: validation and idempotent storage.

Every submission carries a ``client_id`` chosen by the sender. Storing is
idempotent on it: sending the same submission again (a retry after a lost
answer, a page reload) returns the stored one and never adds a second row;
reusing a client id for different content is refused (409).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from lessonkit.feedback.db import Database
from lessonkit.feedback.models import CATEGORIES, Feedback, Lesson, utcnow
from lessonkit.feedback.security import ClientError, clean_text

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}\Z")
SLUG = re.compile(r"^\w[\w.-]{0,199}\Z")  # letters (any script), digits, _ . -
ANCHOR_MAX = 200
TITLE_MAX = 300
COMMENT_MAX = 4000


@dataclass(frozen=True)
class Submission:
    client_id: str
    lesson: str
    page: str
    page_title: str = ""
    section: str = ""
    section_title: str = ""
    rating: int | None = None
    category: str | None = None
    comment: str = ""
    source: str = "widget"
    round_id: int | None = None
    invitation_id: int | None = None


def check_client_id(value: object) -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise ClientError(422, "client_id must be 8 to 64 letters, digits, '-' or '_'.",
                          {"client_id": "8 to 64 letters, digits, - or _"})
    return value


def check_slug(value: object, field: str) -> str:
    if not isinstance(value, str) or not SLUG.match(value):
        raise ClientError(422, f"{field} must be a page or lesson name (letters, digits, . _ -; no spaces).",
                          {field: "letters, digits, . _ -"})
    return value


def check_rating(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ClientError(422, "rating must be a whole number from 1 to 5.", {"rating": "1 to 5"})
    return value


def check_category(value: object, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ClientError(422, "Choose a category.", {"category": "required"})
        return None
    if value not in CATEGORIES:
        raise ClientError(422, f"category must be one of: {', '.join(CATEGORIES)}.",
                          {"category": "unknown category"})
    return str(value)


def parse_widget_payload(data: Any) -> Submission:
    """A JSON object from the page widget (or any API client) -> a Submission."""
    if not isinstance(data, dict):
        raise ClientError(422, "Send a JSON object.")
    known = {"client_id", "lesson", "page", "page_title", "section", "section_title", "rating", "category",
             "comment"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ClientError(422, f"Unknown field(s): {', '.join(unknown[:5])}.")
    rating = check_rating(data.get("rating"))
    comment = clean_text(data.get("comment"), "comment", COMMENT_MAX, multiline=True)
    if rating is None and not comment:
        raise ClientError(422, "Give a rating or write a comment.", {"comment": "rating or comment required"})
    return Submission(
        client_id=check_client_id(data.get("client_id")),
        lesson=check_slug(data.get("lesson"), "lesson"),
        page=check_slug(data.get("page"), "page"),
        page_title=clean_text(data.get("page_title"), "page_title", TITLE_MAX),
        section=clean_text(data.get("section"), "section", ANCHOR_MAX),
        section_title=clean_text(data.get("section_title"), "section_title", TITLE_MAX),
        rating=rating,
        category=check_category(data.get("category"), required=False),
        comment=comment,
    )


_FEEDBACK = Feedback.__table__
_COLUMNS = ("client_id", "lesson_id", "page", "page_title", "section", "section_title", "rating", "category",
            "comment", "source", "round_id", "invitation_id", "status", "created_at", "updated_at")


def _insert_statement(dialect: str):
    """INSERT ... ON CONFLICT (client_id) DO NOTHING RETURNING id, built once per dialect."""
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    return (insert(_FEEDBACK).values({name: bindparam(name) for name in _COLUMNS})
            .on_conflict_do_nothing(index_elements=["client_id"]).returning(_FEEDBACK.c.id))


_STATEMENTS = {dialect: _insert_statement(dialect) for dialect in ("sqlite", "postgresql")}
_LESSONS = Lesson.__table__
_SITES = select(_LESSONS.c.sites).where(_LESSONS.c.id == bindparam("lesson"))
_EXISTING = select(_FEEDBACK).where(_FEEDBACK.c.client_id == bindparam("client_id"))


def _store_one(connection: Connection, dialect: str, submission: Submission, origin: str | None,
               extra_origins: frozenset[str], known_sites: dict[str, str] | None = None) -> tuple[int, bool]:
    """Store one submission inside the caller's transaction (refusals raise ClientError before any write).

    ``known_sites`` maps lesson ids to their sites when the caller has read them already.
    """
    values = asdict(submission)
    values["lesson_id"] = values.pop("lesson")
    now = utcnow()
    values.update(status="new", created_at=now, updated_at=now)
    if known_sites is not None and submission.lesson in known_sites:
        sites: str | None = known_sites[submission.lesson]
    else:
        sites = connection.execute(_SITES, {"lesson": submission.lesson}).scalar()
    if sites is None:
        raise ClientError(404, f"The feedback service does not know the lesson {submission.lesson!r}.")
    if origin is not None and origin not in extra_origins and origin not in sites.splitlines():
        raise ClientError(403, "This site may not send feedback for this lesson.")
    new_id = connection.execute(_STATEMENTS[dialect], values).scalar()
    if new_id is not None:
        return new_id, True
    existing = connection.execute(_EXISTING, {"client_id": submission.client_id}).mappings().one()
    stored = Submission(client_id=existing["client_id"], lesson=existing["lesson_id"], page=existing["page"],
                        page_title=existing["page_title"], section=existing["section"],
                        section_title=existing["section_title"], rating=existing["rating"],
                        category=existing["category"], comment=existing["comment"], source=existing["source"],
                        round_id=existing["round_id"], invitation_id=existing["invitation_id"])
    if stored != submission:
        raise ClientError(409, "This client_id was already used for a different submission.")
    return existing["id"], False


def store(database: Database, submission: Submission, origin: str | None = None,
          extra_origins: frozenset[str] = frozenset()) -> tuple[int, bool]:
    """Store a submission once, in its own transaction; returns (feedback id, whether it was new).

    ``origin`` is the browser's Origin header, if any: it must be one of the
    lesson's sites (or a service-wide allowed origin).
    """
    with database.write_connection() as connection:
        return _store_one(connection, database.dialect, submission, origin, extra_origins)


Request = tuple[Submission, str | None, frozenset[str]]
Outcome = tuple[int, bool] | Exception


def store_many(database: Database, requests: list[Request]) -> list[Outcome]:
    """Store several submissions in one transaction (one commit, one fsync: a group commit).

    Returns, for each request in order, (id, new) or the exception refusing it
    (a ClientError, or a database error). Nothing is acknowledged before the
    commit returns. If the transaction as a whole fails, each submission is
    tried again in a transaction of its own, so one bad submission cannot fail
    the others.
    """
    try:
        with database.write_connection() as connection:
            wanted = {submission.lesson for submission, _, _ in requests}
            known_sites = dict(connection.execute(select(_LESSONS.c.id, _LESSONS.c.sites)
                                                  .where(_LESSONS.c.id.in_(wanted))).all())
            outcomes: list[Outcome] = []
            for submission, origin, extra in requests:
                try:
                    outcomes.append(_store_one(connection, database.dialect, submission, origin, extra,
                                               known_sites))
                except ClientError as refusal:
                    outcomes.append(refusal)
        return outcomes
    except Exception:
        if len(requests) == 1:
            raise
    outcomes = []
    for submission, origin, extra in requests:
        try:
            outcomes.append(store(database, submission, origin, extra))
        except Exception as refusal:
            outcomes.append(refusal)
    return outcomes
