"""The JSON API used by the page widget (cross-origin, CORS-limited to lesson sites)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lessonkit.feedback import submissions
from lessonkit.feedback.ratelimit import client_address
from lessonkit.feedback.validation import read_json
from lessonkit.feedback.web import database, settings


async def post_feedback(request: Request) -> JSONResponse:
    config = settings(request)
    data = await read_json(request, config.max_json_body)
    submission = submissions.parse_widget_payload(data)
    origin = request.headers.get("origin")
    # The rate limit is taken in the transaction that stores the submission (shared by every worker).
    limit = submissions.Limit("feedback", client_address(request), config.rate_feedback)
    feedback_id, created = await request.app.state.writer.submit(submission, origin, config.allow_origins,
                                                                 None if limit.rate.unlimited else limit)
    return JSONResponse({"id": feedback_id, "client_id": submission.client_id, "stored": True,
                         "duplicate": not created}, status_code=201 if created else 200)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "database": database(request).dialect})


routes = [
    Route("/api/v1/feedback", post_feedback, methods=["POST"]),
    Route("/api/v1/health", health, methods=["GET"]),
]
