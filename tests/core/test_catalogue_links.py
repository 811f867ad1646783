"""Links from one lesson of a catalogue to another lesson's source files: rewritten to the other lesson's
page in the same view (learner → learner, instructor → instructor), relative, so the catalogue works
under any sub-path; checked against the catalogue's lessons; a lesson built alone keeps the catalogue URL
and, when checked alone, is told the link works only in the catalogue. No file outside the lesson is read
because of such a link."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.checks import Checker
from lessonkit.cli.check import check, check_diagnostics
from lessonkit.diagnostics import Severity
from lessonkit.readers import read_lesson
from lessonkit.scaffold import create_lesson
from lessonkit.site.links import Catalogue, LinkResolver, OtherLesson, SiteMap, other_lesson

GOOD = """
## Where to read on

The other lesson explains [how episodes are written](../../beta/episodes/introduction.md#writing-an-episode),
what to [install first](../../beta/learners/setup.md) and starts at [its home page](../../beta/).
"""

BAD = """
## Links that go nowhere

See [a lesson that is not there](../../gamma/episodes/introduction.md),
[a page that is not there](../../beta/episodes/conclusion.md) and
[an anchor that is not there](../../beta/episodes/introduction.md#no-such-heading).
"""


def _catalogue(root: Path, extra: str) -> Path:
    for name in ("alpha", "beta"):
        create_lesson(root / name, title=f"Lesson {name.capitalize()}", author="Ada Lovelace",
                      contact="ada@example.org")
    episode = root / "alpha/episodes/introduction.md"
    episode.write_text(episode.read_text() + extra)
    (root / "catalogue.yaml").write_text("title: Two lessons\n")
    return root


def _position(path: Path, text: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number, line.index(text) + 1
    raise AssertionError(text)


def _hrefs(page: Path) -> set[str]:
    return {a.attrs.get("href") for a in Document.load(page).find_all("a")}


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    return _catalogue(tmp_path / "lessons", GOOD)


def test_catalogue_build_links_each_view_to_the_same_view_of_the_other_lesson(catalogue: Path, tmp_path: Path):
    out = tmp_path / "site"
    result = Builder(catalogue, BuildOptions(out=out, cache=tmp_path / "cache")).build()
    assert result.ok and result.diagnostics == [], [d.format() for d in result.diagnostics]
    learner = out / "alpha/introduction.html"
    instructor = out / "alpha/instructor/introduction.html"
    assert {"../beta/introduction.html#writing-an-episode", "../beta/setup.html",
            "../beta/index.html"} <= _hrefs(learner)
    assert {"../../beta/instructor/introduction.html#writing-an-episode", "../../beta/instructor/setup.html",
            "../../beta/instructor/index.html"} <= _hrefs(instructor)
    for page in (learner, instructor):
        for href in _hrefs(page):
            if href and "beta/" in href:
                target = (page.parent / href.split("#")[0]).resolve()
                assert target.is_file() and target.is_relative_to(out.resolve()), (page, href)
    anchor = Document.load(out / "beta/introduction.html").find_all("h2")
    assert "writing-an-episode" in {h.attrs.get("id") for h in anchor}


def test_catalogue_check_finds_nothing_wrong_with_good_links(catalogue: Path):
    assert check_diagnostics(catalogue) == []


def test_catalogue_check_names_the_missing_lesson_page_and_anchor_at_their_place(tmp_path: Path):
    root = _catalogue(tmp_path / "lessons", BAD)
    episode = root / "alpha/episodes/introduction.md"
    found = [(d.path, d.line, d.column, d.rule, d.message, d.fix) for d in check_diagnostics(root)]
    line, column = _position(episode, "[a lesson that")
    lesson = ("alpha/episodes/introduction.md", line, column, "link-other-lesson",
              "link '../../gamma/episodes/introduction.md' points at the lesson 'gamma', which is not in the "
              "catalogue; its lessons are: alpha, beta",
              "Fix the lesson's folder name in the path (relative to this file, e.g. "
              "'../../alpha/episodes/PAGE.md'), or add the lesson to the catalogue.")
    line, column = _position(episode, "[a page that")
    page = ("alpha/episodes/introduction.md", line, column, "link-other-lesson",
            "link '../../beta/episodes/conclusion.md': the lesson 'beta' has no page episodes/conclusion.md",
            "Link to the source file of one of its pages (a path relative to this file, with the folder: "
            "episodes/, learners/, instructors/ or profiles/), as listed in its config.yaml.")
    line, column = _position(episode, "[an anchor that")
    anchor = ("alpha/episodes/introduction.md", line, column, "link-anchor-missing",
              "anchor '#no-such-heading' does not exist in beta/episodes/introduction.md")
    assert lesson in found and page in found
    assert anchor in [f[:5] for f in found]
    assert len(found) == 3, found


def test_catalogue_check_suggests_the_lesson_meant(tmp_path: Path):
    root = _catalogue(tmp_path / "lessons", "\nSee [the other](../../betta/episodes/introduction.md).\n")
    (message,) = [d.message for d in check_diagnostics(root)]
    assert "points at the lesson 'betta', which is not in the catalogue (did you mean 'beta'?)" in message


def test_lesson_built_alone_keeps_the_catalogue_urls(catalogue: Path, tmp_path: Path):
    out = tmp_path / "alone"
    result = Builder(catalogue / "alpha", BuildOptions(out=out, cache=tmp_path / "cache")).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "../beta/introduction.html#writing-an-episode" in _hrefs(out / "introduction.html")
    assert "../../beta/instructor/setup.html" in _hrefs(out / "instructor/introduction.html")


def test_lesson_checked_alone_is_told_in_a_note_that_each_link_works_only_beside_the_other_lesson(catalogue: Path):
    episode = catalogue / "alpha/episodes/introduction.md"
    result = CliRunner().invoke(check, [str(catalogue / "alpha"), "--strict"])
    assert result.exit_code == 0, result.output  # a note: the link may work where the site is published
    line, column = _position(episode, "[how episodes")
    assert (f"episodes/introduction.md:{line}:{column}: info: link "
            "'../../beta/episodes/introduction.md#writing-an-episode' points at episodes/introduction.md of the "
            "lesson 'beta', outside this lesson: it is written as '../beta/introduction.html', which reaches that "
            "page only where this lesson's site is published beside the other lesson's") in " ".join(result.output.split())
    assert "alpha: 3 notes." in result.output
    found = check_diagnostics(catalogue / "alpha")
    assert [(d.rule, d.severity) for d in found] == [("link-other-lesson", Severity.INFO)] * 3
    assert CliRunner().invoke(check, [str(catalogue), "--strict"]).output.strip().endswith("lessons: no problems.")


def test_links_to_other_lessons_read_no_file_outside_the_lesson(catalogue: Path, tmp_path: Path):
    """Built and checked alone, the lesson's links name beta and a path far outside: nothing there is opened."""
    episode = catalogue / "alpha/episodes/introduction.md"
    episode.write_text(episode.read_text() + "\n[Far away](../../../../../etc/passwd.md) and "
                       "[next door](../../beta/episodes/introduction.md).\n")
    outside = [catalogue / "beta", Path("/etc/passwd.md"), catalogue.parent / "etc"]
    opened: list[str] = []
    watching = [True]

    def audit(event: str, args: tuple) -> None:
        if watching[0] and event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, Path)):
            opened.append(str(args[0]))

    sys.addaudithook(audit)
    try:
        result = Builder(catalogue / "alpha", BuildOptions(out=tmp_path / "alone", cache=tmp_path / "cache")).build()
        lesson = read_lesson(catalogue / "alpha")
        diagnostics = Checker().check(lesson, SiteMap.of(lesson, catalogue=Catalogue.alone()))
    finally:
        watching[0] = False
    assert result.ok
    assert [p for p in opened if any(p.startswith(str(o)) for o in outside)] == []
    assert [d.rule for d in diagnostics].count("link-other-lesson") == 4  # three from GOOD, one next door
    assert "../../../../../etc/passwd.md" in [d.message.split("'")[1] for d in diagnostics
                                              if d.rule == "link-target-missing"]


