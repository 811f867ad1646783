"""A built corpus lesson in a real browser: solutions, search, views, console and network."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from browsersupport import serve
from lessonkit.build import Builder, BuildOptions
from testsupport import CORPUS

LESSON = CORPUS / "swcarpentry__shell-novice"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("browser-site")
    # Served at the path of the lesson's `url:` (…/shell-novice/), as on the web: 404.html links its assets from there.
    result = Builder(LESSON, BuildOptions(out=base / "site" / "shell-novice", cache=base / "cache")).build()
    assert result.ok
    server = serve(base / "site")
    yield server.url + "shell-novice/"
    server.stop()


@pytest.fixture
def page(browser: Browser, site: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.lk_errors = []  # type: ignore[attr-defined]
    page.lk_requests = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.lk_errors.append(m.text))
    page.on("pageerror", lambda e: page.lk_errors.append(str(e)))
    page.on("request", lambda r: page.lk_requests.append(r.url))
    yield page
    # Every page visited in a test: no console errors, and nothing fetched from outside localhost.
    assert page.lk_errors == []
    hosts = {urlparse(u).hostname for u in page.lk_requests if not u.startswith(("data:", "about:"))}
    assert hosts <= {"127.0.0.1"}, hosts
    context.close()


def unique_word() -> tuple[str, str]:
    """A word that occurs in exactly one episode (and no other page) of the lesson."""
    texts = {p.stem: p.read_text() for p in sorted((LESSON / "episodes").glob("*.md"))}
    others = " ".join(p.read_text() for folder in ("learners", "instructors", "profiles")
                      for p in (LESSON / folder).glob("*.md")) + (LESSON / "index.md").read_text()
    counts: Counter = Counter()
    where: dict[str, str] = {}
    for stem, text in texts.items():
        for word in set(re.findall(r"(?<![\w/.`$-])([a-z]{9,})(?![\w/.`-])", text)):
            counts[word] += 1
            where[word] = stem
    for word, n in sorted(counts.items()):
        if n == 1 and word not in others.lower():
            return word, where[word]
    raise AssertionError("no unique word found")


def test_solution_opens_and_closes_by_mouse_and_keyboard(page: Page, site: str):
    page.goto(site + "03-create.html")
    solution = page.locator("details.solution").first
    summary = solution.locator("summary")
    content = solution.locator(".collapsible-content")
    expect(content).to_be_hidden()
    summary.click()
    expect(content).to_be_visible()
    summary.click()
    expect(content).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(content).to_be_visible()
    page.keyboard.press("Space")
    expect(content).to_be_hidden()
    # reachable with the Tab key: tab until the summary has focus
    page.locator("body").focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.tagName") == "SUMMARY":
            break
    else:
        pytest.fail("no solution summary reachable with the Tab key")


def test_search_finds_a_word_from_one_episode_and_links_to_it(page: Page, site: str):
    word, stem = unique_word()
    page.goto(site + "index.html")
    page.fill("#search-input", word)
    page.press("#search-input", "Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    results = page.locator("#search-results li")
    expect(results).to_have_count(1)
    link = results.first.locator("a")
    assert link.get_attribute("href").startswith(f"{stem}.html")
    expect(results.first.locator("mark").first).to_have_text(re.compile(word, re.I))
    link.click()
    page.wait_for_url(re.compile(rf"{stem}\.html"))
    assert word in page.content().lower()


def test_instructor_view_shows_notes_the_learner_view_hides(page: Page, site: str):
    page.goto(site + "instructor/03-create.html")
    note = page.locator("details.instructor-note").first
    expect(note).to_be_visible()
    content = note.locator(".callout-content")
    expect(content).to_be_hidden()  # collapsed, so that it does not interrupt the lesson's text
    note.locator("summary").click()
    expect(content).to_be_visible()
    text = content.inner_text().strip()[:40]
    page.get_by_role("link", name="Learner view").click()
    page.wait_for_url(re.compile(r"/03-create\.html$"))
    expect(page.locator("details.instructor-note")).to_have_count(0)
    assert text not in page.locator("main").inner_text()
    page.get_by_role("link", name="Instructor view").click()
    expect(page.locator("details.instructor-note").first).to_be_visible()


def test_episode_menu_marks_the_current_page(page: Page, site: str):
    page.goto(site + "03-create.html")
    current = page.locator('#episode-nav a[aria-current="page"]')
    expect(current).to_have_count(1)
    assert current.get_attribute("href") == "03-create.html"
    expect(page.locator("#episode-nav li")).to_have_count(7)


def test_narrow_screen_menu_toggle(browser: Browser, site: str):
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    page.goto(site + "03-create.html")
    menu = page.locator("#sidebar-content")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Contents").click()
    expect(menu).to_be_visible()
    context.close()


def test_print_opens_every_solution(page: Page, site: str):
    page.goto(site + "03-create.html")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("Array.from(document.querySelectorAll('details.solution')).every(d => d.open)")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate("Array.from(document.querySelectorAll('details.solution')).every(d => !d.open)")


def test_every_page_loads_without_console_errors(page: Page, site: str):
    for name in ("index.html", "aio.html", "key-points.html", "instructor/images.html", "reference.html",
                 "search.html?q=shell", "404.html", "profiles.html"):
        page.goto(site + name)
        page.wait_for_load_state("load")
