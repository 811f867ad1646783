"""Reviewers: one-time invitation links, and commenting per episode and section."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lessonkit.feedback import auth, lessons, submissions, validation
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import Feedback, Invitation, Lesson, ReviewRound
from lessonkit.feedback.web import (
    database,
    field,
    post_form,
    redirect,
    render,
    set_session_cookie,
    viewer,
)


async def invitation_page(request: Request) -> Response:
    """GET shows the invitation without using it (so link previews and scanners cannot spend it)."""
    token = request.path_params["token"]

    def load():
        with database(request).read() as session:
            invitation = auth.find_invitation(session, token)
            if invitation is None:
                return None, None, None
            review_round = session.get(ReviewRound, invitation.round_id)
            lesson = session.get(Lesson, review_round.lesson_id) if review_round else None
            return invitation, review_round, lesson

    invitation, review_round, lesson = await run_in_threadpool(load)
    if invitation is None or review_round is None:
        raise ClientError(404, "This invitation link is not valid. Check that you copied all of it.")
    problem = ""
    if invitation.revoked_at is not None:
        problem = "This invitation has been withdrawn."
    elif review_round.closed_at is not None:
        problem = "This review round is closed."
    elif invitation.used_at is not None:
        problem = "This invitation link has already been used. Ask the coordinator for a new one."
    return render(request, "invitation.html", status=410 if problem else 200, invitation=invitation,
                  review_round=review_round, lesson=lesson, problem=problem, token=token)


async def redeem(request: Request) -> Response:
    await post_form(request, "forms")
    token = request.path_params["token"]

    def use() -> str:
        with database(request).write() as session:
            return auth.redeem_invitation(session, token)

    try:
        session_token = await run_in_threadpool(use)
    except auth.AuthError as exc:
        raise ClientError(410, f"{str(exc).capitalize()}.") from exc
    response = redirect("/review")
    set_session_cookie(request, response, session_token, auth.REVIEWER_SESSION_DAYS)
    return response


async def _reviewer(request: Request) -> auth.Viewer:
    who = await viewer(request)
    if not who.is_reviewer:
        raise ClientError(403, "Open the invitation link you were sent to review this lesson.")
    return who


def _context(request: Request, who: auth.Viewer) -> dict:
    with database(request).read() as session:
        review_round = session.get(ReviewRound, who.round_id)
        lesson = session.get(Lesson, who.lesson_id)
        pages = lessons.pages_of(session, who.lesson_id)
        mine = list(session.scalars(select(Feedback).where(Feedback.invitation_id == who.invitation_id)
                                    .order_by(Feedback.id.desc())))
    return {"review_round": review_round, "lesson": lesson, "pages": pages, "mine": mine,
            "client_id": secrets.token_urlsafe(18)}


async def review_page(request: Request) -> Response:
    who = await _reviewer(request)
    context = await run_in_threadpool(_context, request, who)
    return render(request, "review.html", **context, saved=request.query_params.get("saved") == "1",
                  errors={}, values={})


async def review_submit(request: Request) -> Response:
    who = await _reviewer(request)
    form = await post_form(request, "forms")

    def save() -> int:
        with database(request).read() as session:
            review_round = session.get(ReviewRound, who.round_id)
            if review_round is None or review_round.closed_at is not None:
                raise ClientError(403, "This review round is closed; comments can no longer be added.")
            invitation = session.get(Invitation, who.invitation_id)
            if invitation is None or invitation.revoked_at is not None:
                raise ClientError(403, "This invitation has been withdrawn.")
            pages = {p.slug: p for p in lessons.pages_of(session, who.lesson_id)}
        page = field(form, "page").strip()
        section = field(form, "section").strip()
        page_title = section_title = ""
        if pages:
            if page not in pages:
                raise ClientError(422, "Choose an episode from the list.", {"page": "choose an episode"})
            page_title = pages[page].title
            if section:
                slug, _, anchor = section.partition("#")
                headings = dict(tuple(s) for s in pages[page].sections)
                if slug != page or anchor not in headings:
                    raise ClientError(422, "That section is not in the episode you chose.",
                                      {"section": "not in this episode"})
                section, section_title = anchor, headings[anchor]
        else:
            submissions.check_slug(page, "episode")
            section_title = validation.text(section, "section", submissions.TITLE_MAX)
            section = ""
        submission = submissions.Submission(
            client_id=submissions.check_client_id(field(form, "client_id")),
            lesson=who.lesson_id, page=page, page_title=page_title, section=section,
            section_title=section_title,
            category=submissions.check_category(field(form, "category"), required=True),
            comment=validation.text(field(form, "comment"), "comment", submissions.COMMENT_MAX, required=True,
                               multiline=True),
            source="review", round_id=who.round_id, invitation_id=who.invitation_id)
        feedback_id, _ = submissions.store(database(request), submission)
        return feedback_id

    try:
        await run_in_threadpool(save)
    except ClientError as exc:
        if exc.status != 422:
            raise
        context = await run_in_threadpool(_context, request, who)
        return render(request, "review.html", status=422, **context, saved=False, errors=exc.fields,
                      error=exc.message, values={k: field(form, k) for k in ("page", "section", "category",
                                                                                "comment")})
    return redirect("/review?saved=1")


routes = [
    Route("/invite/{token:token}", invitation_page, methods=["GET"]),
    Route("/invite/{token:token}", redeem, methods=["POST"]),
    Route("/review", review_page, methods=["GET"]),
    Route("/review", review_submit, methods=["POST"]),
]
