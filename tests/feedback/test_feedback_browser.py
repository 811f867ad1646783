"""The widget on a lesson built by ``lessonkit build``, and the reviewer and triage flows, in chromium."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from feedbacksupport import (
    BrowserThread,
    LiveService,
    WriteLock,
    add_user,
    in_db,
    open_round_with_invitation,
    seed,
    settings_for,
)
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lessonkit.build import Builder, BuildOptions
from lessonkit.feedback import lessons
from lessonkit.feedback.models import Feedback
from lessonkit.serve import Server
from testsupport import FIXTURES

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded 2-core machine runs two browsers at once under xdist

LESSON = "cells"


def build_site(base: Path, feedback_url: str) -> Path:
    lesson = base / LESSON
    shutil.copytree(FIXTURES / "workbench", lesson)
    with (lesson / "config.yaml").open("a") as config:
        config.write(f"feedback_url: '{feedback_url}'\n")
    result = Builder(lesson, BuildOptions(out=base / "site", cache=base / "cache")).build()
    assert result.ok, result.diagnostics
    return base / "site"


class Setup:
    """A built lesson on a static server, and the feedback service it points at (not yet started)."""

    def __init__(self, base: Path) -> None:
        self.db_url = f"sqlite:///{base / 'feedback.sqlite3'}"
        self.service = LiveService(settings_for(self.db_url))
        self.site_dir = build_site(base, self.service.url)
        self.static = Server(self.site_dir, "127.0.0.1", 0).start()
        self.origin = self.static.url.rstrip("/")
        seed(self.db_url, LESSON, (self.origin,), pages=lessons.read_site(self.site_dir))

    def rows(self) -> list[Feedback]:
        return in_db(self.db_url, lambda s: list(s.scalars(select(Feedback).order_by(Feedback.id))))

    def close(self) -> None:
        self.static.stop()
        if self.service.server.started:
            self.service.stop()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    s = Setup(tmp_path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser_thread() -> Iterator[BrowserThread]:
    thread = BrowserThread()
    yield thread
    thread.close()


def freeze_clock(page: Page) -> None:
    """Fake timers, paused: the widget's automatic retries fire only when the test runs the clock."""
    start = datetime(2026, 12, 1, 9, 0, 0)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))


def pending(page: Page) -> list:
    return json.loads(page.evaluate("localStorage.getItem('lessonkit-feedback:pending:v1') || '[]'"))


def test_widget_rates_and_comments_on_a_section(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _widget_rates_and_comments_on_a_section(setup, page))


def _widget_rates_and_comments_on_a_section(setup: Setup, page: Page) -> None:
    setup.service.start()
    page.goto(setup.origin + "/counting-cells.html")
    widget = page.locator("#lessonkit-feedback")
    expect(widget.get_by_role("heading", name="Feedback on this page")).to_be_visible()
    # The section menu lists the page's own h2 headings.
    options = widget.get_by_label("Which part of the page is this about?").locator("option").all_inner_texts()
    assert options[0] == "The whole page" and "Why count cells?" in options
    widget.get_by_label("4", exact=True).check()
    widget.get_by_label("Which part of the page is this about?").select_option(label="Why count cells?")
    comment = widget.get_by_label("Comment (optional)")
    comment.fill("The counting example <b>needs</b> a figure.")
    expect(widget.get_by_text("43 / 4000 characters")).to_be_visible()
    # Keyboard: from the comment box, Tab reaches the send button and Enter sends.
    comment.focus()
    page.keyboard.press("Tab")
    expect(widget.get_by_role("button", name="Send feedback")).to_be_focused()
    page.keyboard.press("Enter")
    status = widget.get_by_role("status")
    expect(status).to_have_text("Thank you! Your feedback was sent.")
    expect(comment).to_have_value("")
    [row] = setup.rows()
    assert (row.lesson_id, row.page, row.page_title, row.section, row.section_title, row.rating, row.comment) == (
        LESSON, "counting-cells", "Counting Cells", "why-count", "Why count cells?", 4,
        "The counting example <b>needs</b> a figure.")
    assert pending(page) == []
    assert page.lk_errors == []  # type: ignore[attr-defined]


HAND_WRITTEN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hand-written</title>
<link rel="stylesheet" href="assets/feedback.css"><script src="assets/feedback.js" defer></script></head>
<body><main><h1>A page</h1><h2 id="first">First part</h2><p>Text.</p>
<aside id="lessonkit-feedback" class="lk-feedback" data-endpoint="{endpoint}" data-lesson="{lesson}"
 data-page="hand-written" data-page-title="Hand-written"></aside></main></body></html>
