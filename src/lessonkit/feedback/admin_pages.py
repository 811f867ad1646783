"""The coordinator's pages (admin role only, enforced here on the server)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lessonkit.feedback import auth, lessons, questionnaires, rounds
from lessonkit.feedback.models import ROLES, Lesson, Questionnaire, User
from lessonkit.feedback.security import ClientError
from lessonkit.feedback.web import database, field, post_form, redirect, render, require_user


def _overview(request: Request) -> dict:
    with database(request).read() as session:
        return {
            "lessons": list(session.scalars(select(Lesson).order_by(Lesson.id))),
            "rounds": rounds.list_rounds(session),
            "users": list(session.scalars(select(User).order_by(User.username))),
            "questionnaires": list(session.scalars(select(Questionnaire).order_by(Questionnaire.slug))),
        }


async def admin_page(request: Request) -> Response:
    await require_user(request, admin=True)
    data = await run_in_threadpool(_overview, request)
    return render(request, "admin.html", roles=ROLES, new_link=None, message="", **data)


def _int(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise ClientError(404, f"There is no such {what}.")
    return int(text)


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
    round_id = _int(request.path_params["round"], "review round")
    return await _admin_action(request, lambda session, form: rounds.close_round(session, round_id))


async def invite(request: Request) -> Response:
    round_id = _int(request.path_params["round"], "review round")

    def action(session, form):
        _invitation, token = auth.create_invitation(session, round_id, field(form, "name"), field(form, "email"))
        return token

    async def show_link(token: str) -> Response:
        data = await run_in_threadpool(_overview, request)
        link = str(request.base_url).rstrip("/") + f"/invite/{token}"
        return render(request, "admin.html", roles=ROLES, new_link=link, message="", **data)

    return await _admin_action(request, action, done=show_link)


async def revoke(request: Request) -> Response:
    invitation_id = _int(request.path_params["invitation"], "invitation")
    return await _admin_action(request, lambda session, form: auth.revoke_invitation(session, invitation_id))


async def add_user(request: Request) -> Response:
    def action(session, form):
        auth.create_user(session, field(form, "username"), field(form, "password"),
                         field(form, "role") or "author")

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
    Route("/admin/rounds/{round}/close", close_round, methods=["POST"]),
    Route("/admin/rounds/{round}/invitations", invite, methods=["POST"]),
    Route("/admin/invitations/{invitation}/revoke", revoke, methods=["POST"]),
    Route("/admin/users", add_user, methods=["POST"]),
    Route("/admin/questionnaires", add_questionnaire, methods=["POST"]),
    Route("/admin/questionnaires/{slug}/open", toggle_questionnaire, methods=["POST"]),
]
