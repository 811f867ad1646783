"""Automated accessibility audit (axe-core, WCAG 2.1 A/AA and best practices) of built pages,
in light and dark colour schemes and on a narrow screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from browsersupport import serve
from lessonkit.build import Builder, BuildOptions
from testsupport import FIXTURES

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
PAGES = ["index.html", "counting-cells.html", "blocks-and-tabs.html", "rmarkdown-chunks.html", "reference.html",
         "key-points.html", "aio.html", "profiles.html", "search.html?q=cells", "404.html",
         "instructor/counting-cells.html", "instructor/instructor-notes.html", "instructor/images.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("a11y")
    shutil.copytree(FIXTURES / "workbench", base / "lesson")
    # Served at the path of the fixture's `url:` (…/fixture-lesson/): 404.html links its assets from there.
    assert Builder(base / "lesson", BuildOptions(out=base / "site" / "fixture-lesson")).build().ok
    server = serve(base / "site")
    yield server.url + "fixture-lesson/"
    server.stop()


@pytest.mark.parametrize("scheme,width", [("light", 1280), ("dark", 1280), ("light", 390)])
def test_no_accessibility_violations(browser: Browser, site: str, scheme: str, width: int):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = context.new_page()
    axe = Axe()
    problems = []
    for name in PAGES:
        page.goto(site + name)
        page.wait_for_load_state("load")
        result = axe.run(page, options=RULES)
        for violation in result.response["violations"]:
            problems.append((name, violation["id"], violation["impact"], [n["target"] for n in violation["nodes"]][:3]))
    context.close()
    assert problems == []
