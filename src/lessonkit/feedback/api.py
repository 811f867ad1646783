"""The JSON API used by the page widget (cross-origin, CORS-limited to lesson sites)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lessonkit.feedback import submissions
from lessonkit.feedback.security import ClientError, client_address, read_body
from lessonkit.feedback.web import database, limiter, settings


async def post_feedback(request: Request) -> JSONResponse:
    config = settings(request)
    limiter(request).check("feedback", client_address(request), config.rate_feedback)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ClientError(415, "Send feedback as JSON (Content-Type: application/json).")
    body = await read_body(request, config.max_json_body)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClientError(400, "The request body is not valid JSON.") from exc
    submission = submissions.parse_widget_payload(data)
    origin = request.headers.get("origin")
    feedback_id, created = await request.app.state.writer.submit(submission, origin, config.allow_origins)
    return JSONResponse({"id": feedback_id, "client_id": submission.client_id, "stored": True,
                         "duplicate": not created}, status_code=201 if created else 200)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "database": database(request).dialect})


routes = [
    Route("/api/v1/feedback", post_feedback, methods=["POST"]),
    Route("/api/v1/health", health, methods=["GET"]),
]
