"""The survey pages (``/workshops/{slug}/survey/pre`` and ``/post``), the organisers' form for the
workshop's own questions, and the impact report (page, offline HTML file, PDF)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from lessonkit.feedback import auth, questionnaires
from lessonkit.feedback.csrf import CSRF_FIELD
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import ServiceWorkshop
from lessonkit.feedback.questionnaires import QuestionnaireError
from lessonkit.feedback.submissions import check_client_id
from lessonkit.feedback.surveys import bank, pairing, render, store
from lessonkit.feedback.surveys.report import build_report
from lessonkit.feedback.web import csrf_token, database, field, post_form, redirect, require_user, viewer
from lessonkit.feedback.workshops import pages as _workshop_pages  # noqa: F401  (registers the wslug convertor)

log = logging.getLogger("lessonkit.feedback")
PHASE_TITLES = {"pre": "Before the workshop", "post": "After the workshop"}
MAX_ALSO = 50


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the service (its layout, header and CSRF field) from the surveys' templates."""
    who = getattr(request.state, "viewer", auth.ANONYMOUS)
    html = render.env.get_template(template).render(request=request, viewer=who, csrf_field=CSRF_FIELD,
                                                    csrf_token=csrf_token(request), **context)
    return HTMLResponse(html, status_code=status)


def _workshop(session, slug: str) -> ServiceWorkshop:
    from lessonkit.feedback.workshops.store import WorkshopError, find_workshop

    try:
        return find_workshop(session, slug)
    except WorkshopError:
        raise ClientError(404, "There is no workshop at this address.") from None


def _phase(request: Request) -> str:
    phase = request.path_params["phase"]
    if phase not in bank.PHASES:
        raise ClientError(404, "There is no such survey: the surveys are …/survey/pre and …/survey/post.")
    return phase


def _definition(request: Request, slug: str, phase: str) -> tuple[ServiceWorkshop, dict[str, Any]]:
    with database(request).read() as session:
        workshop = _workshop(session, slug)
        try:
            _, definition = store.current_definition(session, workshop, phase)
        except QuestionnaireError as exc:
            log.error("workshop %s: its own survey questions are wrong: %s", slug, exc)
            raise ClientError(503, "This survey cannot be shown yet: the workshop's own questions have a mistake, "
                                   "which its organisers can see and correct on the workshop's survey questions "
                                   f"page (/workshops/{slug}/survey/items).") from None
    return workshop, definition


def _form(request: Request, workshop: ServiceWorkshop, definition: dict[str, Any], phase: str, *,
          status: int = 200, errors: dict[str, str] | None = None, values: dict[str, list[str]] | None = None,
          client_id: str = "") -> HTMLResponse:
    return page(request, "survey.html", status=status, workshop=workshop, q=definition, phase=phase,
                phase_title=PHASE_TITLES[phase], errors=errors or {}, values=values or {},
                client_id=client_id or secrets.token_urlsafe(18), code_min=pairing.MIN_CODE)


async def survey_page(request: Request) -> Response:
    await viewer(request)
    phase = _phase(request)
    workshop, definition = await run_in_threadpool(_definition, request, request.path_params["slug"], phase)
    return _form(request, workshop, definition, phase)


def check_code(form: dict[str, list[str]]) -> tuple[str | None, dict[str, str]]:
    """The pairing code (None: anonymous) and the errors of the code fields."""
    code, anonymous = field(form, "code").strip(), field(form, "anonymous") == "yes"
    if anonymous:
        if code:
            return None, {"code": "You chose to answer anonymously: leave the code empty, or untick "
                                  "“answer anonymously” to pair your answers."}
        return None, {}
    if not code:
        return None, {"code": "Type your pairing code, or tick “answer anonymously”."}
    try:
        pairing.check(code)
    except pairing.CodeError as exc:
        return None, {"code": str(exc)}
    return code, {}


async def survey_submit(request: Request) -> Response:
    await viewer(request)
    phase, slug = _phase(request), request.path_params["slug"]
    form = await post_form(request, "forms")
    workshop, definition = await run_in_threadpool(_definition, request, slug, phase)
    client_id = check_client_id(field(form, "client_id"))
    code, errors = check_code(form)
    answers: dict[str, Any] = {}
    try:
        answers = questionnaires.parse_answers(definition, form)
    except questionnaires.AnswerErrors as exc:
        errors.update(exc.errors)
    values = {key: value for key, value in form.items() if key.startswith("q-") or key in ("code", "anonymous")}
    if errors:
        return _form(request, workshop, definition, phase, status=422, errors=errors, values=values,
                     client_id=client_id)

    def save() -> None:
        with database(request).write() as session:
            store.submit(session, _workshop(session, slug), phase, code, answers, client_id)

    try:
        await run_in_threadpool(save)
    except store.SurveyRefused as exc:
        return _form(request, workshop, definition, phase, status=422, errors=exc.fields, values=values,
                     client_id=secrets.token_urlsafe(18))
    return redirect(f"/workshops/{slug}/survey/{phase}/thanks")


