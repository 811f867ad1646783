"""The generated pages are data (site/pages.py): one list drives the builder, the menus and the reserved names."""

from __future__ import annotations

from pathlib import Path

from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from lessonkit.site.pages import AGGREGATES, GENERATED, RESERVED
from testsupport import FIXTURES, copy_lesson


def test_every_generated_page_is_built_linked_where_its_entry_says_and_reserved(tmp_path: Path):
    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    out = tmp_path / "out"
    assert Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(enabled=False))).build().ok
    learner = (out / "counting-cells.html").read_text()
    instructor = (out / "instructor" / "counting-cells.html").read_text()
    for page in GENERATED:
        assert (out / f"{page.slug}.html").is_file() and (out / "instructor" / f"{page.slug}.html").is_file(), page
        link = f'href="{page.slug}.html"'
        if page.menu.startswith("learner"):
            assert link in learner and link in instructor, page.slug
        elif page.menu.startswith("instructor"):
            assert link in instructor and link not in learner.split("<main")[0], page.slug
        if not page.merges_lesson_page:
            assert page.slug in RESERVED
    assert {p.slug for p in AGGREGATES} == {"key-points", "profiles", "aio", "instructor-notes", "images"}


def test_a_lesson_page_never_takes_a_generated_pages_name(tmp_path: Path):
    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    (lesson / "learners" / "aio.md").write_text("---\ntitle: My own all-in-one\n---\n\nText.\n")
    config = lesson / "config.yaml"
    config.write_text(config.read_text().replace("learners:\n", "learners:\n- aio.md\n", 1))
    result = Builder(lesson, BuildOptions(out=tmp_path / "out", execution=ExecutionOptions(enabled=False))).build()
    assert result.ok
    clash = [d for d in result.diagnostics if d.rule == "page-name-clash"]
    assert [d.path for d in clash] == ["learners/aio.md"]
    assert "My own all-in-one" in (tmp_path / "out" / "learners-aio.html").read_text()
    assert "My own all-in-one" not in (tmp_path / "out" / "aio.html").read_text().split("<main")[1][:200]