@pytest.mark.parametrize(("page", "path", "expected"), [
    ("episodes/a.md", "../../beta/episodes/b.md", OtherLesson("beta", "episodes/b.md")),
    ("index.md", "../beta/learners/setup.md", OtherLesson("beta", "learners/setup.md")),
    ("episodes/a.md", "../../beta/", OtherLesson("beta", "")),
    ("episodes/a.md", "../../beta", None),  # a folder named without '/' may be a file: not a lesson link
    ("episodes/a.md", "../learners/setup.md", None),  # inside the lesson
    ("episodes/a.md", "../../beta/data/table.csv", None),  # a file, not a page
    ("episodes/a.md", "../../../beta/episodes/b.md", None),  # above the catalogue
    ("index.md", "../README.md", None),
    ("_episodes/a.md", "../../_extras/b.md", None),  # a catalogue's lessons are never _name or .name folders
    ("episodes/a.md", "../../.hidden/episodes/b.md", None),
])
def test_other_lesson_is_worked_out_from_the_path_alone(page: str, path: str, expected):
    assert other_lesson(page, path) == expected


def test_the_other_lessons_published_slug_is_used_when_the_catalogue_knows_it(catalogue: Path):
    lessons = {name: read_lesson(catalogue / name) for name in ("alpha", "beta")}
    resolver = LinkResolver(SiteMap.of(lessons["alpha"], catalogue=Catalogue(lessons)), "episodes/introduction.md")
    assert resolver.link("../../beta/learners/reference.md#g") == "\x00lessons\x00beta/\x00view\x00reference.html#g"
    assert resolver.elsewhere == [("../../beta/learners/reference.md#g", OtherLesson("beta", "learners/reference.md"))]
    assert resolver.unresolved == []


def test_catalogue_build_reports_links_to_missing_lessons_pages_and_anchors(tmp_path: Path):
    root = _catalogue(tmp_path / "lessons", BAD)
    result = Builder(root, BuildOptions(out=tmp_path / "site", cache=tmp_path / "cache")).build()
    assert result.ok  # warnings
    assert [d.format() for d in result.diagnostics] == [d.format() for d in check_diagnostics(root)]
    assert len(result.diagnostics) == 3


def test_lesson_built_alone_gets_a_note_at_each_link_to_another_lesson(catalogue: Path, tmp_path: Path):
    result = Builder(catalogue / "alpha", BuildOptions(out=tmp_path / "alone", cache=tmp_path / "cache",
                                                        strict=True)).build()
    assert result.ok
    assert [(d.path, d.rule, d.severity) for d in result.diagnostics] == [
        ("episodes/introduction.md", "link-other-lesson", Severity.INFO)] * 3