async def thanks(request: Request) -> Response:
    await viewer(request)
    phase = _phase(request)
    workshop, _ = await run_in_threadpool(_definition, request, request.path_params["slug"], phase)
    return page(request, "survey_thanks.html", workshop=workshop, phase=phase, phase_title=PHASE_TITLES[phase])


# --- the organisers' form: the workshop's own questions ------------------------------------------

def _allowed(who: auth.Viewer, workshop: ServiceWorkshop, what: str) -> None:
    from lessonkit.feedback.workshops.access import can_see

    if not can_see(who, workshop, what):
        raise ClientError(403, "Only this workshop's organisers and instructors (and administrators) may see this."
                          if what == "report" else "Only this workshop's organisers (and administrators) may do this.")


def _items_state(request: Request, slug: str, who: auth.Viewer) -> dict[str, Any]:
    with database(request).read() as session:
        workshop = _workshop(session, slug)
        _allowed(who, workshop, "personal")
        row = session.get(store.SurveyWorkshop, workshop.id)
        try:
            from_file = bank.items_from_workshop_file(workshop.file_text or "")
            file_error = ""
        except QuestionnaireError as exc:
            from_file, file_error = [], "; ".join(exc.problems)
        return {"workshop": workshop, "own": row.items_text if row is not None and row.items is not None else "",
                "from_file": from_file, "file_error": file_error, "counts": store.response_counts(session, workshop)}


async def items_page(request: Request) -> Response:
    who = await require_user(request)
    state = await run_in_threadpool(_items_state, request, request.path_params["slug"], who)
    return page(request, "survey_items.html", text=state["own"], errors=[], saved=False, **state)


async def items_submit(request: Request) -> Response:
    who = await require_user(request)
    slug = request.path_params["slug"]
    form = await post_form(request, "forms")
    text = field(form, "items")
    state = await run_in_threadpool(_items_state, request, slug, who)
    if len(text) > 20_000:
        return page(request, "survey_items.html", status=422, text=text, saved=False, **state,
                    errors=[f"At most 20000 characters (this has {len(text)})."])

    def save() -> None:
        with database(request).write() as session:
            store.set_items(session, _workshop(session, slug), text)

    try:
        await run_in_threadpool(save)
    except QuestionnaireError as exc:
        return page(request, "survey_items.html", status=422, text=text, saved=False, errors=exc.problems,
                    **{k: v for k, v in state.items() if k != "own"})
    state = await run_in_threadpool(_items_state, request, slug, who)
    return page(request, "survey_items.html", text=state["own"], errors=[], saved=True, **state)


# --- the report ----------------------------------------------------------------------------------

def _report(request: Request, slug: str, who: auth.Viewer):
    also = [s for s in request.query_params.getlist("also") if s != slug][:MAX_ALSO]
    with database(request).read() as session:
        workshops = [_workshop(session, s) for s in [slug, *dict.fromkeys(also)]]
        for workshop in workshops:
            _allowed(who, workshop, "report")
        title = workshops[0].title if len(workshops) == 1 else f"{len(workshops)} workshops"
        return build_report(store.report_input(session, workshops, title))


async def report_page(request: Request) -> Response:
    who = await require_user(request)
    slug = request.path_params["slug"]
    report = await run_in_threadpool(_report, request, slug, who)
    query = request.url.query
    return page(request, "report_page.html", report=report, slug=slug, query=f"?{query}" if query else "")


async def report_file(request: Request) -> Response:
    who = await require_user(request)
    slug, fmt = request.path_params["slug"], request.url.path.rsplit(".", 1)[1]
    report = await run_in_threadpool(_report, request, slug, who)
    disposition = {"Content-Disposition": f'attachment; filename="{slug}-report.{fmt}"'}
    if fmt == "html":
        return HTMLResponse(render.report_html(report), headers=disposition)
    try:
        data = await run_in_threadpool(render.report_pdf, report)
    except RuntimeError as exc:
        raise ClientError(503, str(exc)) from None
    return Response(data, media_type="application/pdf", headers=disposition)


async def report_css(request: Request) -> Response:
    return Response(render.css(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


routes = [
    Route("/survey-assets/report.css", report_css, methods=["GET"]),
    Route("/workshops/{slug:wslug}/survey/items", items_page, methods=["GET"]),
    Route("/workshops/{slug:wslug}/survey/items", items_submit, methods=["POST"]),
    Route("/workshops/{slug:wslug}/survey/{phase:qid}", survey_page, methods=["GET"]),
    Route("/workshops/{slug:wslug}/survey/{phase:qid}", survey_submit, methods=["POST"]),
    Route("/workshops/{slug:wslug}/survey/{phase:qid}/thanks", thanks, methods=["GET"]),
    Route("/workshops/{slug:wslug}/report", report_page, methods=["GET"]),
    Route("/workshops/{slug:wslug}/report.html", report_file, methods=["GET"]),
    Route("/workshops/{slug:wslug}/report.pdf", report_file, methods=["GET"]),
]
