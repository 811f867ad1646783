"""Registering, cancelling and signing in to a session in Debian's chromium, with axe-core checking
every workshop page (WCAG 2.1 A/AA and best practices) in each state a person sees it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from feedbacksupport import PASSWORD, BrowserThread, LiveService, add_user, in_db, settings_for
from playwright.sync_api import Page, expect
from workshopsupport import publish

from lessonkit.feedback.workshops import store

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


class Setup:
    def __init__(self, base: Path) -> None:
        self.db_url = f"sqlite:///{base / 'feedback.sqlite3'}"
        self.outbox = base / "outbox"
        self.wid = publish(self.db_url, base, "ws-browser", capacity=1, sessions=2)
        add_user(self.db_url, "coord", "admin")
        self.service = LiveService(settings_for(self.db_url, outbox=str(self.outbox))).start()
        self.url = self.service.url
        self.problems: list[tuple[str, str, list]] = []

    def audit(self, page: Page, label: str) -> None:
        page.wait_for_load_state("load")
        for violation in Axe().run(page, options=RULES).response["violations"]:
            self.problems.append((label, violation["id"], [n["target"] for n in violation["nodes"]][:3]))

    def close(self) -> None:
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


def script_errors(page: Page) -> list[str]:
    """The page's script errors (a refused form's 4xx status is logged too, and is expected)."""
    return [e for e in page.lk_errors if not e.startswith("Failed to load resource")]  # type: ignore[attr-defined]


def fill(page: Page, name: str, email: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Affiliation (optional)").fill("Example Institute")
    page.get_by_label("Career stage").select_option(label="Senior researcher or group leader")
    page.get_by_label("Accessibility needs (optional)").fill("Captions, please")
    page.get_by_label("The organisers may contact me about future workshops.").check()


def test_register_wait_cancel_promote_and_sign_in(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _register_wait_cancel_promote_and_sign_in(setup, page))
    assert setup.problems == []


def _register_wait_cancel_promote_and_sign_in(setup: Setup, page: Page) -> None:
    page.goto(setup.url + "/workshops")
    setup.audit(page, "workshops")
    page.get_by_role("link", name="Workshop ws-browser").click()
    expect(page.get_by_role("heading", name="Workshop ws-browser", level=1)).to_be_visible()
    expect(page.locator("#places")).to_have_text("1 of 1 places are free.")
    setup.audit(page, "workshop page")
    # A mistake: the message is beside the field, and what was typed is kept.
    fill(page, "Ada Lovelace", "ada at example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("Some answers need attention")
    email = page.get_by_label("E-mail address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_contain_text("name@example.org")
    expect(page.get_by_label("Name")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("Accessibility needs (optional)")).to_have_value("Captions, please")
    expect(page.get_by_label("The organisers may contact me about future workshops.")).to_be_checked()
    setup.audit(page, "workshop page with errors")
    email.fill("ada@example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("You are registered: you have a place.")
    ada_link = page.url.split("?")[0]
    setup.audit(page, "registration (seated)")

    # The workshop is full: the next person joins the waiting list.
    page.goto(setup.url + "/workshops/ws-browser")
    expect(page.locator("#places")).to_contain_text("All 1 places are taken")
    fill(page, "Grace Hopper", "grace@example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("You are registered on the waiting list. You are number 1")
    grace_link = page.url.split("?")[0]
    setup.audit(page, "registration (waiting)")
    # Registering the same address again is refused, with the reason beside the field.
    page.goto(setup.url + "/workshops/ws-browser")
    fill(page, "Grace again", "GRACE@example.org")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#email-error")).to_contain_text("already registered for this workshop")
    setup.audit(page, "duplicate refused")

    # Ada cancels through her private link; Grace gets the seat.
    page.goto(ada_link)
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your registration is cancelled. Thank you for letting the organisers know.")
    expect(page.get_by_role("button", name="Cancel my registration")).to_have_count(0)
    setup.audit(page, "registration (cancelled)")
    page.goto(grace_link)
    expect(page.get_by_role("status")).to_have_text("You have a place.")

    # In the room: Grace types the code shown by the instructor.
    code = in_db(setup.db_url, lambda s: store.sessions_of(s, setup.wid)[0].sign_in_code)
    page.goto(setup.url + "/sign-in")
    setup.audit(page, "sign-in (code form)")
    page.get_by_label("The code shown in the room").fill(code[:4].lower() + "-" + code[4:])
    page.get_by_label("The e-mail address you registered with").fill("nobody@example.org")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#email-error")).to_contain_text("no registration with that e-mail address")
    expect(page.get_by_label("The e-mail address you registered with")).to_have_value("nobody@example.org")
    setup.audit(page, "sign-in refused")
    page.get_by_label("The e-mail address you registered with").fill("grace@example.org")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_have_text("Thank you, Grace Hopper: you are signed in.")
    setup.audit(page, "signed in")
    page.goto(f"{setup.url}/sign-in/{code}")
    page.get_by_label("The e-mail address you registered with").fill("grace@example.org")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_have_text("You were already signed in to this session, Grace Hopper.")
    counts = in_db(setup.db_url, lambda s: store.headcounts(s, setup.wid))
    assert (counts["seated"], counts["cancelled"], counts["attended_any"]) == (1, 1, 1)
    assert script_errors(page) == []


def test_organiser_pages(setup: Setup, browser_thread: BrowserThread):
    browser_thread.run(lambda page: _organiser_pages(setup, page))
    assert setup.problems == []


def _organiser_pages(setup: Setup, page: Page) -> None:
    page.goto(setup.url + "/login?next=/admin/workshops")
    page.get_by_label("User name").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Publish a workshop")).to_be_visible()
    setup.audit(page, "publish")
    page.get_by_label("Workshop file (YAML)").fill("title: [unclosed")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text("workshop.yaml is not a workshop file that can be published")
    setup.audit(page, "publish refused")
    page.goto(setup.url + "/workshops/ws-browser/manage")
    expect(page.locator("#count-seated")).to_have_text("0")
    expect(page.locator(".sign-in-code")).to_have_count(2)
    setup.audit(page, "manage")
    assert script_errors(page) == []
