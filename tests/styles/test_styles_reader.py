"""The styles (Jekyll) reader: every construct of the fixture lesson, into the shared lesson model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.diagnostics import Report
from lessonkit.execute import ExecutionOptions
from lessonkit.model import Block, CodeChunk, Markdown
from lessonkit.readers import detect_format, read_lesson
from lessonkit.readers.kramdown import KramdownReader
from testsupport import FIXTURES

FIXTURE = FIXTURES / "styles"


@pytest.fixture(scope="module")
def lesson():
    return read_lesson(FIXTURE)


def text_of(nodes) -> str:
    return "\n".join(n.text for n in nodes if isinstance(n, Markdown))


def test_format_is_detected_and_config_read(lesson):
    assert detect_format(FIXTURE) == "styles" and lesson.format == "styles"
    config = lesson.config
    assert config.title == "Styles Fixture: Pipettes and Plates"
    assert (config.carpentry, config.life_cycle, config.contact) == ("swc", "beta", "team@example.org")
    assert config.source == "https://github.com/example/styles-fixture"
    assert config.extra["kind"] == "lesson"


def test_pages_and_their_parts(lesson):
    assert [p.slug for p in lesson.episodes] == ["01-pipettes", "02-plates", "03-analysis"]
    # the knitted .md is preferred; an .Rmd without a knitted .md is read itself
    assert [p.source for p in lesson.episodes] == [
        "_episodes/01-pipettes.md", "_episodes/02-plates.md", "_episodes_rmd/03-analysis.Rmd"]
    assert [p.slug for p in lesson.learners] == ["setup", "reference", "about", "discuss"]
    assert [(p.slug, p.source) for p in lesson.instructors] == [("instructor-notes", "_extras/guide.md")]
    assert lesson.index is not None and [p.slug for p in lesson.extras] == ["LICENSE"]
    assert "figures" not in {p.slug for p in lesson.pages()} and "aio" not in {p.slug for p in lesson.pages()}
    assert lesson.citation.text.startswith("Please cite as")
    assert sorted(a.target for a in lesson.assets) == ["data/values.csv", "fig/pipette.svg", "files/plate.csv"]


def test_front_matter_lists_become_blocks(lesson):
    page = lesson.episodes[0]
    assert (page.title, page.teaching, page.exercises) == ("Using Pipettes", 10, 5)
    first, second = page.body[0], page.body[1]
    assert (first.kind, second.kind) == ("questions", "objectives")
    assert first.children[0].text == "- How do I measure a volume?"
    assert second.children[0].text == "- Use a pipette correctly.\n- Read a `plate` layout."
    assert first.line == 5  # the 'questions:' line of the front matter
    assert page.body[-1].kind == "keypoints" and page.body[-1].children[0].text == "- Pre-wet the tip."


def test_blockquote_blocks_at_any_depth(lesson):
    page = lesson.episodes[0]
    kinds = [b.kind for b in page.blocks()]
    assert kinds == ["questions", "objectives", "challenge", "solution", "callout", "discussion", "checklist",
                     "testimonial", "instructor", "challenge", "callout", "solution", "challange", "keypoints"]
    challenge = page.blocks("challenge")[0]
    assert challenge.title == "Pipetting practice" and challenge.title_level == 2
    assert (challenge.line, challenge.end_line) == (44, 57)
    solution = challenge.children[-1]
    assert isinstance(solution, Block) and solution.kind == "solution" and solution.title == "Solution"
    assert "Set the dial to 20." in text_of(solution.children)
    assert "```python\npipette.set(20)\n```" in text_of(challenge.children)
    deep = page.blocks("challenge")[1]
    inner = deep.children[0]
    assert inner.kind == "callout" and inner.children[0].kind == "solution"
    assert "Deep text." in text_of(inner.children[0].children)


def test_code_block_classes_become_fenced_languages(lesson):
    text = text_of(lesson.episodes[0].body)
    assert "```python\nvolume = 20\nprint(volume * 2)\n```" in text
    assert "```output\n40\n```" in text
    assert "```error\nTraceback: oops\n```" in text
    assert "```bash\n$ ls data/\n```" in text
    assert "```source\nplain = \"code\"\n```" in text
    assert "{: ." not in text  # every IAL consumed


def test_liquid_resolved_and_unknown_liquid_reported(lesson):
    text = text_of(lesson.episodes[0].body)
    assert "![A pipette](../fig/pipette.svg){width=\"200px\" .shadow}" in text
    assert "(../reference.html#pipette)" in text and "(../02-plates/)" in text
    assert "{% include" not in text
    index = text_of(lesson.index.body)
    assert "(./../_episodes/01-pipettes.md)" in index or "(.._episodes" not in index
    problems = [(d.rule, d.line, d.column) for d in lesson.report.items if d.path == "_episodes/01-pipettes.md"]
    assert ("liquid-unresolved", 98, 10) in problems and ("liquid-unresolved", 98, 39) in problems


def test_line_numbers_survive_the_translation(lesson):
    page = lesson.episodes[0]
    calibration = page.blocks("callout")[0]
    assert (calibration.line, calibration.title_line, calibration.end_line) == (59, 59, 61)
    lines = (FIXTURE / page.source).read_text().split("\n")
    for node, _ in page.walk():
        if isinstance(node, Markdown) and node.text.strip():
            first = node.text.split("\n")[0].strip()
            if first and not first.startswith(("```", "-", "!", "![")):
                assert first in lines[node.line - 1], (node.line, first)


def test_rmarkdown_chunks_in_styles_episodes(lesson):
    page = lesson.episodes[2]
    [chunk] = page.chunks()
    assert isinstance(chunk, CodeChunk) and (chunk.engine, chunk.label, chunk.line) == ("r", "summary-chunk", 9)
    assert [b.kind for b in page.blocks()] == ["questions", "challenge"]


def test_glossary_definition_list_with_auto_ids(lesson):
    reference = next(p for p in lesson.learners if p.slug == "reference")
    text = text_of(reference.body)
    assert "{:auto_ids}" not in text and "Aliquot\n:   A measured portion" in text


def test_links_md_references_with_liquid(lesson):
    assert lesson.references["LAB"]["href"] == "https://lab.example.org"
    assert lesson.references["REPO"]["href"] == "https://github.com/example/styles-fixture"


def test_unknown_block_class_is_kept_as_a_block(lesson):
    typo = lesson.episodes[0].blocks("challange")[0]
    assert not typo.known and typo.title is None and "## Typo block" in typo.children[0].text  # kept as content


def test_misplaced_closing_line_is_reported():
    report = Report()
    nodes = KramdownReader("x.md", report).read("> ## A\n> text\n> {: .callout}\n\nafter\n{: .challenge}", 1)
    assert not any(isinstance(n, Block) for n in nodes)
    assert [(d.rule, d.line) for d in report.items] == [("kramdown-unbalanced", 3), ("kramdown-unbalanced", 6)]


def test_lazy_continuation_lines_stay_in_the_block():
    report = Report()
    nodes = KramdownReader("x.md", report).read("> ## Title\n> first line\ncontinued lazily\n{: .callout}", 1)
    [block] = nodes
    assert block.kind == "callout" and "continued lazily" in block.children[0].text


def test_the_site_of_a_styles_lesson(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    result = Builder(lesson, BuildOptions(out=tmp_path / "site", execution=ExecutionOptions(enabled=False))).build()
    assert result.ok
    rules = [d.rule for d in result.diagnostics]
    assert rules.count("liquid-unresolved") == 2 and "block-unknown" in rules  # the fixture's deliberate problems
    site = tmp_path / "site"
    page = Document.load(site / "01-pipettes.html")
    assert page.find("section", cls="challenge") is not None and page.find("details", cls="solution") is not None
    assert page.find("img").attrs["src"] == "fig/pipette.svg" and page.find("img").attrs["width"] == "200px"
    links = {a.attrs.get("href") for a in page.find_all("a")}
    assert {"reference.html#pipette", "02-plates.html", "https://example.org/pipette", "https://lab.example.org"} <= links
    assert page.find("div", cls="code-output") is not None and page.find("div", cls="code-error") is not None
    assert "Bring spare tips." not in page.html
    assert "Bring spare tips." in (site / "instructor/01-pipettes.html").read_text()
    assert "Teach slowly." in (site / "instructor/instructor-notes.html").read_text()
    index = Document.load(site / "index.html")
    assert "01-pipettes.html" in {a.attrs.get("href") for a in index.find_all("a")}
    schedule = Document.load(site / "instructor/index.html").find("section", cls="schedule")
    assert "00h 15m 2. Plates" in schedule.text()  # the schedule is on the instructor home page (#15.5)
    assert (site / "files/plate.csv").is_file()


def test_cached_pages_follow_changes_to_the_site_config(tmp_path: Path):
    from lessonkit.readers.page_cache import PageCache

    lesson_dir = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson_dir)
    episode = lesson_dir / "_episodes/01-pipettes.md"
    episode.write_text(episode.read_text() + "\nWrite to {{ site.email }}.\n")
    cache = PageCache()
    first = read_lesson(lesson_dir, cache=cache)
    assert "team@example.org" in text_of(first.episodes[0].body)
    config = lesson_dir / "_config.yml"
    config.write_text(config.read_text().replace("team@example.org", "lab-team@example.org"))
    second = read_lesson(lesson_dir, cache=cache)
    assert "lab-team@example.org" in text_of(second.episodes[0].body)


def test_lazy_lines_of_a_nested_block_stay_in_it():
    """kramdown continues a blockquote over lines without its '>' up to a blank line or a '{: ...}' line:
    text with one '>' between a solution's '> >' lines belongs to the solution (as on the Jekyll site)."""
    text = ("> ## Challenge\n>\n> > ## Solution\n> >~~~\n> >x <- 1\n> >~~~\n> Another way, written with one marker.\n"
            "> >~~~\n> >y <- 2\n> >~~~\n> {: .solution}\n{: .challenge}")
    report = Report()
    [challenge] = KramdownReader("x.md", report).read(text, 1)
    [solution] = [n for n in challenge.children if isinstance(n, Block)]
    assert (challenge.kind, solution.kind) == ("challenge", "solution") and not report.items
    assert "Another way" in text_of(solution.children) and "y <- 2" in text_of(solution.children)
