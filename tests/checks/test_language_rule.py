"""lang-unsupported: a lesson (or page) asks for a language lessonkit has no interface catalogue for."""

from __future__ import annotations

import shutil
from pathlib import Path

from lessonkit.checks import check_lesson
from lessonkit.readers import read_lesson
from testsupport import FIXTURES


def _lesson(tmp_path: Path, lang: str, page_lang: str | None = None) -> Path:
    root = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", root)
    config = (root / "config.yaml").read_text().replace("lang: 'en'", f"lang: '{lang}'")
    (root / "config.yaml").write_text(config)
    if page_lang:
        page = root / "episodes/counting-cells.md"
        page.write_text(page.read_text().replace("---\n", f"---\nlang: {page_lang}\n", 1))
    return root


def _found(root: Path):
    return [d for d in check_lesson(read_lesson(root)) if d.rule == "lang-unsupported"]


def test_a_language_without_a_catalogue_is_reported_where_it_is_asked_for(tmp_path: Path):
    root = _lesson(tmp_path, "tlh")
    [d] = _found(root)
    assert d.path == "config.yaml" and d.line == (root / "config.yaml").read_text().split("\n").index("lang: 'tlh'") + 1
    assert "'tlh'" in d.message and "English" in d.message and "de" in d.fix


def test_known_languages_and_regional_variants_are_not_reported(tmp_path: Path):
    assert _found(_lesson(tmp_path / "a", "de")) == []
    assert _found(_lesson(tmp_path / "b", "pt-BR")) == []


def test_a_page_of_its_own_language_is_reported_at_its_front_matter(tmp_path: Path):
    [d] = _found(_lesson(tmp_path, "en", page_lang="ar"))
    assert d.path == "episodes/counting-cells.md" and d.line == 2
    assert "right-to-left" in d.message
