"""Helpers for the feedback service's tests (import this, never conftest)."""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from typing import Any

import uvicorn
from starlette.testclient import TestClient

from lessonkit.feedback import auth, lessons, rounds
from lessonkit.feedback.app import create_app
from lessonkit.feedback.db import Database
from lessonkit.feedback.ratelimit import Rate
from lessonkit.feedback.settings import Settings

PASSWORD = "a long enough password"
SITE = "http://lesson.example.org"
OFF = Rate(0, 1)


def settings_for(db_url: str, **overrides: Any) -> Settings:
    """Test settings: rate limits off unless a test sets them."""
    values: dict[str, Any] = {"db_url": db_url, "rate_feedback": OFF, "rate_forms": OFF, "rate_login": OFF,
                              "rate_login_account": OFF}
    values.update(overrides)
    return Settings(**values)


def client_for(db_url: str, client: tuple[str, int] = ("testclient", 50000), **overrides: Any) -> TestClient:
    """A test client of a fresh application (one "worker"), seen as coming from ``client``."""
    return TestClient(create_app(settings_for(db_url, **overrides)), client=client)


def seed(db_url: str, lesson: str = "demo", sites: tuple[str, ...] = (SITE,),
         pages: list[tuple[str, str, list[tuple[str, str]]]] | None = None) -> None:
    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        lessons.add_or_update_lesson(session, lesson, f"Lesson {lesson}", list(sites))
        if pages is not None:
            lessons.import_pages(session, lesson, pages)
    database.dispose()


def add_user(db_url: str, username: str, role: str = "author", lessons: list[str] | None = None) -> None:
    """A user; an author triages ``lessons`` (by default every lesson registered so far)."""
    from sqlalchemy import select

    from lessonkit.feedback.models import Lesson

    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        auth.create_user(session, username, PASSWORD, role)
        if role == "author":
            given = lessons if lessons is not None else list(session.scalars(select(Lesson.id)))
            auth.grant_lessons(session, username, given)
    database.dispose()


def open_round_with_invitation(db_url: str, lesson: str = "demo", name: str = "Rev Iewer") -> tuple[int, int, str]:
    database = Database(db_url)
    with database.write() as session:
        review_round = rounds.open_round(session, lesson, "Draft review")
        invitation, token = auth.create_invitation(session, review_round.id, name, "rev@example.org")
        ids = review_round.id, invitation.id
    database.dispose()
    return ids[0], ids[1], token


def in_db(db_url: str, fn) -> Any:
    database = Database(db_url)
    try:
        with database.read() as session:
            return fn(session)
    finally:
        database.dispose()


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the forms on a page (getting the page also sets the CSRF cookie)."""
    response = client.get(path)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match[1]


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def widget_payload(**overrides: Any) -> dict[str, Any]:
    payload = {"client_id": uuid.uuid4().hex, "lesson": "demo", "page": "introduction",
               "page_title": "Introduction", "section": "why", "section_title": "Why bother?", "rating": 4,
               "comment": "Clear and useful."}
    payload.update(overrides)
    return payload


class WriteLock:
    """Another process's writer: holds SQLite's write lock until the block ends."""

    def __init__(self, db_url: str) -> None:
        import sqlite3

        self.connection = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None,
                                          check_same_thread=False)

    def __enter__(self) -> WriteLock:
        self.connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveService:
    """The service under uvicorn in a background thread, on 127.0.0.1 (a free port unless given)."""

    def __init__(self, settings: Settings, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> LiveService:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "the feedback service failed to start"
            assert time.monotonic() < deadline, "the feedback service did not start in 30 s"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def in_thread(fn, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` in a fresh thread and return its result (or raise its exception).

    For code that calls ``asyncio.run()``: when another test module's Playwright
    sync API is active in this worker, the main thread counts as having a
    running event loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class BrowserThread:
    """Debian's chromium through Playwright's sync API, owned by one dedicated thread.

    Playwright allows one sync API instance per thread, and other test modules
    may hold one in the main thread of this worker; so these tests drive their
    own instance from their own thread. ``run(scenario)`` calls
    ``scenario(page)`` there with a fresh browser context, and records the
    page's console errors in ``page.lk_errors``.
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feedback-browser")
        self.state: dict[str, Any] = {}

    def _browser(self):
        if "browser" not in self.state:
            from pathlib import Path

            from playwright.sync_api import sync_playwright

            assert Path(CHROMIUM).is_file(), "browser tests need Debian's chromium (apt-get install chromium)"
            playwright = self.state["playwright"] = sync_playwright().start()
            self.state["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self.state["browser"]

    def _run(self, scenario) -> Any:
        context = self._browser().new_context()
        try:
            page = context.new_page()
            page.lk_errors = []
            page.on("pageerror", lambda e: page.lk_errors.append(str(e)))
            page.on("console", lambda m: m.type == "error" and page.lk_errors.append(m.text))
            return scenario(page)
        finally:
            context.close()

    def run(self, scenario) -> Any:
        return self.pool.submit(self._run, scenario).result(timeout=300)

    def _close(self) -> None:
        if "browser" in self.state:
            self.state["browser"].close()
            self.state["playwright"].stop()
            self.state.clear()

    def close(self) -> None:
        self.pool.submit(self._close).result(timeout=60)
        self.pool.shutdown()
