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


def test_the_timetable_fits_a_phone_screen(browser: Browser, site: str):
    """At 390 px the four columns do not fit: each row is shown as a card, what is taught first and in full,
    with no sideways scrolling (it was a table whose "What" column was cut off at the screen's edge)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="America/New_York")
    page = context.new_page()
    page.goto(site + "index.html")
    page.wait_for_function("document.querySelectorAll('.local-time-shown').length > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rows = page.locator(".workshop-timetable tbody tr")
    assert rows.count() > 3
    for index in range(rows.count()):
        row = rows.nth(index)
        what, when = row.locator("td").nth(2).bounding_box(), row.locator("td").nth(0).bounding_box()
        assert what["x"] >= 0 and what["x"] + what["width"] <= 390, (index, what)
        assert what["y"] < when["y"], "what is taught comes first in the card"
        assert page.evaluate("el => el.scrollWidth <= el.clientWidth", row.locator("td").nth(2).element_handle())
    cells = rows.first.locator("td")
    assert cells.nth(2).inner_text() == "Introduction" and cells.nth(1).inner_text().startswith("09:00")
    labels = cells.nth(1).evaluate("el => getComputedStyle(el, '::before').content"), \
        cells.nth(3).evaluate("el => getComputedStyle(el, '::after').content")
    assert labels == ('"your time "', '" min"'), labels
    # a desktop keeps the table with its header row
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator(".workshop-timetable thead th").first.is_visible()
    assert page.locator(".workshop-timetable tbody tr").first.evaluate("el => getComputedStyle(el).display") == "table-row"
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