"""


def test_widget_asks_for_a_rating_or_comment_and_shows_server_refusals(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _widget_asks_for_a_rating_or_comment_and_shows_server_refusals(setup, page))


def _widget_asks_for_a_rating_or_comment_and_shows_server_refusals(setup: Setup, page: Page) -> None:
    setup.service.start()
    (setup.site_dir / "unknown.html").write_text(HAND_WRITTEN.format(endpoint=setup.service.url, lesson="unknown"))
    page.goto(setup.origin + "/unknown.html")
    widget = page.locator("#lessonkit-feedback")
    widget.get_by_role("button", name="Send feedback").click()
    expect(widget.get_by_role("status")).to_have_text("Choose a rating or write a comment first.")
    assert widget.get_by_label("Which part of the page is this about?").locator("option").all_inner_texts() == [
        "The whole page", "First part"]
    widget.get_by_label("2", exact=True).check()
    widget.get_by_role("button", name="Send feedback").click()
    # A refusal that a retry cannot fix is shown, and nothing is kept for a retry.
    expect(widget.get_by_role("status")).to_have_text("The feedback service does not know the lesson 'unknown'.")
    expect(widget.get_by_role("button", name="Retry sending")).to_be_hidden()
    assert pending(page) == []
    assert setup.rows() == []


def test_widget_keeps_feedback_when_the_service_is_unreachable_and_retries(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _widget_keeps_feedback_when_the_service_is_unreachable_and_retries(setup, page))


def _widget_keeps_feedback_when_the_service_is_unreachable_and_retries(setup: Setup, page: Page) -> None:
    freeze_clock(page)  # the widget's automatic retries wait for this test's clock
    # The service is not running yet: its port refuses connections.
    page.goto(setup.origin + "/counting-cells.html")
    widget = page.locator("#lessonkit-feedback")
    widget.get_by_label("5 – very useful").check()
    widget.get_by_label("Comment (optional)").fill("Written while the service was down.")
    widget.get_by_role("button", name="Send feedback").click()
    status = widget.get_by_role("status")
    expect(status).to_contain_text("cannot be reached")
    expect(status).to_contain_text("kept in this browser")
    retry = widget.get_by_role("button", name="Retry sending")
    expect(retry).to_be_visible()
    [kept] = pending(page)
    assert kept["payload"]["comment"] == "Written while the service was down."
    assert kept["payload"]["rating"] == 5 and kept["payload"]["page"] == "counting-cells"
    # Still unreachable: retrying says so again and keeps the text.
    retry.click()
    expect(status).to_contain_text("cannot be reached")
    assert len(pending(page)) == 1
    # A reload keeps it too; then the service comes up and the retry delivers it exactly once.
    page.reload()
    expect(widget.get_by_role("button", name="Retry sending")).to_be_visible()
    setup.service.start()
    widget.get_by_role("button", name="Retry sending").click()
    expect(status).to_have_text("Thank you! Your feedback was sent.")
    expect(widget.get_by_role("button", name="Retry sending")).to_be_hidden()
    assert pending(page) == []
    rows = setup.rows()
    assert [(r.comment, r.rating) for r in rows] == [("Written while the service was down.", 5)]
    assert rows[0].client_id == kept["payload"]["client_id"]


def test_widget_retries_a_busy_service_with_backoff_and_a_cap(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _widget_retries_a_busy_service_with_backoff_and_a_cap(setup, page))


def _widget_retries_a_busy_service_with_backoff_and_a_cap(setup: Setup, page: Page) -> None:
    """Issue #11 item 5: a 5xx is retried with backoff, at most five times, not forever."""
    setup.service.start()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/v1/feedback" in r.url
            else None)
    freeze_clock(page)
    page.goto(setup.origin + "/counting-cells.html")
    widget = page.locator("#lessonkit-feedback")
    status = widget.get_by_role("status")
    with WriteLock(setup.db_url):  # another process holds SQLite's write lock: the service answers 503
        widget.get_by_label("Comment (optional)").fill("Sent while the database was busy.")
        widget.get_by_role("button", name="Send feedback").click()
        expect(status).to_contain_text("busy")
        expect(status).to_contain_text("Trying again in 5 s (attempt 1 of 5)")
        for attempt, seconds, waited in ((2, 10, 5), (3, 20, 10), (4, 40, 20), (5, 80, 40)):
            page.clock.run_for(waited * 1000)
            expect(status).to_contain_text(f"Trying again in {seconds} s (attempt {attempt} of 5)")
        page.clock.run_for(80_000)
        expect(status).to_contain_text("kept in this browser")
        expect(status).not_to_contain_text("Trying again")
        page.clock.run_for(3_600_000)  # an hour later: no more automatic tries
        page.evaluate("1")
        assert len(posts) == 6  # the first send and five automatic retries
    assert len(pending(page)) == 1
    widget.get_by_role("button", name="Retry sending").click()
    expect(status).to_have_text("Thank you! Your feedback was sent.")
    assert [r.comment for r in setup.rows()] == ["Sent while the database was busy."]
    assert pending(page) == []


def test_widget_sends_kept_feedback_when_the_next_page_loads(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _widget_sends_kept_feedback_when_the_next_page_loads(setup, page))


