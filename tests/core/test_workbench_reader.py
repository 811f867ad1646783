"""Reading Workbench lessons into the lesson model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lessonkit.diagnostics import Severity
from lessonkit.model import Block, CodeChunk, Markdown
from lessonkit.readers import detect_format, read_lesson
from testsupport import FIXTURES


@pytest.fixture
def lesson_dir(tmp_path: Path) -> Path:
    target = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", target)
    return target


def rules(lesson) -> list[tuple[str, str, int]]:
    return [(d.rule, d.path, d.line) for d in lesson.report.sorted()]


def test_fixture_reads_cleanly(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    assert lesson.format == "workbench"
    assert rules(lesson) == []
    config = lesson.config
    assert config.title == "Fixture Lesson: Cells and Counts"
    assert config.carpentry == "incubator" and config.life_cycle == "beta" and config.lang == "en"
    assert config.keywords == ["fixture", "testing", "cells"]
    assert config.created == "2026-01-15"  # kept as written, not turned into a date
    assert [p.slug for p in lesson.episodes] == ["counting-cells", "blocks-and-tabs", "rmarkdown-chunks"]
    assert [p.slug for p in lesson.learners] == ["setup", "reference"]
    assert [p.slug for p in lesson.instructors] == ["instructor-notes"]
    assert [p.slug for p in lesson.profiles] == ["postdoc"]
    assert sorted(p.slug for p in lesson.extras) == ["CODE_OF_CONDUCT", "LICENSE"]
    first = lesson.episodes[0]
    assert (first.title, first.teaching, first.exercises, first.minutes) == ("Counting Cells", 15, 10, 25)
    assert lesson.citation is not None
    assert lesson.citation.authors == ["Ada Lovelace", "The Fixture Team"]
    assert "https://doi.org/10.5281/zenodo.0000000" in lesson.citation.text
    assert "HEMOCYTOMETER" in lesson.references  # keys are normalised labels


def test_blocks_are_found_at_any_depth(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    page = lesson.episodes[1]
    kinds = [b.kind for b in page.blocks()]
    assert kinds == ["questions", "objectives", "callout", "discussion", "checklist", "prereq", "testimonial",
                     "caution", "challenge", "hint", "solution", "callout", "spoiler", "group-tab",
                     "unknownclass", "keypoints"]
    nested = page.blocks("solution")[0]
    assert any(isinstance(c, Block) and c.kind == "callout" for c in nested.children)


def test_child_documents_are_included_with_their_own_source(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    page = lesson.episodes[2]
    chunks = page.chunks()
    assert [c.label for c in chunks] == ["setup", "plot-counts"]  # the child= chunk is replaced
    assert chunks[1].options["fig.alt"] == "Bar chart of counts"
    callout = page.blocks("callout")[0]
    assert callout.source == "episodes/files/child.Rmd" and callout.title == "From the child"
    child_text = [n for n in page.body if isinstance(n, Markdown) and n.source == "episodes/files/child.Rmd"]
    assert child_text and child_text[0].line == 1


def test_digest_changes_when_a_child_document_changes(lesson_dir: Path):
    before = read_lesson(lesson_dir).episodes[2].digest
    (lesson_dir / "episodes/files/child.Rmd").write_text("Changed.\n")
    assert read_lesson(lesson_dir).episodes[2].digest != before


def test_empty_order_lists_mean_alphabetical(lesson_dir: Path):
    config = (lesson_dir / "config.yaml").read_text()
    config = config.replace("- counting-cells.md\n- blocks-and-tabs.md\n- rmarkdown-chunks.Rmd\n", "")
    (lesson_dir / "config.yaml").write_text(config)
    lesson = read_lesson(lesson_dir)
    assert [p.source for p in lesson.episodes] == [
        "episodes/blocks-and-tabs.md", "episodes/counting-cells.md", "episodes/rmarkdown-chunks.Rmd"]


def test_missing_episode_is_an_error_on_its_config_line(lesson_dir: Path):
    config = (lesson_dir / "config.yaml").read_text().replace("- blocks-and-tabs.md", "- block-and-tabs.md")
    (lesson_dir / "config.yaml").write_text(config)
    lesson = read_lesson(lesson_dir)
    [d] = lesson.report.errors
    line = config.splitlines().index("- block-and-tabs.md") + 1
    assert (d.rule, d.path, d.line) == ("config-missing-file", "config.yaml", line)
    assert "blocks-and-tabs.md" in d.fix  # suggests the nearest existing file


def test_invalid_config_yaml_is_reported_with_line_and_column(lesson_dir: Path):
    (lesson_dir / "config.yaml").write_text("title: 'Unclosed\ncarpentry: swc\n")
    lesson = read_lesson(lesson_dir)
    [d] = lesson.report.errors
    assert d.rule == "yaml-syntax" and d.path == "config.yaml" and d.line >= 1 and d.column >= 1


def test_invalid_front_matter_is_reported_with_file_line(lesson_dir: Path):
    page = lesson_dir / "episodes/counting-cells.md"
    page.write_text("---\ntitle: [unclosed\nteaching: 5\n---\n\nBody\n")
    lesson = read_lesson(lesson_dir)
    errors = [(d.rule, d.path) for d in lesson.report.errors]
    assert ("yaml-syntax", "episodes/counting-cells.md") in errors
    assert all(d.line >= 2 for d in lesson.report.errors)


def test_non_integer_timings_are_errors(lesson_dir: Path):
    page = lesson_dir / "episodes/counting-cells.md"
    page.write_text("---\ntitle: T\nteaching: ten\nexercises: 5.5\n---\nBody\n")
    lesson = read_lesson(lesson_dir)
    assert sorted(d.rule for d in lesson.report.errors) == ["episode-timing", "episode-timing"]


def test_unclosed_div_in_episode(lesson_dir: Path):
    page = lesson_dir / "episodes/counting-cells.md"
    page.write_text("---\ntitle: T\n---\n\n::: challenge\n## Q\ntext\n")
    lesson = read_lesson(lesson_dir)
    [d] = lesson.report.errors
    assert (d.rule, d.path, d.line) == ("div-unclosed", "episodes/counting-cells.md", 5)


def test_invalid_utf8_bom_and_crlf(lesson_dir: Path):
    page = lesson_dir / "episodes/counting-cells.md"
    page.write_bytes(b"\xef\xbb\xbf---\r\ntitle: Caf\xe9\r\n---\r\n\r\n::: callout\r\nx\r\n:::\r\n")
    lesson = read_lesson(lesson_dir)
    [d] = lesson.report.errors
    assert (d.rule, d.line, d.column) == ("encoding", 2, 11)
    episode = lesson.episodes[0]
    assert episode.title == "Caf\ufffd"
    assert [b.kind for b in episode.blocks()] == ["callout"]


def test_unreadable_file_is_reported(lesson_dir: Path):
    page = lesson_dir / "episodes/counting-cells.md"
    page.unlink()
    page.mkdir()  # a folder where a file should be
    lesson = read_lesson(lesson_dir)
    assert ("file-unreadable", "episodes/counting-cells.md") in [(d.rule, d.path) for d in lesson.report.errors] or \
        ("config-missing-file", "config.yaml") in [(d.rule, d.path) for d in lesson.report.errors]


def test_overview_lesson_without_episodes(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("title: Workshop\noverview: true\nepisodes:\n- introduction.Rmd\n")
    (tmp_path / "index.md").write_text("Welcome to the workshop.\n")
    lesson = read_lesson(tmp_path)
    assert lesson.config.overview is True
    assert lesson.episodes == [] and not lesson.report.items


def test_not_a_lesson(tmp_path: Path):
    assert detect_format(tmp_path) is None
    lesson = read_lesson(tmp_path)
    assert [d.rule for d in lesson.report.errors] == ["lesson-format"]


def test_page_name_clash_is_renamed_with_a_warning(lesson_dir: Path):
    (lesson_dir / "learners/counting-cells.md").write_text("---\ntitle: Clash\n---\ntext\n")
    config = (lesson_dir / "config.yaml").read_text().replace("- reference.md", "- reference.md\n- counting-cells.md")
    (lesson_dir / "config.yaml").write_text(config)
    lesson = read_lesson(lesson_dir)
    assert [d.rule for d in lesson.report.warnings] == ["page-name-clash"]
    assert lesson.learners[-1].slug == "learners-counting-cells"


def test_chunks_in_markdown_episodes_are_chunks(lesson_dir: Path):
    (lesson_dir / "episodes/counting-cells.md").write_text("---\ntitle: T\n---\n\n```{python}\nprint(1)\n```\n")
    lesson = read_lesson(lesson_dir)
    [chunk] = lesson.episodes[0].chunks()
    assert isinstance(chunk, CodeChunk) and chunk.engine == "python" and chunk.line == 5


def test_assets_from_all_folders(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    targets = sorted(a.target for a in lesson.assets)
    assert targets == ["data/volumes.csv", "fig/grid.svg", "files/child.Rmd", "files/counts.csv"]
    assert all(a.source.is_file() for a in lesson.assets)


def test_severity_of_reader_problems_is_error_or_warning(lesson_dir: Path):
    (lesson_dir / "episodes/counting-cells.md").write_text("---\ntitle: T\n---\n:::\n")
    lesson = read_lesson(lesson_dir)
    assert lesson.report.items[0].severity is Severity.ERROR
