"""The credit pages in a real browser: axe-core finds no accessibility violations on a page
with citations, a reference list and a credited figure, nor on the References, Contributors,
Image credits and Cite this lesson pages; a citation link leads to its reference."""

from __future__ import annotations

import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from browsersupport import serve
from credit.creditsupport import BIB, lesson_with
from credit.test_credit_files import CONTRIBUTORS, GOOD_ILLUSTRATION, IMAGE_MD, TURING
from lessonkit.build import Builder, BuildOptions

pytestmark = pytest.mark.browser
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
PAGES = ["introduction.html", "references.html", "contributors.html", "image-credits.html", "citation.html",
         "instructor/image-credits.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("credit-browser")
    text = ("## Bias\n\nBias is real [@obermeyer2019, p. 450; see @turingway2022], as @obermeyer2019 showed.\n\n"
            + IMAGE_MD)
    root = lesson_with(base, text, {"references.bib": BIB, "contributors.yaml": CONTRIBUTORS,
                                    "illustrations.yaml": GOOD_ILLUSTRATION})
    (root / "episodes" / "fig").mkdir(exist_ok=True)
    shutil.copy(TURING / "ai-for-research.jpg", root / "episodes" / "fig" / "ai.jpg")
    assert Builder(root, BuildOptions(out=base / "site")).build().ok
    server = serve(base / "site")
    yield server.url
    server.stop()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_credit_pages_have_no_accessibility_violations(browser: Browser, site: str, scheme: str):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    for name in PAGES:
        page.goto(site + name)
        page.wait_for_load_state("load")
        for violation in Axe().run(page, options=RULES).response["violations"]:
            problems.append((name, violation["id"], [n["target"] for n in violation["nodes"]][:3]))
    context.close()
    assert problems == []


def test_citation_link_leads_to_its_reference(browser: Browser, site: str):
    page = browser.new_page()
    page.goto(site + "introduction.html")
    page.get_by_role("link", name="(Obermeyer et al., 2019, p. 450; see The Turing Way Community, 2022)").click()
    assert page.url.endswith("#ref-obermeyer2019")
    target = page.locator("#ref-obermeyer2019")
    assert "Dissecting racial bias" in target.inner_text() and target.is_visible()
    assert page.get_by_role("region", name="References").is_visible()
    page.close()
