"""Deliberately broken lessons (tests/fixtures/broken/*), each with the exact diagnostics expected
in its expected.json: rule, file and line. The 'clean' lesson must give none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lessonkit.checks import check_lesson
from lessonkit.readers import read_lesson
from testsupport import FIXTURES

BROKEN = sorted(p for p in (FIXTURES / "broken").iterdir() if p.is_dir())


def test_there_are_at_least_thirty_broken_lessons():
    assert len([p for p in BROKEN if p.name != "clean"]) >= 30


@pytest.mark.parametrize("lesson_dir", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_lesson_gives_exactly_the_expected_diagnostics(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    diagnostics = list(lesson.report) + check_lesson(lesson)
    found = sorted({(d.rule, d.path, d.line) for d in diagnostics})
    expected = sorted({(e["rule"], e["path"], e["line"]) for e in json.loads((lesson_dir / "expected.json").read_text())})
    assert found == expected
    for diagnostic in diagnostics:
        assert diagnostic.message and diagnostic.fix, diagnostic  # every diagnostic says how to fix it
