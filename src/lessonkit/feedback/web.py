"""Helpers shared by the HTML pages: templates, who is asking, CSRF checks, redirects."""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from lessonkit.feedback import auth
from lessonkit.feedback.charts import bar_chart
from lessonkit.feedback.csrf import CSRF_FIELD, check_csrf, csrf_token_for
from lessonkit.feedback.db import Database
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import CATEGORIES, STATUSES
from lessonkit.feedback.ratelimit import RateLimiter, client_address
from lessonkit.feedback.settings import Settings
from lessonkit.feedback.validation import first, read_form

SESSION_COOKIE = "lk_session"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(resources.files("lessonkit.feedback") / "templates")),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(CATEGORIES=CATEGORIES, STATUSES=STATUSES, bar_chart=bar_chart, urlencode=urlencode)


def settings(request: Request) -> Settings:
    return request.app.state.settings


def database(request: Request) -> Database:
    return request.app.state.database


def limiter(request: Request) -> RateLimiter:
    return request.app.state.limiter


def csrf_token(request: Request) -> str:
    return csrf_token_for(request.app.state.secret, request.state.csrf_nonce)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", auth.ANONYMOUS)
    html = _env.get_template(template).render(request=request, viewer=viewer, csrf_field=CSRF_FIELD,
                                              csrf_token=csrf_token(request), **context)
    return HTMLResponse(html, status_code=status)


async def viewer(request: Request) -> auth.Viewer:
    """Who is asking (cached on the request)."""
    cached = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        found = auth.ANONYMOUS
    else:
        def load() -> auth.Viewer:
            with database(request).read() as session:
                return auth.load_session(session, token)

        found = await run_in_threadpool(load)
    request.state.viewer = found
    return found


class LoginRequired(Exception):
    """An anonymous request for an authors' page: answered with a redirect to the login page."""


async def require_user(request: Request, admin: bool = False) -> auth.Viewer:
    who = await viewer(request)
    if not who.is_user:
        if request.method in ("GET", "HEAD"):
            raise LoginRequired
        raise ClientError(401, "Please log in first.")
    if admin and not who.is_admin:
        raise ClientError(403, "Only an administrator (coordinator) may do this.")
    return who


async def rate_limit(request: Request, bucket: str) -> None:
    """Count this request against the client's ``bucket`` limit (shared by every worker); 429 when over."""
    rate = {"forms": settings(request).rate_forms, "login": settings(request).rate_login}[bucket]
    if not rate.unlimited:
        await run_in_threadpool(limiter(request).check, bucket, client_address(request), rate)


async def post_form(request: Request, bucket: str | None = None) -> dict[str, list[str]]:
    """Read a form POST: rate-limited (if ``bucket``), size-limited, cleaned, CSRF-checked."""
    if bucket is not None:
        await rate_limit(request, bucket)
    form = await read_form(request, settings(request).max_form_body)
    token = (form.get(CSRF_FIELD) or [""])[0]
    nonce = request.state.csrf_nonce if request.state.csrf_cookie_present else None
    check_csrf(request.app.state.secret, nonce, token)
    return form


field = first  # the first value of a form field ("" when absent)


def safe_next(target: str, default: str = "/") -> str:
    """A redirect target from a form or query: only a path on this site (no open redirects)."""
    if not target or len(target) > 2000:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def set_session_cookie(request: Request, response: Any, token: str, days: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=days * 86400, httponly=True, samesite="lax",
                        secure=settings(request).secure_cookies or request.url.scheme == "https", path="/")
