"""Accepting feedback: validation and idempotent storage.

Every submission carries a ``client_id`` chosen by the sender. Storing is
idempotent on it: sending the same submission again (a retry after a lost
answer, a page reload) returns the stored one and never adds a second row;
reusing a client id for different content is refused (409).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from lessonkit.feedback import validation
from lessonkit.feedback.db import Database
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import CATEGORIES, Feedback, Lesson, utcnow
from lessonkit.feedback.ratelimit import Rate, RateLimiter, too_many

ANCHOR_MAX = 200
TITLE_MAX = 300
COMMENT_MAX = 4000
SLUG = validation.IDENTIFIER
WIDGET_FIELDS = ("client_id", "lesson", "page", "page_title", "section", "section_title", "rating", "category",
                 "comment")


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


check_client_id = validation.client_id


def check_slug(value: object, field: str) -> str:
    return validation.identifier(value, field)


def check_rating(value: object) -> int | None:
    return validation.optional_integer(value, "rating", 1, 5, message="rating must be a whole number from 1 to 5.")


def check_category(value: object, required: bool) -> str | None:
    return validation.choice(value, "category", CATEGORIES, required=required, message="Choose a category.")


def parse_widget_payload(data: Any) -> Submission:
    """A JSON object from the page widget (or any API client) -> a Submission."""
    if not isinstance(data, dict):
        raise ClientError(422, "Send a JSON object.")
    validation.known_fields(data, WIDGET_FIELDS)
    rating = check_rating(data.get("rating"))
    comment = validation.text(data.get("comment"), "comment", COMMENT_MAX, multiline=True)
    if rating is None and not comment:
        raise ClientError(422, "Give a rating or write a comment.", {"comment": "rating or comment required"})
    return Submission(
        client_id=check_client_id(data.get("client_id")),
        lesson=check_slug(data.get("lesson"), "lesson"),
        page=check_slug(data.get("page"), "page"),
        page_title=validation.text(data.get("page_title"), "page_title", TITLE_MAX),
        section=validation.anchor(data.get("section"), "section"),
        section_title=validation.text(data.get("section_title"), "section_title", TITLE_MAX),
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


@dataclass(frozen=True)
class Limit:
    """The rate limit a submission is counted against (taken in the transaction that stores it)."""

    bucket: str
    key: str
    rate: Rate


def store(database: Database, submission: Submission, origin: str | None = None,
          extra_origins: frozenset[str] = frozenset(), limit: Limit | None = None,
          limiter: RateLimiter | None = None) -> tuple[int, bool]:
    """Store a submission once, in its own transaction; returns (feedback id, whether it was new).

    ``origin`` is the browser's Origin header, if any: it must be one of the
    lesson's sites (or a service-wide allowed origin).
    """
    with database.write_connection() as connection:
        if limit is not None and limiter is not None:
            wait = limiter.hit_in(connection, limit.bucket, limit.key, limit.rate)
            if wait > 0:
                raise too_many(wait)
        return _store_one(connection, database.dialect, submission, origin, extra_origins)


Request = tuple[Submission, str | None, frozenset[str]]
Outcome = tuple[int, bool] | Exception


def store_many(database: Database, requests: list[Request], limits: list[Limit | None] | None = None,
               limiter: RateLimiter | None = None) -> list[Outcome]:
    """Store several submissions in one transaction (one commit, one fsync: a group commit).

    Returns, for each request in order, (id, new) or the exception refusing it
    (a ClientError, or a database error). Nothing is acknowledged before the
    commit returns. Each request's rate limit (``limits``) is taken in the same
    transaction, so every service process counts against one shared bucket.
    Rows are locked in one order (rate buckets by key, then submissions by
    client id), so concurrent batches from several workers cannot deadlock.

    If the database is busy or unreachable (``OperationalError``), the whole
    batch fails at once: its requests are answered 503 with ``Retry-After``.
    If the transaction fails for another reason (a submission the database
    refuses), each submission is tried again in a transaction of its own, so
    one bad submission cannot fail the others.
    """
    count = len(requests)
    limits = limits if limits is not None else [None] * count
    try:
        with database.write_connection() as connection:
            outcomes: list[Outcome | None] = [None] * count
            if limiter is not None:
                limited = sorted((i for i in range(count) if limits[i] is not None),
                                 key=lambda i: (limits[i].bucket, limits[i].key, i))
                for i in limited:
                    limit = limits[i]
                    wait = limiter.hit_in(connection, limit.bucket, limit.key, limit.rate)
                    if wait > 0:
                        outcomes[i] = too_many(wait)
            wanted = {submission.lesson for submission, _, _ in requests}
            known_sites = dict(connection.execute(select(_LESSONS.c.id, _LESSONS.c.sites)
                                                  .where(_LESSONS.c.id.in_(wanted))).all())
            for i in sorted(range(count), key=lambda i: (requests[i][0].client_id, i)):
                if outcomes[i] is not None:
                    continue
                submission, origin, extra = requests[i]
                try:
                    outcomes[i] = _store_one(connection, database.dialect, submission, origin, extra,
                                             known_sites)
                except ClientError as refusal:
                    outcomes[i] = refusal
        return [outcome for outcome in outcomes if outcome is not None]
    except OperationalError:
        raise
    except Exception:
        if count == 1:
            raise
    outcomes = []
    for (submission, origin, extra), limit in zip(requests, limits, strict=True):
        try:
            outcomes.append(store(database, submission, origin, extra, limit, limiter))
        except Exception as refusal:
            outcomes.append(refusal)
    return outcomes
