"""Triage for authors: filter, set status and assignee, export."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lessonkit.feedback import export, triage
from lessonkit.feedback.security import ClientError
from lessonkit.feedback.web import database, field, post_form, redirect, render, require_user, safe_next

PAGE_SIZE = 100


async def triage_page(request: Request) -> Response:
    await require_user(request)
    filters = triage.parse_filters(request.query_params)
    page_text = request.query_params.get("p", "1")
    page_number = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 1

    def load() -> dict:
        with database(request).read() as session:
            return {
                "items": triage.find(session, filters, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE),
                "total": triage.count(session, filters),
                "facets": triage.facets(session),
                "status_counts": triage.status_counts(session, filters),
            }

    data = await run_in_threadpool(load)
    return render(request, "triage.html", filters=filters, query=filters.query(), page_number=page_number,
                  page_size=PAGE_SIZE, here=str(request.url.path) + ("?" + request.url.query
                                                                     if request.url.query else ""), **data)


async def triage_update(request: Request) -> Response:
    await require_user(request)
    form = await post_form(request)
    item_text = request.path_params["item"]
    if not item_text.isdigit() or len(item_text) > 12:
        raise ClientError(404, "There is no such feedback item.")
    status = field(form, "status") or None
    assignee = field(form, "assignee") if "assignee" in form else None

    def save() -> None:
        with database(request).write() as session:
            triage.update(session, int(item_text), status=status, assignee=assignee)

    await run_in_threadpool(save)
    return redirect(safe_next(field(form, "next"), "/triage"))


async def triage_export(request: Request) -> Response:
    await require_user(request)
    fmt = request.path_params["fmt"]
    if fmt not in export.FORMATS:
        raise ClientError(404, f"Unknown export format {fmt!r}: use csv, json or md.")
    filters = triage.parse_filters(request.query_params)

    def load() -> list[dict]:
        with database(request).read() as session:
            return triage.find(session, filters)

    rows = await run_in_threadpool(load)
    lesson = re.sub(r"[^A-Za-z0-9._-]", "", filters.lesson)[:100]
    name = "lessonkit-feedback" + (f"-{lesson}" if lesson else "") + f".{fmt}"
    disposition = "inline" if fmt == "md" else "attachment"
    return Response(export.render(rows, fmt), media_type=export.FORMATS[fmt],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


routes = [
    Route("/triage", triage_page, methods=["GET"]),
    Route("/triage/export.{fmt}", triage_export, methods=["GET"]),
    Route("/triage/{item}", triage_update, methods=["POST"]),
]
