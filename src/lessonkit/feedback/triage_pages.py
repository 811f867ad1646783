"""Triage for authors: filter, set status and assignee, export."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lessonkit.feedback import export, triage, validation
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.web import database, field, post_form, redirect, render, require_user, safe_next

PAGE_SIZE = 100


async def triage_page(request: Request) -> Response:
    who = await require_user(request)
    query = validation.read_query(request)
    filters = triage.parse_filters(query, who.lesson_scope)
    try:  # a page number out of range shows the first page
        page_number = validation.integer(query.get("p") or "1", "p", 1, 99_999)
    except ClientError:
        page_number = 1

    def load() -> dict:
        with database(request).read() as session:
            return {
                "items": triage.find(session, filters, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE),
                "total": triage.count(session, filters),
                "facets": triage.facets(session, filters.scope),
                "status_counts": triage.status_counts(session, filters),
            }

    data = await run_in_threadpool(load)
    return render(request, "triage.html", filters=filters, query=filters.query(), page_number=page_number,
                  page_size=PAGE_SIZE, here=str(request.url.path) + ("?" + request.url.query
                                                                     if request.url.query else ""), **data)


async def triage_update(request: Request) -> Response:
    who = await require_user(request)
    form = await post_form(request)
    item = request.path_params["item"]
    status = field(form, "status") or None
    assignee = validation.text(field(form, "assignee"), "assignee", 64) if "assignee" in form else None

    def save() -> None:
        with database(request).write() as session:
            triage.update(session, item, status=status, assignee=assignee, scope=who.lesson_scope)

    await run_in_threadpool(save)
    return redirect(safe_next(field(form, "next"), "/triage"))


async def triage_export(request: Request) -> Response:
    who = await require_user(request)
    fmt = request.path_params["fmt"]
    filters = triage.parse_filters(validation.read_query(request), who.lesson_scope)

    def load() -> list[dict]:
        with database(request).read() as session:
            return triage.find(session, filters)

    rows = await run_in_threadpool(load)
    lesson = "".join(c for c in filters.lesson if c.isascii() and (c.isalnum() or c in "._-"))[:100]
    name = "lessonkit-feedback" + (f"-{lesson}" if lesson else "") + f".{fmt}"
    disposition = "inline" if fmt == "md" else "attachment"
    return Response(export.render(rows, fmt), media_type=export.FORMATS[fmt],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


routes = [
    Route("/triage", triage_page, methods=["GET"]),
    Route("/triage/export.{fmt:fmt}", triage_export, methods=["GET"]),
    Route("/triage/{item:id}", triage_update, methods=["POST"]),
]
