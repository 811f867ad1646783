"""Review rounds: a coordinator opens one for a lesson and invites reviewers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lessonkit.feedback.models import Feedback, Invitation, Lesson, ReviewRound, utcnow


class RoundError(ValueError):
    pass


def open_round(session: Session, lesson_id: str, title: str) -> ReviewRound:
    if session.get(Lesson, lesson_id) is None:
        raise RoundError(f"there is no lesson {lesson_id!r} (add it first with add-lesson)")
    title = " ".join(title.split())
    if not title or len(title) > 300:
        raise RoundError("a review round's title has 1 to 300 characters")
    review_round = ReviewRound(lesson_id=lesson_id, title=title)
    session.add(review_round)
    session.flush()
    return review_round


def close_round(session: Session, round_id: int) -> ReviewRound:
    review_round = session.get(ReviewRound, round_id)
    if review_round is None:
        raise RoundError(f"there is no review round {round_id}")
    if review_round.closed_at is None:
        review_round.closed_at = utcnow()
    return review_round


def list_rounds(session: Session) -> list[dict]:
    comments = dict(session.execute(select(Feedback.round_id, func.count()).where(Feedback.round_id.is_not(None))
                                    .group_by(Feedback.round_id)).all())
    out = []
    for r in session.scalars(select(ReviewRound).order_by(ReviewRound.id)):
        invitations = list(session.scalars(select(Invitation).where(Invitation.round_id == r.id)
                                           .order_by(Invitation.id)))
        out.append({"round": r, "invitations": invitations, "comments": comments.get(r.id, 0)})
    return out
