"""A learner answers the pre- and post-workshop surveys in chromium (with a mistake on the way), and a
coordinator reads the report; axe-core finds no accessibility violations on any of these pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from feedbacksupport import PASSWORD, BrowserThread, LiveService, add_user, in_db, settings_for
from playwright.sync_api import Page, expect
from sqlalchemy import select
from surveysupport import AGREE, PAIRS, publish_workshop

from lessonkit.feedback.db import Database
from lessonkit.feedback.surveys import store as survey_store
from lessonkit.feedback.surveys.models import SurveyResponse
from lessonkit.feedback.workshops import store as workshop_store

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def violations(page: Page) -> list:
    return [(page.url, v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in Axe().run(page, options=RULES).response["violations"]]


@pytest.fixture(scope="module")
def browser_thread() -> Iterator[BrowserThread]:
    thread = BrowserThread()
    yield thread
    thread.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, LiveService]]:
    db_url = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    publish_workshop(db_url, tmp_path, own_questions=True)
    live = LiveService(settings_for(db_url)).start()
    yield db_url, live
    live.stop()


def answer_items(page: Page, value: int, label: str) -> None:
    for item in AGREE:
        page.locator(f"#question-{item}").get_by_label(f"{value} – {label}", exact=True).check()


def test_a_learner_answers_before_and_after_with_one_code(service, browser_thread: BrowserThread):
    db_url, live = service
    problems = browser_thread.run(lambda page: _answer_both(page, live.url))
    assert problems == []
    rows = in_db(db_url, lambda s: list(s.scalars(select(SurveyResponse).order_by(SurveyResponse.id))))
    assert [r.phase for r in rows] == ["pre", "post"] and rows[0].code_hash == rows[1].code_hash
    assert rows[0].answers == {**dict.fromkeys(AGREE, 2), "experience": "Monthly", "ws_laptop": "Linux",
                               "hopes": "Write my own functions"}
    assert rows[1].answers["recommend"] == 9 and rows[1].answers["ws_pace"] == 4


def _answer_both(page: Page, base: str) -> list:
    problems = []
    page.goto(f"{base}/workshops/ws-one/survey/pre")
    expect(page.get_by_role("heading", level=1)).to_have_text("Before the workshop: Workshop ws-one")
    problems += violations(page)
    # A mistake: a code that is too short, and a required item left out.
    page.get_by_label("Pairing code").fill("ab")
    page.locator("#question-find_help").get_by_label("2 – Disagree", exact=True).check()
    page.get_by_label("What do you hope to be able to do after the workshop?").fill("Write my own functions")
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Some answers need attention")
    code = page.get_by_label("Pairing code")
    expect(code).to_have_value("ab")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#code-error")).to_contain_text("Use at least 6 letters or digits")
    expect(page.locator("#q-get_unstuck-error")).to_have_text("Please answer this question.")
    expect(page.locator("#question-find_help").get_by_label("2 – Disagree", exact=True)).to_be_checked()
    expect(page.get_by_label("What do you hope to be able to do after the workshop?")).to_have_value(
        "Write my own functions")
    problems += violations(page)
    code.fill("Blue bicycle 42")
    answer_items(page, 2, "Disagree")
    page.locator("#question-experience").get_by_label("Monthly", exact=True).check()
    page.locator("#question-ws_laptop").get_by_label("Linux", exact=True).check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("status")).to_contain_text("were stored")
    problems += violations(page)

    page.goto(f"{base}/workshops/ws-one/survey/post")
    expect(page.get_by_role("heading", level=1)).to_have_text("After the workshop: Workshop ws-one")
    problems += violations(page)
    page.get_by_label("Pairing code").fill("blue bicycle, 42")
    answer_items(page, 4, "Agree")
    page.get_by_label("How likely are you to recommend this workshop to a colleague?").fill("9")
    page.locator("#question-ws_pace").get_by_label("4 – Agree", exact=True).check()
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_role("status")).to_contain_text("were stored")
    # The refused form (422) is the only resource "error" the console reports.
    assert [e for e in page.lk_errors if "status of 422" not in e] == []  # type: ignore[attr-defined]
    return problems


def seed_answers(db_url: str) -> None:
    database = Database(db_url)
    with database.write() as session:
        workshop = workshop_store.find_workshop(session, "ws-one")
        for n, (code, fh0, fh1, au0, au1, co0, co1, rec, hopes, improve) in enumerate(PAIRS):
            pre = {k: v for k, v in {"find_help": fh0, "automate": au0, "confident": co0, "hopes": hopes}.items() if v}
            post = {k: v for k, v in {"find_help": fh1, "automate": au1, "confident": co1, "recommend": rec,
                                      "improve": improve}.items() if v}
            survey_store.submit(session, workshop, "pre", f"phrase {code} x", pre, f"pre-{n}")
            survey_store.submit(session, workshop, "post", f"phrase {code} x", post, f"post-{n}")
    database.dispose()


def test_the_report_and_the_organisers_form_are_accessible(service, browser_thread: BrowserThread):
    db_url, live = service
    seed_answers(db_url)
    add_user(db_url, "coordinator", role="admin")
    problems = browser_thread.run(lambda page: _report(page, live.url))
    assert problems == []


def _report(page: Page, base: str) -> list:
    page.goto(f"{base}/login?next=/workshops/ws-one/report")
    page.get_by_label("User name").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workshop ws-one")
    chart = page.get_by_role("img", name="When a technical problem stops me, I know where to look for an answer. "
                                          "— before and after (n = 6)", exact=False)
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name="Paired answers, n = 6").first).to_be_visible()
    expect(page.locator("#item-2-section")).to_contain_text("Not enough paired answers")
    problems = violations(page)
    page.goto(f"{base}/workshops/ws-one/survey/items")
    expect(page.get_by_role("heading", level=1)).to_have_text("Survey questions of Workshop ws-one")
    problems += violations(page)
    page.get_by_label("This workshop's own questions", exact=False).fill("- {id: x, type: likert, text: X, phase: later}")
    page.get_by_role("button", name="Save questions").click()
    expect(page.get_by_role("alert")).to_contain_text("questions[1].phase: one of pre, post, both")
    problems += violations(page)
    # The refused form (422) is the only resource "error" the console reports.
    assert [e for e in page.lk_errors if "status of 422" not in e] == []  # type: ignore[attr-defined]
    return problems


def test_the_offline_report_file_fetches_nothing_and_is_accessible(service, browser_thread: BrowserThread,
                                                                    tmp_path: Path):
    db_url, _ = service
    seed_answers(db_url)
    from lessonkit.feedback.surveys.render import report_html
    from lessonkit.feedback.surveys.report import build_report

    database = Database(db_url)
    with database.read() as session:
        report = build_report(survey_store.report_input(session, [workshop_store.find_workshop(session, "ws-one")]))
    database.dispose()
    path = tmp_path / "report.html"
    path.write_text(report_html(report), encoding="utf-8")

    def scenario(page: Page) -> tuple[list, list]:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        expect(page.get_by_role("img", name="How likely are you to recommend this workshop to a colleague? (n = 6)",
                                exact=False)).to_be_visible()
        return requests, violations(page)

    requests, problems = browser_thread.run(scenario)
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert problems == []
