"""The coordinator's pages (admin role only, enforced here on the server)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lessonkit.feedback import auth, lessons, questionnaires, rounds
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import ROLES, Lesson, LessonAccess, Questionnaire, User
from lessonkit.feedback.web import database, field, post_form, redirect, render, require_user, settings


def _overview(request: Request) -> dict:
    with database(request).read() as session:
        return {
            "lessons": list(session.scalars(select(Lesson).order_by(Lesson.id))),
            "rounds": rounds.list_rounds(session),
            "users": list(session.scalars(select(User).order_by(User.username))),
            "access": _access(session),
            "questionnaires": list(session.scalars(select(Questionnaire).order_by(Questionnaire.slug))),
        }


async def admin_page(request: Request) -> Response:
    await require_user(request, admin=True)
    data = await run_in_threadpool(_overview, request)
    return render(request, "admin.html", roles=ROLES, new_link=None, message="", **data)


def _access(session) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for row in session.scalars(select(LessonAccess).order_by(LessonAccess.lesson_id)):
        out.setdefault(row.user_id, []).append(row.lesson_id)
    return out


def _names(text: str) -> list[str]:
    return [name for name in text.replace(",", " ").split() if name]


async def _admin_action(request: Request, action, done=None) -> Response:
    """Run ``action(session, form)`` in a write transaction; a refusal comes back as a 422 page.
    After it is committed, ``done(result)`` makes the answer (by default, back to /admin)."""
    await require_user(request, admin=True)
    form = await post_form(request)

    def run():
        with database(request).write() as session:
            return action(session, form)

    try:
        result = await run_in_threadpool(run)
    except (auth.AuthError, lessons.LessonError, rounds.RoundError) as exc:
        data = await run_in_threadpool(_overview, request)
        return render(request, "admin.html", status=422, roles=ROLES, new_link=None, message=str(exc), **data)
    except questionnaires.QuestionnaireError as exc:
        data = await run_in_threadpool(_overview, request)
        return render(request, "admin.html", status=422, roles=ROLES, new_link=None,
                      message="The questionnaire has problems: " + "; ".join(exc.problems), **data)
    if done is not None:
        return await done(result)
    if isinstance(result, Response):
        return result
    return redirect("/admin")


async def add_lesson(request: Request) -> Response:
    def action(session, form):
        sites = [s for s in field(form, "sites").split() if s]
        lessons.add_or_update_lesson(session, field(form, "lesson").strip(), field(form, "title").strip() or None,
                                     sites)

    return await _admin_action(request, action)


async def open_round(request: Request) -> Response:
    def action(session, form):
        rounds.open_round(session, field(form, "lesson").strip(), field(form, "title"))

    return await _admin_action(request, action)


async def close_round(request: Request) -> Response:
    round_id = request.path_params["round"]
    return await _admin_action(request, lambda session, form: rounds.close_round(session, round_id))


async def invite(request: Request) -> Response:
    round_id = request.path_params["round"]

    def action(session, form):
        _invitation, token = auth.create_invitation(session, round_id, field(form, "name"), field(form, "email"))
        return token

    async def show_link(token: str) -> Response:
        data = await run_in_threadpool(_overview, request)
        # From the configured public address, never from the request's Host header.
        link = settings(request).public_url.rstrip("/") + f"/invite/{token}"
        return render(request, "admin.html", roles=ROLES, new_link=link, message="", **data)

    return await _admin_action(request, action, done=show_link)


async def revoke(request: Request) -> Response:
    invitation_id = request.path_params["invitation"]
    return await _admin_action(request, lambda session, form: auth.revoke_invitation(session, invitation_id))


async def add_user(request: Request) -> Response:
    def action(session, form):
        user = auth.create_user(session, field(form, "username"), field(form, "password"),
                                field(form, "role") or "author")
        lessons_given = _names(field(form, "lessons"))
        if lessons_given:
            auth.grant_lessons(session, user.username, lessons_given)

    return await _admin_action(request, action)


async def lesson_access(request: Request) -> Response:
    """Give an author access to lessons, or take it away (``withdraw=1``)."""
    def action(session, form):
        names = _names(field(form, "lessons"))
        if not names:
            raise auth.AuthError("name at least one lesson")
        change = auth.withdraw_lessons if field(form, "withdraw") == "1" else auth.grant_lessons
        change(session, field(form, "username"), names)

    return await _admin_action(request, action)


async def add_questionnaire(request: Request) -> Response:
    def action(session, form):
        questionnaires.install(session, questionnaires.load_yaml(field(form, "yaml")))

    return await _admin_action(request, action)


async def toggle_questionnaire(request: Request) -> Response:
    slug = request.path_params["slug"]

    def action(session, form):
        row = session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
        if row is None:
            raise ClientError(404, "There is no such questionnaire.")
        row.is_open = field(form, "open") == "1"

    return await _admin_action(request, action)


routes = [
    Route("/admin", admin_page, methods=["GET"]),
    Route("/admin/lessons", add_lesson, methods=["POST"]),
    Route("/admin/rounds", open_round, methods=["POST"]),
    Route("/admin/rounds/{round:id}/close", close_round, methods=["POST"]),
    Route("/admin/rounds/{round:id}/invitations", invite, methods=["POST"]),
    Route("/admin/invitations/{invitation:id}/revoke", revoke, methods=["POST"]),
    Route("/admin/users", add_user, methods=["POST"]),
    Route("/admin/access", lesson_access, methods=["POST"]),
    Route("/admin/questionnaires", add_questionnaire, methods=["POST"]),
    Route("/admin/questionnaires/{slug:qid}/open", toggle_questionnaire, methods=["POST"]),
]
