"""Each rule on small lessons: what it reports, where (line and column), and what it leaves alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lessonkit.checks import check_lesson
from lessonkit.checks.scan import scan
from lessonkit.readers import read_lesson
from testsupport import FIXTURES

CLEAN = FIXTURES / "broken" / "clean"


@pytest.fixture
def lesson_dir(tmp_path: Path) -> Path:
    target = tmp_path / "lesson"
    shutil.copytree(CLEAN, target)
    (target / "expected.json").unlink()
    return target


def diagnostics_for(lesson_dir: Path, body: str, rule: str | None = None):
    episode = lesson_dir / "episodes/intro.md"
    text = (CLEAN / "episodes/intro.md").read_text().replace("Nothing wrong here.", body)
    episode.write_text(text)
    lesson = read_lesson(lesson_dir)
    found = list(lesson.report) + check_lesson(lesson)
    return [d for d in found if rule is None or d.rule == rule]


def test_clean_lesson_is_clean(lesson_dir: Path):
    assert diagnostics_for(lesson_dir, "Nothing wrong here.") == []


def test_columns_point_at_the_problem(lesson_dir: Path):
    [d] = diagnostics_for(lesson_dir, "Some words and ![](fig/x.png) here.", "image-alt-missing")
    assert (d.line, d.column) == (19, 16)
    [d] = diagnostics_for(lesson_dir, "More words, then [click here](https://example.org).", "link-text-vague")
    assert (d.line, d.column) == (19, 18)


def test_links_inside_code_are_not_checked(lesson_dir: Path):
    body = "Use `[x](missing.md)` and:\n\n```\n[y](missing.md)\n```\n\n    [z](missing.md)"
    assert diagnostics_for(lesson_dir, body, "link-target-missing") == []


def test_case_sensitive_file_names_with_a_suggestion(lesson_dir: Path):
    (lesson_dir / "episodes/fig").mkdir()
    (lesson_dir / "episodes/fig/Plot.png").write_bytes(b"png")
    [d] = diagnostics_for(lesson_dir, "![A plot of counts](fig/plot.png)", "link-target-missing")
    assert "fig/Plot.png" in d.message and "case-sensitive" in d.message


def test_anchors_to_headings_blocks_and_glossary_terms_resolve(lesson_dir: Path):
    (lesson_dir / "learners/setup.md").write_text(
        "---\ntitle: Setup\n---\n\n## Installing R {#install-r}\n\nCell density\n:   Cells per volume.\n")
    body = ("See [R](../learners/setup.md#install-r), [density](../learners/setup.md#cell-density), "
            "[overview](#overview) and [the challenge](#sum-things).\n\n::: challenge\n## Sum things\nAdd.\n"
            "::: solution\nDone.\n:::\n:::")
    assert diagnostics_for(lesson_dir, body, "link-anchor-missing") == []
    [d] = diagnostics_for(lesson_dir, "[nowhere](../learners/setup.md#nowhere)", "link-anchor-missing")
    assert "learners/setup.md" in d.message


def test_unknown_block_suggests_the_nearest_class(lesson_dir: Path):
    [d] = diagnostics_for(lesson_dir, "::: calout\nText.\n:::", "block-unknown")
    assert "Did you mean 'callout'?" in d.fix


def test_hint_inside_challenge_is_fine_outside_is_not(lesson_dir: Path):
    assert diagnostics_for(lesson_dir, "::: challenge\n## Q\n::: hint\nH\n:::\n:::", "solution-outside-challenge") == []
    assert diagnostics_for(lesson_dir, "::: callout\n::: hint\nH\n:::\n:::", "solution-outside-challenge")


def test_headings_inside_blocks_may_start_at_two(lesson_dir: Path):
    body = "::: callout\n## Title\n### Detail\nText.\n:::\n\n## Next\n\n### Sub"
    assert diagnostics_for(lesson_dir, body, "heading-skip") == []


def test_pipe_and_grid_tables(lesson_dir: Path):
    good = "| a | b |\n|---|---|\n| 1 | 2 |\n\n+---+---+\n| a | b |\n+===+===+\n| 1 | 2 |\n+---+---+"
    assert diagnostics_for(lesson_dir, good, "table-header-missing") == []
    bad = "+---+---+\n| 1 | 2 |\n+---+---+"
    [d] = diagnostics_for(lesson_dir, bad, "table-header-missing")
    assert d.line == 19


def test_scan_finds_html_images_and_reference_links():
    result = scan('<img src="fig/a.png" alt="">\n[text][ref]\n\n[ref]: target.md', 1)
    images = [link for link in result.links if link.image]
    assert images[0].url == "fig/a.png" and images[0].alt == "" and images[0].html
    assert {label: d.url for label, d in result.definitions.items()} == {"ref": "target.md"}
    assert result.references[0].label == "ref" and result.references[0].explicit


def test_decorative_html_image_needs_explicit_alt(lesson_dir: Path):
    (lesson_dir / "episodes/fig").mkdir()
    (lesson_dir / "episodes/fig/a.png").write_bytes(b"png")
    [d] = diagnostics_for(lesson_dir, '<img src="fig/a.png">', "image-alt-missing")
    assert d.line == 19


def test_styles_lessons_are_checked_too():
    lesson = read_lesson(FIXTURES / "styles")
    rules = {d.rule for d in list(lesson.report) + check_lesson(lesson)}
    assert {"block-unknown", "liquid-unresolved", "code-of-conduct-missing"} <= rules


def test_config_rules_use_what_the_reader_read(lesson_dir: Path):
    """The config rules never read config.yaml again: they use the reader's parsed data and key lines."""
    config = lesson_dir / "config.yaml"
    text = config.read_text()
    config.write_text(text.replace("life_cycle: 'alpha'", "# a comment line\nlife_cycle: 'gamma'")
                      .replace("contact:", "old_contact:"))
    lesson = read_lesson(lesson_dir)
    config.write_text(text)  # the file changes after the read: the check must not see it
    found = {(d.rule, d.line) for d in check_lesson(lesson) if d.rule.startswith("config-")}
    assert found == {("config-field-missing", 0), ("config-value-invalid", 4)}
