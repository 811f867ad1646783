"""The format boundary (issue #12): a third format is one reader module and one registration line."""

from __future__ import annotations

from pathlib import Path

from lessonkit.build import Builder, BuildOptions
from lessonkit.readers import detect_format, read_lesson
from lessonkit.readers.formats import formats
from lessonkit.readers.workbench import WorkbenchFormat


def _myst(root: Path) -> Path:
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Cells in MyST\n  toc:\n"
                                   "    - file: intro.md\n    - file: counting.md\n")
    (root / "intro.md").write_text("---\ntitle: Welcome\n---\n\nAn introduction.\n")
    (root / "counting.md").write_text("---\ntitle: Counting cells\nteaching: 10\nexercises: 5\n---\n\n"
                                      "## Why count?\n\n:::: challenge\n## Count them\n\nHow many?\n::::\n\n"
                                      "![Cells under a microscope](fig/cells.png)\n")
    (root / "fig").mkdir()
    (root / "fig" / "cells.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


def test_a_myst_project_is_read_into_the_same_model(tmp_path: Path):
    root = _myst(tmp_path / "myst")
    assert detect_format(root) == "myst"
    lesson = read_lesson(root)
    assert lesson.config.title == "Cells in MyST" and lesson.index.title == "Welcome"
    assert [p.title for p in lesson.episodes] == ["Counting cells"]
    assert [b.kind for b in lesson.episodes[0].blocks()] == ["challenge"]
    assert lesson.layout.name == "myst" and lesson.config_file.name == "myst.yml"
    assert lesson.config_file.line("project") == 2


def test_a_myst_project_builds_and_links_its_figures(tmp_path: Path):
    root = _myst(tmp_path / "myst")
    result = Builder(root, BuildOptions(out=tmp_path / "out")).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    page = (tmp_path / "out" / "counting.html").read_text()
    assert 'src="fig/cells.png"' in page and (tmp_path / "out" / "fig" / "cells.png").is_file()


def test_every_format_is_registered_once_and_workbench_is_tried_first():
    names = [f.name for f in formats()]
    assert names[0] == "workbench" and len(names) == len(set(names)) == 3
    # sandpaper merges the page folders: a link is tried in its own folder first, then in the others
    assert WorkbenchFormat().link_candidates("episodes/a.md", "fig/x.png") == [
        "episodes/fig/x.png", "learners/fig/x.png", "instructors/fig/x.png", "profiles/fig/x.png", "fig/x.png"]


def test_a_format_without_its_own_no_episodes_message_still_warns(tmp_path: Path):
    root = tmp_path / "myst"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Only a landing page\n  toc:\n    - file: intro.md\n")
    (root / "intro.md").write_text("# Welcome\n")
    lesson = read_lesson(root)
    assert [(d.path, d.rule) for d in lesson.report] == [("myst.yml", "no-episodes")]
