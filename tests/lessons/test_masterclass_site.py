"""The README's main job: the two masterclasses built, code executed, into a catalogue site,
checked with --strict and audited for accessibility in a real browser."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from browsersupport import serve
from htmlquery import Document
from lessonkit.build import Builder, BuildOptions, BuildResult
from testsupport import ROOT

LESSONS = ROOT / "lessons"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[tuple[Path, BuildResult]]:
    base = tmp_path_factory.mktemp("masterclasses")
    result = Builder(LESSONS, BuildOptions(out=base / "site", cache=base / "cache")).build()
    yield base / "site", result


def test_check_strict_reports_nothing_for_the_catalogue():
    result = subprocess.run([sys.executable, "-m", "lessonkit", "check", str(LESSONS), "--strict"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "no problems" in result.stdout


@pytest.mark.parametrize("name", ["intro-data-science-ai", "managing-computational-projects"])
def test_each_masterclass_checked_alone_is_only_noted_that_its_links_to_the_other_need_the_catalogue(name: str):
    import json

    result = subprocess.run([sys.executable, "-m", "lessonkit", "check", str(LESSONS / name), "--strict",
                             "--format", "json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    found = json.loads(result.stdout)
    assert found and {(d["rule"], d["severity"]) for d in found} == {("link-other-lesson", "info")}, found


def test_catalogue_builds_with_every_chunk_executed(built):
    site, result = built
    assert result.ok and result.diagnostics == [], [d.format() for d in result.diagnostics]
    assert result.execution.cells_executed >= 40 and result.execution.episodes >= 5
    index = Document.load(site / "index.html")
    links = {a.attrs.get("href") for a in index.find_all("a")}
    assert {"intro-data-science-ai/index.html", "managing-computational-projects/index.html"} <= links
    for name in ("intro-data-science-ai", "managing-computational-projects"):
        assert (site / name / "index.html").is_file() and (site / name / "instructor/aio.html").is_file()


def test_ai_lesson_pages_show_real_outputs(built):
    site, _ = built
    lesson = site / "intro-data-science-ai"
    figures = [f for f in (lesson / "fig").iterdir() if "-rendered-" in f.name]
    assert len(figures) >= 10 and all(f.read_bytes()[:4] in (b"\x89PNG", b"<?xm", b"<svg") for f in figures)
    for page in sorted(lesson.glob("0*.html")):
        doc = Document.load(page)
        for img in doc.find_all("img"):
            assert img.attrs.get("alt", "").strip(), (page.name, img.attrs.get("src"))
    outputs = [o for p in lesson.glob("0*.html") for o in Document.load(p).find_all("div")
               if o.classes & {"code-output", "output-html"}]
    assert len(outputs) >= 20
    assert (lesson / "notebooks/04-unsupervised.ipynb").is_file()


def test_masterclass_pages_are_accessible(built, browser: Browser):
    site, _ = built
    server = serve(site)
    pages = ["index.html", "intro-data-science-ai/index.html", "intro-data-science-ai/04-unsupervised.html",
             "intro-data-science-ai/07-evaluation.html", "intro-data-science-ai/reference.html",
             "managing-computational-projects/03-setting-up.html",
             "managing-computational-projects/instructor/05-coding-practice.html"]
    problems = []
    try:
        page = browser.new_page()
        axe = Axe()
        for name in pages:
            page.goto(server.url + name)
            for violation in axe.run(page, options=RULES).response["violations"]:
                problems.append((name, violation["id"], [n["target"] for n in violation["nodes"]][:3]))
        page.close()
    finally:
        server.stop()
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("name", ["intro-data-science-ai", "managing-computational-projects"])
def test_instructor_view_shows_the_three_hour_schedule_with_computed_times(built, name: str):
    import re

    from lessonkit.readers import read_lesson
    from lessonkit.schedules import clock, lesson_schedules

    site, _ = built
    [plan] = lesson_schedules(read_lesson(LESSONS / name))
    html = (site / name / "instructor/index.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", html.split('id="named-schedules"')[1]).split())
    assert "Three-hour live masterclass" in text
    assert f"Total {clock(plan.minutes)} ({plan.live_minutes} minutes live, {plan.break_minutes} minutes of breaks)" in text
    assert plan.minutes <= 180
    learner = " ".join(re.sub(r"<[^>]+>", " ", (site / name / "index.html").read_text()).split())
    assert "Live sessions and self-study" in learner and "For self-study:" in learner


def test_ai_lesson_code_is_folded_with_outputs_and_downloads_visible(built):
    """Issue 16, item 2: in the built AI masterclass every chunk's source is collapsed behind one
    click (a closed <details>), its outputs stay outside the fold, and the notebook and script
    downloads remain on the page."""
    import re

    from lessonkit.model import CodeChunk
    from lessonkit.readers import read_lesson

    site, _ = built
    lesson = read_lesson(LESSONS / "intro-data-science-ai")
    for page in lesson.episodes:
        chunks = [n for n, _ in page.walk() if isinstance(n, CodeChunk)]
        for view in ("", "instructor/"):
            html = (site / "intro-data-science-ai" / view / f"{page.slug}.html").read_text()
            folds = re.findall(r"<details class=\"code-fold\"( open)?><summary>Show the code</summary>(.*?)</details>",
                               html, re.S)
            assert len(folds) == len(chunks), (view, page.slug)
            assert all(not is_open for is_open, _ in folds), (view, page.slug)  # closed by default
            assert all("code-output" not in inside and "<img" not in inside for _, inside in folds), page.slug
            if chunks:
                for download in (f"notebooks/{page.slug}.ipynb", f"notebooks/{page.slug}.py"):
                    assert f'href="{"../" if view else ""}{download}"' in html, (view, download)
                    assert (site / "intro-data-science-ai" / download).is_file()


def test_each_masterclass_links_to_the_other_and_the_links_reach_pages_of_the_catalogue(built):
    """Issue 16, item 9: where the two overlap each masterclass links into the other (by the other
    lesson's source file, rewritten by the catalogue build to a relative URL, so the catalogue works
    under any sub-path); each link must reach a page the catalogue build wrote, in the same view."""
    import re

    site, _ = built
    names = ["intro-data-science-ai", "managing-computational-projects"]
    for name, other in (names, names[::-1]):
        found = set()
        for view, folder in (("learner", site / name), ("instructor", site / name / "instructor")):
            up = "../" if view == "learner" else "../../"
            into = f"{other}/" if view == "learner" else f"{other}/instructor/"
            for page in sorted(folder.glob("0*.html")):
                html = page.read_text()
                assert "lessonkit.invalid/" + other not in html, page  # no placeholder host
                assert f'href="/{other}/' not in html, page  # nothing root-absolute
                for target in re.findall(rf'href="{re.escape(up + into)}([^"#]+)', html):
                    assert (page.parent / up / into / target).resolve().is_file(), (page, target)
                    found.add((view, target))
        assert len({t for v, t in found if v == "learner"}) >= 2, (name, found)
        assert {t for v, t in found if v == "learner"} == {t for v, t in found if v == "instructor"}, found
