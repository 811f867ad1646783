"""The Workbench page features and the translated interface, in a real browser: home pages,
pager, progress, last updated, expand all, back to top, solution labels, theme toggle, search
in the lesson's language, right-to-left scripts, the language menu and the all-in-one layout."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from browsersupport import serve
from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from lessonkit.locale import interface
from testsupport import FIXTURES
from translated import TEXTS, dated, make_lesson

NO_EXECUTION = ExecutionOptions(enabled=False)
DE = interface("de")


def _build(source: Path, out: Path) -> None:
    result = Builder(source, BuildOptions(out=out, execution=NO_EXECUTION)).build()
    assert result.ok, [d.format() for d in result.diagnostics]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("features")
    de = make_lesson(base / "src" / "de", "de")
    with (de / "episodes/one.md").open("a", encoding="utf-8") as episode:
        episode.write("\n::: challenge\n\nWie viele?\n\n:::: solution\n\n## Warum vierzig?\n\nWeil es so ist.\n\n"
                      "::::\n\n:::\n")
    dated(de / "episodes/one.md")
    config = (de / "config.yaml").read_text(encoding="utf-8")
    (de / "config.yaml").write_text(config + "languages:\n  de: /de/\n  ja: /ja/\n", encoding="utf-8")
    ja = make_lesson(base / "src" / "ja", "ja")
    (ja / "config.yaml").write_text((ja / "config.yaml").read_text(encoding="utf-8")
                                    + "languages:\n  de: /de/\n  ja: /ja/\n", encoding="utf-8")
    ar = make_lesson(base / "src" / "ar", "de")
    (ar / "config.yaml").write_text((ar / "config.yaml").read_text(encoding="utf-8").replace("lang: de", "lang: ar"),
                                    encoding="utf-8")
    shutil.copytree(FIXTURES / "workbench", base / "src" / "en")
    for name in ("de", "ja", "ar", "en"):
        _build(base / "src" / name, base / "site" / name)
    server = serve(base / "site")
    yield server.url
    server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    yield page
    assert errors == []
    assert {urlparse(u).hostname for u in requests if not u.startswith(("data:", "about:"))} <= {"127.0.0.1"}
    context.close()


def test_learner_home_is_summary_and_setup_with_setup_inline(page: Page, site: str):
    page.goto(site + "de/index.html")
    expect(page.locator("h1")).to_have_text(DE.gettext("Summary and Setup"))
    setup = page.locator("section#setup")
    expect(setup).to_contain_text(TEXTS["de"]["setup"])
    expect(setup.locator("h2")).to_have_text(DE.gettext("Setup"))
    page.get_by_role("link", name=TEXTS["de"]["heading"], exact=True).first.click()  # the menu's setup entry
    assert page.url.endswith("de/index.html#setup")
    page.goto(site + "de/instructor/index.html")
    expect(page.locator("h1")).to_have_text(DE.gettext("Summary and Schedule"))
    expect(page.locator("section.schedule tbody tr")).to_have_count(4)  # setup, two episodes, finish


def test_previous_and_next_at_the_top_and_bottom_and_progress(page: Page, site: str):
    page.goto(site + "de/one.html")
    for where in ("top", "bottom"):
        pager = page.locator(f"nav.pager-{where}")
        expect(pager.locator("a[rel=next]")).to_have_attribute("href", "two.html")
        expect(pager.locator("a[rel=prev]")).to_contain_text(DE.gettext("Summary and Setup"))
    progress = page.locator(".progress progress")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("1", "2")
    expect(page.locator("#episode-progress")).to_have_text("Episode 1 von 2")
    page.locator("nav.pager-top a[rel=next]").click()
    expect(page.locator(".progress progress")).to_have_attribute("value", "2")


def test_last_updated_from_the_file_time(page: Page, site: str):
    page.goto(site + "de/one.html")
    updated = page.locator("p.last-updated time")
    expect(updated).to_have_attribute("datetime", "2026-12-01")
    expect(updated).to_have_text("1. Dezember 2026")


def test_expand_all_solutions_and_a_solutions_own_heading_as_its_label(page: Page, site: str):
    page.goto(site + "de/one.html")
    solutions = page.locator("details.collapsible")
    count = solutions.count()
    assert count >= 3
    labels = page.locator("details.solution > summary").all_inner_texts()
    assert DE.gettext("Show me the solution") in labels and "Warum vierzig?" in labels
    button = page.locator("button.expand-solutions")
    expect(button).to_have_text(DE.gettext("Expand all solutions"))
    button.click()
    assert page.evaluate("Array.from(document.querySelectorAll('details.collapsible')).every(d => d.open)")
    expect(button).to_have_text(DE.gettext("Collapse all solutions"))
    expect(button).to_have_attribute("aria-pressed", "true")
    button.click()
    assert page.evaluate("Array.from(document.querySelectorAll('details.collapsible')).every(d => !d.open)")
    expect(button).to_have_text(DE.gettext("Expand all solutions"))


def test_back_to_top(page: Page, site: str):
    page.goto(site + "de/one.html")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("window.scrollY > 500")
    page.get_by_role("link", name=DE.gettext("Back to top")).click()
    page.wait_for_function("window.scrollY < 50")


def test_theme_toggle_cycles_and_is_remembered(browser: Browser, site: str):
    context = browser.new_context(color_scheme="light")
    page = context.new_page()
    page.goto(site + "de/one.html")
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    toggle = page.locator("button.theme-toggle")
    expect(toggle).to_have_text(DE.gettext("Theme: automatic"))
    toggle.click()
    expect(toggle).to_have_text(DE.gettext("Theme: light"))
    toggle.click()
    expect(toggle).to_have_text(DE.gettext("Theme: dark"))
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark = page.evaluate(background)
    assert dark != light
    page.goto(site + "de/two.html")  # another page: the choice is remembered
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(background) == dark
    expect(page.locator("button.theme-toggle")).to_have_text(DE.gettext("Theme: dark"))
    page.locator("button.theme-toggle").click()  # back to automatic: the system's light scheme
    assert page.evaluate("document.documentElement.dataset.theme") is None
    assert page.evaluate(background) == light
    context.close()
    context = browser.new_context(color_scheme="dark")  # light chosen on a dark system
    page = context.new_page()
    page.goto(site + "de/one.html")
    system_dark = page.evaluate(background)
    page.locator("button.theme-toggle").click()
    assert page.evaluate(background) == light != system_dark
    context.close()


@pytest.mark.parametrize("query,expected", [
    ("zahlkammer", "one.html"),  # accents folded: "Zählkammer"
    ("Kammer", "one.html"),  # part of a compound word
    ("Zählkammern", "one.html"),  # the plural finds the singular's stem
    ("verdunnungen", "two.html"),
])
def test_search_in_german(page: Page, site: str, query: str, expected: str):
    page.goto(site + f"de/search.html?q={query}")
    results = page.locator("#search-results a")
    expect(results.first).to_be_visible()
    assert any(href.startswith(expected) for href in
               page.eval_on_selector_all("#search-results a", "els => els.map(e => e.getAttribute('href'))"))
    expect(page.locator("#search-status")).to_contain_text("Treffer für")


def test_search_in_japanese_splits_words_written_without_spaces(page: Page, site: str):
    page.goto(site + "ja/search.html?q=細胞数")  # "細胞" and "数": neither text has the two together
    expect(page.locator("#search-results a").first).to_be_visible()
    words = page.evaluate("window.lessonkitSearch([], '細胞数', 'ja').words")
    assert words == ["細胞", "数"]
    page.goto(site + "ja/search.html?q=存在しない語")
    expect(page.locator("#search-status")).to_have_text("「存在しない語」に一致する結果はありません。")


def test_right_to_left_lesson(page: Page, site: str):
    page.goto(site + "ar/one.html")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    # Nothing sticks out sideways: the page is as wide as the window, with the content in view.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert 0 <= page.locator("h1").bounding_box()["x"] < 1280
    # The sidebar is at the right of the content, and the "next" link at the left.
    sidebar = page.locator("nav.sidebar").bounding_box()
    main = page.locator("main").bounding_box()
    assert sidebar["x"] > main["x"]
    nxt = page.locator("nav.pager-bottom a[rel=next]").bounding_box()
    prev = page.locator("nav.pager-bottom a[rel=prev]").bounding_box()
    assert nxt["x"] < prev["x"]


def test_language_menu_links_the_same_page_in_each_translation(page: Page, site: str):
    page.goto(site + "de/two.html")
    menu = page.locator("details.language-menu")
    menu.locator("summary").click()
    link = menu.get_by_role("link", name="日本語")
    expect(link).to_have_attribute("href", "/ja/two.html")
    expect(menu.locator("[aria-current=true]")).to_have_text("Deutsch")
    link.click()
    page.wait_for_url("**/ja/two.html")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_all_in_one_overview_is_laid_out_like_an_episodes(page: Page, site: str):
    """At 1280 px the Questions/Objectives box of the all-in-one page has the episode page's layout."""
    def layout(selector_root: str) -> dict:
        return page.evaluate("""root => {
            const box = document.querySelector(root + ' .overview');
            const q = box.querySelector('.overview-questions').getBoundingClientRect();
            const o = box.querySelector('.overview-objectives').getBoundingClientRect();
            const b = box.getBoundingClientRect();
            return {display: getComputedStyle(box).display, sideBySide: Math.abs(q.top - o.top) < 1 && o.left > q.right,
                    questions: Math.round(q.width / b.width * 100), objectives: Math.round(o.width / b.width * 100)};
        }""", selector_root)

    page.goto(site + "en/blocks-and-tabs.html")
    episode = layout("main")
    page.goto(site + "en/aio.html")
    aio = layout("#aio-blocks-and-tabs")
    assert episode["display"] == "grid" and episode["sideBySide"]
    assert aio == episode


