"""The feedback service as a Starlette application.

``create_app(settings)`` builds it; the database is opened (and migrated to the
newest schema) when the application starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from importlib import resources
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lessonkit.feedback import (
    admin_pages,
    api,
    auth,
    lessons,
    questionnaire_pages,
    review_pages,
    surveys,
    triage_pages,
    workshops,
)
from lessonkit.feedback.cors import CORSMiddleware
from lessonkit.feedback.csrf import CSRFCookieMiddleware
from lessonkit.feedback.db import Database
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.headers import SecurityHeadersMiddleware
from lessonkit.feedback.models import Questionnaire, Setting
from lessonkit.feedback.ratelimit import RateLimiter, account_key, too_many
from lessonkit.feedback.settings import Settings
from lessonkit.feedback.web import (
    SESSION_COOKIE,
    LoginRequired,
    database,
    field,
    limiter,
    post_form,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    settings,
    viewer,
)
from lessonkit.feedback.writer import BatchWriter

log = logging.getLogger("lessonkit.feedback")


def load_secret(db: Database) -> str:
    """The service's signing secret, made on first start and shared by every process using the database.

    Several workers may start at once on a new database: the first insert wins, the others read it.
    """
    insert = sqlite.insert if db.is_sqlite else postgresql.insert
    with db.write_connection() as connection:
        connection.execute(insert(Setting.__table__).values(key="secret", value=secrets.token_urlsafe(48))
                           .on_conflict_do_nothing(index_elements=["key"]))
        return connection.execute(select(Setting.value).where(Setting.key == "secret")).scalar_one()


def _read_origins(db: Database, extra: frozenset[str]) -> frozenset[str]:
    with db.read() as session:
        return frozenset(lessons.all_origins(session) | extra)


async def home(request: Request) -> Response:
    who = await viewer(request)

    def load() -> list[Questionnaire]:
        with database(request).read() as session:
            return list(session.scalars(select(Questionnaire).where(Questionnaire.is_open.is_(True))
                                        .order_by(Questionnaire.title)))

    return render(request, "home.html", open_questionnaires=await run_in_threadpool(load), who=who)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", next=safe_next(request.query_params.get("next", ""), "/triage"),
                  error="", username="")


async def login(request: Request) -> Response:
    form = await post_form(request, "login")  # counted per client address
    username, password = field(form, "username")[:200], field(form, "password")[:1000]
    target = safe_next(field(form, "next"), "/triage")
    # Failed logins are also counted per account, whichever addresses they come from.
    account, account_rate = account_key(username), settings(request).rate_login_account
    wait = await run_in_threadpool(limiter(request).blocked, "login-account", account, account_rate)
    if wait > 0:
        raise too_many(wait, "Too many failed logins for this account")

    def check() -> str | None:
        with database(request).write() as session:
            user = auth.authenticate(session, username, password)
            return auth.start_session(session, user_id=user.id) if user else None

    token = await run_in_threadpool(check)
    if token is None:
        await run_in_threadpool(limiter(request).hit, "login-account", account, account_rate)
        return render(request, "login.html", status=401, next=target, username=username,
                      error="That user name and password do not match.")
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await run_in_threadpool(_end_session, request, old)
    response = redirect(target)
    set_session_cookie(request, response, token, auth.SESSION_DAYS)
    return response


def _end_session(request: Request, token: str) -> None:
    with database(request).write() as session:
        auth.end_session(session, token)


async def logout(request: Request) -> Response:
    await post_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(_end_session, request, token)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def favicon(request: Request) -> Response:
    icon = resources.files("lessonkit.feedback") / "static" / "favicon.svg"
    return Response(icon.read_bytes(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


# --- errors ------------------------------------------------------------------------------------

def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def client_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ClientError)
    if _wants_json(request):
        body = {"error": exc.message}
        if exc.fields:
            body["fields"] = exc.fields
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)
    response = render(request, "error.html", status=exc.status, message=exc.message)
    response.headers.update(exc.headers)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "There is nothing at this address.",
               405: "This address does not accept that method."}.get(exc.status_code, str(exc.detail))
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)
    return render(request, "error.html", status=exc.status_code, message=message)


async def login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/login?next=" + quote(target, safe=""))


def one_line(exc: BaseException) -> str:
    """An exception as one log line (the engines hide bound parameters, so no values leak)."""
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"


async def database_error(request: Request, exc: Exception) -> Response:
    log.error("database error on %s %s: %s", request.method, request.url.path, one_line(exc))
    message = "The feedback database is busy or unavailable; please try again shortly."
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=503, headers={"Retry-After": "2"})
    return render(request, "error.html", status=503, message=message)


# --- application -------------------------------------------------------------------------------

class StartupError(RuntimeError):
    """The service cannot start (one line saying why)."""


def create_app_from_environment() -> Starlette:
    """The application factory of ``serve --workers N``: each worker reads the settings the parent wrote."""
    import os

    return create_app(Settings.from_json(os.environ["LESSONKIT_FEEDBACK_SETTINGS"]))


def _lifespan(config: Settings):
    """Open the database (migrating it when asked), start the batch writer and the housekeeping tasks;
    close them all when the service stops."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            db = await run_in_threadpool(Database, config.db_url, config.sqlite_busy_timeout)
            if config.migrate:
                await run_in_threadpool(db.migrate)
            app.state.database = db
            app.state.secret = await run_in_threadpool(load_secret, db)
            app.state.origins = await run_in_threadpool(_read_origins, db, config.allow_origins)
        except SQLAlchemyError as exc:
            raise StartupError(f"cannot open the database {config.db_url}: {one_line(exc)}") from None
        app.state.limiter = RateLimiter(db)
        idle = max(rate.seconds for rate in (config.rate_feedback, config.rate_forms, config.rate_login,
                                             config.rate_login_account))

        async def housekeeping() -> None:
            while True:
                await asyncio.sleep(config.housekeeping_seconds)
                try:
                    await run_in_threadpool(app.state.limiter.forget_idle, idle)
                except Exception as exc:  # e.g. the database is busy: next time
                    log.warning("could not forget idle rate-limit buckets: %s", one_line(exc))

        async def refresh_origins() -> None:
            while True:
                await asyncio.sleep(config.origin_refresh_seconds)
                try:
                    app.state.origins = await run_in_threadpool(_read_origins, db, config.allow_origins)
                except Exception as exc:  # keep the last known origins; log and try again later
                    log.warning("could not re-read the lessons' sites: %s", one_line(exc))

        tasks = [asyncio.create_task(refresh_origins()), asyncio.create_task(housekeeping())]
        app.state.writer = BatchWriter(db, limiter=app.state.limiter)
        app.state.writer.start()
        try:
            yield
        finally:
            await app.state.writer.stop()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            db.dispose()

    return lifespan


def create_app(config: Settings | None = None) -> Starlette:
    config = config or Settings()
    package = resources.files("lessonkit.feedback")
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        *api.routes,
        *review_pages.routes,
        *triage_pages.routes,
        *questionnaire_pages.routes,
        *admin_pages.routes,
        *workshops.routes(),
        *surveys.routes(),
        Mount("/static", StaticFiles(directory=str(package / "static")), name="static"),
        Mount("/widget", StaticFiles(directory=str(package / "widget")), name="widget"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=_lifespan(config),
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(CORSMiddleware, allowed=lambda: app.state.origins),
            Middleware(CSRFCookieMiddleware, secure=config.secure_cookies),
        ],
        exception_handlers={
            ClientError: client_error,
            HTTPException: http_error,
            LoginRequired: login_required,
            OperationalError: database_error,
        },
    )
    app.state.settings = config
    app.state.origins = frozenset(config.allow_origins)
    return app