def _widget_sends_kept_feedback_when_the_next_page_loads(setup: Setup, page: Page) -> None:
    freeze_clock(page)
    page.goto(setup.origin + "/counting-cells.html")
    widget = page.locator("#lessonkit-feedback")
    widget.get_by_label("Comment (optional)").fill("Queued comment.")
    widget.get_by_role("button", name="Send feedback").click()
    expect(widget.get_by_role("status")).to_contain_text("cannot be reached")
    setup.service.start()
    page.goto(setup.origin + "/blocks-and-tabs.html")  # another episode of the same lesson
    expect(page.locator("#lessonkit-feedback").get_by_role("status")).to_have_text(
        "Thank you! Your feedback was sent.")
    assert [(r.page, r.comment) for r in setup.rows()] == [("counting-cells", "Queued comment.")]


def test_widget_on_the_instructor_view(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _widget_on_the_instructor_view(setup, page))


def _widget_on_the_instructor_view(setup: Setup, page: Page) -> None:
    setup.service.start()
    page.goto(setup.origin + "/instructor/counting-cells.html")
    widget = page.locator("#lessonkit-feedback")
    widget.get_by_label("3", exact=True).check()
    widget.get_by_role("button", name="Send feedback").click()
    expect(widget.get_by_role("status")).to_have_text("Thank you! Your feedback was sent.")
    assert [(r.page, r.rating) for r in setup.rows()] == [("counting-cells", 3)]
    assert page.lk_errors == []  # type: ignore[attr-defined]


def test_reviewer_flow(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _reviewer_flow(setup, page))


def _reviewer_flow(setup: Setup, page: Page) -> None:
    setup.service.start()
    _, _, token = open_round_with_invitation(setup.db_url, LESSON, name="Prof Review")
    page.goto(f"{setup.service.url}/invite/{token}")
    expect(page.get_by_text("Hello Prof Review.")).to_be_visible()
    page.get_by_role("button", name="Start reviewing").click()
    expect(page).to_have_url(f"{setup.service.url}/review")
    page.wait_for_load_state()  # the URL changes before review.js has attached its listeners
    page.get_by_label("Episode").select_option(label="Counting Cells")
    section = page.get_by_label("Section")
    # Only the chosen episode's sections are offered.
    expect(section.locator("optgroup:not([hidden])")).to_have_count(1)
    section.select_option(label="Why count cells?")
    page.get_by_label("Content error").check()
    page.get_by_label("Comment", exact=True).fill("The second count is wrong: 12, not 21.")
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_role("status")).to_have_text("Your comment was saved.")
    expect(page.get_by_text("The second count is wrong: 12, not 21.")).to_be_visible()
    [row] = setup.rows()
    assert (row.source, row.page, row.section, row.category) == ("review", "counting-cells", "why-count",
                                                                  "content-error")
    # The link was used: another browser cannot use it again.
    other = page.context.browser.new_context().new_page()
    other.goto(f"{setup.service.url}/invite/{token}")
    expect(other.get_by_role("alert")).to_contain_text("already been used")
    other.context.close()
    assert page.lk_errors == []  # type: ignore[attr-defined]


def test_triage_flow(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _triage_flow(setup, page))


def _triage_flow(setup: Setup, page: Page) -> None:
    setup.service.start()
    add_user(setup.db_url, "author")
    import httpx

    for comment, category in (("Typo in the title", "content-error"), ("Hard to follow", "unclear")):
        response = httpx.post(setup.service.url + "/api/v1/feedback",
                              json={"client_id": f"triage-{category}", "lesson": LESSON, "page": "counting-cells",
                                    "comment": comment, "category": category})
        assert response.status_code == 201
    page.goto(setup.service.url + "/triage")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Ftriage$"))
    page.get_by_label("User name").fill("author")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Triage")).to_be_visible()
    page.locator(".filters").get_by_label("Category").select_option(label="Unclear")
    page.get_by_role("button", name="Filter").click()
    items = page.locator("li.item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Hard to follow")
    items.first.get_by_label("Status").select_option("accepted")
    items.first.get_by_label("Assignee").select_option("author")
    items.first.get_by_role("button", name=re.compile("Save")).click()
    expect(page).to_have_url(re.compile(r"/triage\?.*category=unclear.*#item-\d+$"))
    rows = {r.comment: r for r in setup.rows()}
    assert rows["Hard to follow"].status == "accepted" and rows["Hard to follow"].assignee_id == 1
    assert rows["Typo in the title"].status == "new"
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text()
    assert "Hard to follow" in text and "Typo in the title" not in text
    page.get_by_role("link", name="Markdown issue bodies").click()
    assert page.locator("body").inner_text().startswith("## Unclear\\: counting\\-cells — Hard to follow")
    assert page.lk_errors == []  # type: ignore[attr-defined]
