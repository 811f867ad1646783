"""The workshop page in Debian's chromium: local times, no remote request, and axe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser
from wssupport import write_workshop

from browsersupport import serve
from lessonkit.workshop.build import build_workshop

pytestmark = pytest.mark.browser
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("workshop-browser")
    result = build_workshop(write_workshop(base), base / "site", today=date(2026, 12, 1))
    assert result.ok, [d.format() for d in result.diagnostics]
    server = serve(base / "site")
    yield server.url
    server.stop()


@pytest.mark.parametrize(("zone", "expected"), [("America/New_York", ["09:00", "10:20"]),
                                                ("Asia/Tokyo", ["22:00", "23:20"])])
def test_local_times_and_no_remote_request(browser: Browser, site: str, zone: str, expected: list[str]):
    context = browser.new_context(timezone_id=zone, locale="en-GB")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site + "index.html")
    page.wait_for_function("document.querySelectorAll('.local-time-shown').length > 0")
    local = page.locator(".workshop-timetable .local-time").all_inner_texts()
    # 13:00 and 14:20 in London (GMT) on 14 March 2027 are 09:00 and 10:20 in New York (EDT), 22:00, 23:20 in Tokyo
    assert local[0].startswith(expected[0]) and local[3].startswith(expected[1]), local
    assert page.locator(".reader-zone").first.inner_text() == zone
    # the workshop's own times are still shown, in its time zone
    assert page.locator(".workshop-timetable time").first.inner_text() == "13:00"
    assert requests and all(url.startswith(site) for url in requests), requests
    context.close()


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 390)])
def test_no_accessibility_violations(browser: Browser, site: str, scheme: str, width: int):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    for name in ("index.html", "handout.html", "instructor/handout.html"):
        page.goto(site + name)
        page.wait_for_load_state("load")
        for violation in Axe().run(page, options=RULES).response["violations"]:
            problems.append((name, violation["id"], [n["target"] for n in violation["nodes"]][:3]))
    context.close()
    assert problems == []


def test_named_schedules_on_the_lesson_landing_pages_are_accessible(browser: Browser, tmp_path_factory):
    from wssupport import write_lesson

    from lessonkit.build import Builder, BuildOptions

    base = tmp_path_factory.mktemp("schedules-a11y")
    assert Builder(write_lesson(base / "lesson"), BuildOptions(out=base / "site")).build().ok
    server = serve(base / "site")
    try:
        context = browser.new_context()
        page = context.new_page()
        problems = []
        for name in ("index.html", "instructor/index.html"):
            page.goto(server.url + name)
            page.wait_for_load_state("load")
            assert page.locator("#named-schedules").count() == 1
            for violation in Axe().run(page, options=RULES).response["violations"]:
                problems.append((name, violation["id"], [n["target"] for n in violation["nodes"]][:3]))
        context.close()
    finally:
        server.stop()
    assert problems == []
