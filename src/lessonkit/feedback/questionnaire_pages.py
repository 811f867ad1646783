"""Questionnaires as web forms, and their summaries (counts and charts) for authors."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lessonkit.feedback import questionnaires
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import Questionnaire, QuestionnaireResponse
from lessonkit.feedback.submissions import check_client_id
from lessonkit.feedback.web import database, field, post_form, redirect, render, require_user


def _load(request: Request, slug: str) -> Questionnaire:
    with database(request).read() as session:
        row = session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
    if row is None:
        raise ClientError(404, "There is no questionnaire at this address.")
    return row


async def form_page(request: Request) -> Response:
    row = await run_in_threadpool(_load, request, request.path_params["slug"])
    if not row.is_open:
        return render(request, "questionnaire_closed.html", status=410, questionnaire=row)
    return render(request, "questionnaire.html", questionnaire=row, q=row.definition, errors={}, values={},
                  client_id=secrets.token_urlsafe(18))


async def form_submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await post_form(request, "forms")
    row = await run_in_threadpool(_load, request, slug)
    if not row.is_open:
        return render(request, "questionnaire_closed.html", status=410, questionnaire=row)
    client_id = check_client_id(field(form, "client_id"))
    try:
        answers = questionnaires.parse_answers(row.definition, form)
    except questionnaires.AnswerErrors as exc:
        values = {key: value for key, value in form.items() if key.startswith("q-")}
        return render(request, "questionnaire.html", status=422, questionnaire=row, q=row.definition,
                      errors=exc.errors, values=values, client_id=client_id)
    await run_in_threadpool(questionnaires.store_response, database(request), slug, client_id, answers)
    return redirect(f"/q/{slug}/thanks")


async def thanks(request: Request) -> Response:
    row = await run_in_threadpool(_load, request, request.path_params["slug"])
    return render(request, "questionnaire_thanks.html", questionnaire=row)


def _responses(request: Request, slug: str) -> tuple[Questionnaire, list[dict]]:
    with database(request).read() as session:
        row = session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
        if row is None:
            raise ClientError(404, "There is no questionnaire at this address.")
        answers = list(session.scalars(select(QuestionnaireResponse.answers)
                                       .where(QuestionnaireResponse.questionnaire_id == row.id)
                                       .order_by(QuestionnaireResponse.id)))
    return row, answers


async def summary_page(request: Request) -> Response:
    await require_user(request)
    row, answers = await run_in_threadpool(_responses, request, request.path_params["slug"])
    return render(request, "questionnaire_summary.html", questionnaire=row, responses=len(answers),
                  summaries=questionnaires.summarise(row.definition, answers))


async def responses_json(request: Request) -> Response:
    await require_user(request)
    row, answers = await run_in_threadpool(_responses, request, request.path_params["slug"])
    return JSONResponse({"questionnaire": row.definition, "responses": answers},
                        headers={"Content-Disposition": f'attachment; filename="{row.slug}-responses.json"'})


async def list_page(request: Request) -> Response:
    await require_user(request)

    def load() -> list[tuple[Questionnaire, int]]:
        with database(request).read() as session:
            counts = dict(session.execute(select(QuestionnaireResponse.questionnaire_id, func.count())
                                          .group_by(QuestionnaireResponse.questionnaire_id)).all())
            return [(q, counts.get(q.id, 0)) for q in session.scalars(select(Questionnaire)
                                                                       .order_by(Questionnaire.slug))]

    return render(request, "questionnaires.html", rows=await run_in_threadpool(load))


routes = [
    Route("/questionnaires", list_page, methods=["GET"]),
    Route("/questionnaires/{slug:qid}/summary", summary_page, methods=["GET"]),
    Route("/questionnaires/{slug:qid}/responses.json", responses_json, methods=["GET"]),
    Route("/q/{slug:qid}", form_page, methods=["GET"]),
    Route("/q/{slug:qid}", form_submit, methods=["POST"]),
    Route("/q/{slug:qid}/thanks", thanks, methods=["GET"]),
]
