"""The workshop pages: public page and registration form, the private registration link, session
sign-in, the organisers' and instructors' page, the CSV export, and the administrators' upload."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import CAREER_STAGES, WORKSHOP_ROLES, User
from lessonkit.feedback.web import (
    database,
    field,
    post_form,
    redirect,
    render,
    require_user,
    settings,
    viewer,
)
from lessonkit.feedback.workshops import mail, store
from lessonkit.feedback.workshops.access import can_see, role_in

log = logging.getLogger("lessonkit.feedback.workshops")
UPLOAD_MAX = 64 * 1024


def _link(request: Request, token: str) -> str:
    # From the configured public address, never from the request's Host header.
    return settings(request).public_url.rstrip("/") + f"/registration/{token}"


def _mailer(request: Request) -> mail.Mailer:
    return mail.Mailer.from_settings(settings(request))


def _send(request: Request, to: str, subject: str, body: str) -> None:
    try:
        _mailer(request).send(to, subject, body)
    except OSError as exc:  # e.g. the outbox folder cannot be written: the registration stands
        log.error("could not send or write an e-mail: %s: %s", type(exc).__name__, exc)


def _public(request: Request, slug: str) -> dict:
    with database(request).read() as session:
        try:
            workshop = store.find_workshop(session, slug)
        except store.WorkshopError:
            raise ClientError(404, "There is no workshop at this address.") from None
        counts = store.headcounts(session, workshop.id)
        return {"workshop": workshop, "sessions": store.sessions_of(session, workshop.id), "counts": counts}


def _page(request: Request, data: dict, form: store.Form | None = None, errors: dict | None = None,
          message: str = "", status: int = 200) -> Response:
    is_open, why = store.registration_state(data["workshop"])
    workshop, counts = data["workshop"], data["counts"]
    free = None if workshop.capacity is None else max(0, workshop.capacity - counts["seated"])
    return render(request, "workshop.html", status=status, form=form or store.Form(), errors=errors or {},
                  message=message, is_open=is_open, closed_reason=why, free=free, stages=CAREER_STAGES,
                  when=mail._when, **data)


async def list_page(request: Request) -> Response:
    await viewer(request)

    def load():
        with database(request).read() as session:
            return [(w, store.headcounts(session, w.id)) for w in store.list_workshops(session)]

    return render(request, "workshops.html", rows=await run_in_threadpool(load), when=mail._when)


async def workshop_page(request: Request) -> Response:
    await viewer(request)
    data = await run_in_threadpool(_public, request, request.path_params["slug"])
    return _page(request, data)


async def register(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await post_form(request, "forms")
    typed = store.Form.from_fields(lambda name: field(form, name))

    def run():
        with database(request).write() as session:
            row = store.register(session, slug, typed)
            workshop = session.get(store.ServiceWorkshop, row.workshop_id)  # already loaded: no query
            return (workshop, store.sessions_of(session, workshop.id), row, store.waiting_position(session, row))

    try:
        workshop, sessions, row, position = await run_in_threadpool(run)
    except store.RegistrationRefused as exc:
        data = await run_in_threadpool(_public, request, slug)
        return _page(request, data, typed, exc.fields, str(exc), status=exc.status)
    except store.WorkshopError:
        raise ClientError(404, "There is no workshop at this address.") from None
    subject, body = mail.confirmation(workshop, sessions, row, _link(request, row.token), position)
    await run_in_threadpool(_send, request, row.email, subject, body)
    return redirect(f"/registration/{row.token}?new=1")


async def resend_link(request: Request) -> Response:
    """E-mail a registration's private link again, to the registered address only (the answer is the
    same whether or not the address is registered)."""
    slug = request.path_params["slug"]
    form = await post_form(request, "forms")
    email = field(form, "email")[:300]

    def run():
        with database(request).read() as session:
            try:
                workshop = store.find_workshop(session, slug)
            except store.WorkshopError:
                raise ClientError(404, "There is no workshop at this address.") from None
            row = store.active_by_email(session, workshop.id, email)
            if row is None or row.token is None:
                return workshop, None, None, None
            return workshop, store.sessions_of(session, workshop.id), row, store.waiting_position(session, row)

    workshop, sessions, row, position = await run_in_threadpool(run)
    if row is not None:
        subject, body = mail.confirmation(workshop, sessions, row, _link(request, row.token), position)
        await run_in_threadpool(_send, request, row.email, subject, body)
    data = await run_in_threadpool(_public, request, slug)
    return _page(request, data, message=f"If {email} is registered for this workshop, its private link is on "
                                        "its way there now.", status=200)


def _registration(request: Request, token: str) -> dict:
    with database(request).read() as session:
        row = store.by_token(session, token)
        if row is None:
            raise ClientError(404, "This registration link is not valid (or the registration's personal data "
                                   "has been deleted after the workshop).")
        workshop = session.get(store.ServiceWorkshop, row.workshop_id)
        return {"registration": row, "workshop": workshop, "sessions": store.sessions_of(session, workshop.id),
                "position": store.waiting_position(session, row)}


async def registration_page(request: Request) -> Response:
    await viewer(request)
    data = await run_in_threadpool(_registration, request, request.path_params["token"])
    return render(request, "workshop_registration.html", new=request.query_params.get("new") == "1",
                  cancelled_now=request.query_params.get("cancelled") == "1", when=mail._when, **data)


async def cancel(request: Request) -> Response:
    token = request.path_params["token"]
    await post_form(request, "forms")

    def run():
        with database(request).write() as session:
            try:
                row, promoted = store.cancel(session, token)
            except store.WorkshopError:
                raise ClientError(404, "This registration link is not valid.") from None
            workshop = session.get(store.ServiceWorkshop, row.workshop_id)
            return workshop, store.sessions_of(session, workshop.id), promoted

    workshop, sessions, promoted = await run_in_threadpool(run)
    for person in promoted:
        subject, body = mail.promoted(workshop, sessions, person, _link(request, person.token))
        await run_in_threadpool(_send, request, person.email, subject, body)
    return redirect(f"/registration/{token}?cancelled=1")


# --- sign-in -------------------------------------------------------------------------------------

def _session_for(request: Request, code: str) -> dict:
    with database(request).read() as session:
        target = store.session_by_code(session, code)
        if target is None:
            return {"target": None, "workshop": None}
        return {"target": target, "workshop": session.get(store.ServiceWorkshop, target.workshop_id)}


async def sign_in_page(request: Request) -> Response:
    await viewer(request)
    code = request.path_params.get("code", "")
    data = await run_in_threadpool(_session_for, request, code) if code else {"target": None, "workshop": None}
    status = 404 if code and data["target"] is None else 200
    errors = {"code": "That sign-in code is not one of this service's sessions."} if status == 404 else {}
    return render(request, "workshop_sign_in.html", status=status, code=store.normalise_code(code), email="",
                  errors=errors, message="", done=None, when=mail._when, **data)


async def sign_in(request: Request) -> Response:
    form = await post_form(request, "forms")
    code = request.path_params.get("code") or field(form, "code")
    email = field(form, "email")[:300]

    def run():
        with database(request).write() as session:
            target, person, new = store.sign_in(session, code, email)
            workshop = session.get(store.ServiceWorkshop, target.workshop_id)
            return {"target": target, "workshop": workshop, "done": {"new": new, "name": person.name}}

    try:
        data = await run_in_threadpool(run)
    except store.RegistrationRefused as exc:
        data = await run_in_threadpool(_session_for, request, code)
        return render(request, "workshop_sign_in.html", status=exc.status if exc.status != 409 else 422,
                      code=store.normalise_code(code), email=email, errors=exc.fields, message=str(exc),
                      done=None, when=mail._when, **data)
    return render(request, "workshop_sign_in.html", code=store.normalise_code(code), email="", errors={},
                  message="", when=mail._when, **data)


# --- organisers and instructors ------------------------------------------------------------------

def _manage(request: Request, slug: str, who) -> dict:
    from sqlalchemy import select

    from lessonkit.feedback.models import Attendance, Registration, WorkshopRole

    with database(request).read() as session:
        try:
            workshop = store.find_workshop(session, slug)
        except store.WorkshopError:
            raise ClientError(404, "There is no workshop at this address.") from None
        if not can_see(who, workshop, "attendance"):
            raise ClientError(403, "Only this workshop's organisers and instructors (and administrators) may "
                                   "see this page.")
        sessions = store.sessions_of(session, workshop.id)
        people = list(session.scalars(select(Registration).where(Registration.workshop_id == workshop.id,
                                                                  Registration.status != "cancelled")
                                      .order_by(Registration.status.desc(), Registration.id)))
        signed = {(r, s) for r, s in session.execute(
            select(Attendance.registration_id, Attendance.session_id)
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Registration.workshop_id == workshop.id))}
        roles = []
        if who.is_admin:
            roles = [(name, role) for name, role in session.execute(
                select(User.username, WorkshopRole.role).join(User, User.id == WorkshopRole.user_id)
                .where(WorkshopRole.workshop_id == workshop.id).order_by(User.username))]
        log = store.export_log(session, workshop.slug, 50) if can_see(who, workshop, "personal") else []
        return {"workshop": workshop, "sessions": sessions, "people": people, "signed": signed,
                "counts": store.headcounts(session, workshop.id), "roles": roles, "log": log}


async def manage_page(request: Request, message: str = "", status: int = 200, typed_user: str = "") -> Response:
    who = await require_user(request)
    data = await run_in_threadpool(_manage, request, request.path_params["slug"], who)
    public = settings(request).public_url.rstrip("/")
    return render(request, "workshop_manage.html", status=status, personal=can_see(who, data["workshop"], "personal"),
                  role=("administrator" if who.is_admin else role_in(who, data["workshop"])), public=public,
                  workshop_roles=WORKSHOP_ROLES, message=message, typed_user=typed_user, when=mail._when, **data)


async def export_csv(request: Request) -> Response:
    who = await require_user(request)
    slug = request.path_params["slug"]

    def run():
        with database(request).write() as session:
            try:
                workshop = store.find_workshop(session, slug)
            except store.WorkshopError:
                raise ClientError(404, "There is no workshop at this address.") from None
            if not can_see(who, workshop, "personal"):
                raise ClientError(403, "Only this workshop's organisers (and administrators) may export its "
                                       "registrations: they are personal data.")
            return store.export_registrations(session, slug, who.username, "web")[0]

    text = await run_in_threadpool(run)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{slug}-registrations.csv"',
        "Cache-Control": "no-store"})


async def set_role(request: Request) -> Response:
    await require_user(request, admin=True)
    slug = request.path_params["slug"]
    form = await post_form(request)

    def run():
        with database(request).write() as session:
            if field(form, "withdraw") == "1":
                store.withdraw(session, field(form, "username"), slug)
            else:
                store.grant(session, field(form, "username"), slug, field(form, "role"))

    try:
        await run_in_threadpool(run)
    except store.WorkshopError as exc:
        return await manage_page(request, message=str(exc), status=422, typed_user=field(form, "username")[:64])
    return redirect(f"/workshops/{slug}/manage")


# --- administrators: publish by upload ----------------------------------------------------------

async def publish_page(request: Request) -> Response:
    await require_user(request, admin=True)
    return render(request, "workshop_publish.html", text="", problems=[], message="")


async def publish(request: Request) -> Response:
    await require_user(request, admin=True)
    form = await post_form(request)
    text = field(form, "yaml")
    if not text.strip():
        return render(request, "workshop_publish.html", status=422, text=text, message="Paste a workshop file.",
                      problems=[])
    if len(text) > UPLOAD_MAX:
        return render(request, "workshop_publish.html", status=422, text=text, problems=[],
                      message=f"That is too long for a workshop file (at most {UPLOAD_MAX // 1024} KiB).")

    def run():
        # load_workshop reads a file: the upload goes into a private temporary folder (lessons named with
        # 'lesson:' are found in the catalogue, as for a file anywhere else).
        with tempfile.TemporaryDirectory(prefix="lessonkit-upload-") as folder:
            path = Path(folder) / "workshop.yaml"
            path.write_text(text, encoding="utf-8")
            with database(request).write() as session:
                row, created = store.publish(session, path, text=text, shown_as="workshop.yaml")
                return row.slug, created

    try:
        slug, _created = await run_in_threadpool(run)
    except store.WorkshopError as exc:
        return render(request, "workshop_publish.html", status=422, text=text, message=str(exc),
                      problems=exc.problems)
    return redirect(f"/workshops/{quote(slug)}/manage")


routes = [
    Route("/workshops", list_page, methods=["GET"]),
    Route("/workshops/{slug:wslug}", workshop_page, methods=["GET"]),
    Route("/workshops/{slug:wslug}/register", register, methods=["POST"]),
    Route("/workshops/{slug:wslug}/resend-link", resend_link, methods=["POST"]),
    Route("/workshops/{slug:wslug}/manage", manage_page, methods=["GET"]),
    Route("/workshops/{slug:wslug}/registrations.csv", export_csv, methods=["GET"]),
    Route("/workshops/{slug:wslug}/roles", set_role, methods=["POST"]),
    Route("/registration/{token:token}", registration_page, methods=["GET"]),
    Route("/registration/{token:token}/cancel", cancel, methods=["POST"]),
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", sign_in, methods=["POST"]),
    Route("/sign-in/{code:code}", sign_in_page, methods=["GET"]),
    Route("/sign-in/{code:code}", sign_in, methods=["POST"]),
    Route("/admin/workshops", publish_page, methods=["GET"]),
    Route("/admin/workshops", publish, methods=["POST"]),
]