def test_feedback_widget_speaks_the_lessons_language(browser: Browser, tmp_path: Path):
    lesson = make_lesson(tmp_path / "lesson", "de")
    config = (lesson / "config.yaml").read_text(encoding="utf-8")
    (lesson / "config.yaml").write_text(config + "feedback_url: http://127.0.0.1:9\n", encoding="utf-8")
    _build(lesson, tmp_path / "site")
    server = serve(tmp_path / "site")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "one.html")
        widget = page.locator("#lessonkit-feedback")
        expect(widget.get_by_role("heading")).to_have_text(DE.gettext("Feedback on this page"))
        expect(widget.get_by_role("button", name=DE.gettext("Send feedback"))).to_be_visible()
        expect(widget.get_by_label(DE.gettext("5 – very useful"))).to_have_count(1)
        widget.get_by_role("button", name=DE.gettext("Send feedback")).click()  # nothing chosen yet
        expect(widget.get_by_role("status")).to_have_text(DE.gettext("Choose a rating or write a comment first."))
    finally:
        context.close()
        server.stop()


def test_mermaid_diagrams_are_drawn_with_the_bundled_library(browser: Browser, tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    episode = lesson / "episodes/counting-cells.md"
    episode.write_text(episode.read_text() + "\n```mermaid\nflowchart LR\n  Sample --> Count\n  Count --> Report\n```\n")
    _build(lesson, tmp_path / "site")
    assert (tmp_path / "site/assets/mermaid.min.js").stat().st_size > 1_000_000
    assert not (tmp_path / "site/assets/mermaid.min.js").read_text().startswith("<")
    server = serve(tmp_path / "site")
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server.url + "counting-cells.html")
        diagram = page.locator("pre.mermaid svg")
        expect(diagram).to_have_count(1, timeout=20000)
        expect(page.locator("pre.mermaid")).to_contain_text("Sample")
        page.goto(server.url + "blocks-and-tabs.html")  # a page without diagrams does not load the library
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.mermaid") == "undefined"
    finally:
        context.close()
        server.stop()
    assert errors == []
    assert {urlparse(u).hostname for u in requests if not u.startswith(("data:", "about:"))} <= {"127.0.0.1"}
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURES / "workbench", tmp_path / "plain-lesson")
    _build(tmp_path / "plain-lesson", plain)
    assert not (plain / "assets/mermaid.min.js").exists()  # only lessons with diagrams carry it


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["de", "ja", "en"])
def test_the_search_box_shows_its_whole_placeholder(browser: Browser, site: str, lang: str, width: int):
    """A translated placeholder ("Diese Lektion durchsuchen") is not cut off, on a desktop or a phone."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(site + f"{lang}/index.html")
    box = page.locator("#search-input")
    room, needed = box.evaluate("""input => {
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = style.font;
        const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        return [input.clientWidth - padding, context.measureText(input.placeholder).width];
    }""")
    assert needed <= room, (lang, width, room, needed)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sticks out sideways
    context.close()
