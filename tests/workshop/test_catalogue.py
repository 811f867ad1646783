"""Example workshops in a catalogue (lessons/workshops/), and the shipped examples."""

from __future__ import annotations

import os
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from wssupport import WORKSHOP, write_lesson

from lessonkit.build import Builder, BuildOptions
from lessonkit.workshop import load_workshop
from lessonkit.workshop.build import build_workshop
from lessonkit.workshop.timetable import fit
from testsupport import ROOT

EXAMPLES = sorted((ROOT / "lessons" / "workshops").glob("*.yaml"))


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    write_lesson(tmp_path / "lessons" / "lesson")
    (tmp_path / "lessons" / "workshops").mkdir()
    (tmp_path / "lessons" / "workshops" / "example.yaml").write_text(
        WORKSHOP.replace("path: ../lesson", "lesson: lesson"))
    return tmp_path / "lessons"


def test_the_catalogue_lists_and_builds_its_workshops(catalogue: Path, tmp_path: Path):
    builder = Builder(catalogue, BuildOptions(out=tmp_path / "site"))
    result = builder.build()
    assert result.ok and result.diagnostics == [], [d.format() for d in result.diagnostics]
    site = tmp_path / "site"
    index = (site / "index.html").read_text()
    assert 'href="workshops/fixture-masterclass-2027/index.html"' in index and "Sunday 14 March 2027" in index
    page = (site / "workshops/fixture-masterclass-2027/index.html").read_text()
    links = re.findall(r'href="(\.\./\.\./lesson/[^"#]+)', page)
    assert "../../lesson/01-intro.html" in links
    for link in links:  # every link into the lesson reaches a page of the catalogue's own lesson site
        assert (site / "workshops/fixture-masterclass-2027" / link).resolve().is_file(), link
    # the workshop page leads back to the catalogue it is part of
    assert '<a href="../../index.html">All lessons and workshops</a>' in page
    assert (site / "workshops/fixture-masterclass-2027/../../index.html").resolve() == (site / "index.html").resolve()
    pdf = site / "workshops/fixture-masterclass-2027/handout.pdf"
    inode = pdf.stat().st_ino
    # an unchanged workshop is carried over (hard-linked), not made again
    assert builder.build().ok
    assert pdf.stat().st_ino == inode
    (catalogue / "workshops/example.yaml").write_text(WORKSHOP.replace("path: ../lesson", "lesson: lesson")
                                                      .replace("Seminar room 1", "Seminar room 2"))
    assert builder.build().ok
    assert "Seminar room 2" in (site / "workshops/fixture-masterclass-2027/index.html").read_text()


def test_a_broken_example_is_left_out_with_warnings(catalogue: Path, tmp_path: Path):
    (catalogue / "workshops/example.yaml").write_text(WORKSHOP.replace('start: "13:00"', 'start: "25:00"'))
    result = Builder(catalogue, BuildOptions(out=tmp_path / "site")).build()
    assert result.ok
    [d] = result.diagnostics
    assert d.severity.name == "WARNING" and d.rule == "workshop-time" and "left out of the catalogue" in d.message
    assert "workshops/" not in (tmp_path / "site/index.html").read_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_shipped_examples_check_cleanly_and_fit(path: Path):
    workshop, found = load_workshop(path, today=date(2026, 12, 1))
    assert found == [], [d.format() for d in found]
    table = fit(workshop)
    assert table.diagnostics == []
    assert 150 <= table.needed <= table.available == 180  # a three-hour masterclass, in one afternoon
    [choice] = workshop.lessons
    assert choice.root.parent == ROOT / "lessons" and choice.schedule == "masterclass-3h"
    # the workshop's timetable is the lesson's schedule: same episodes, same minutes, its break
    from lessonkit.schedules import lesson_schedules

    schedule = next(s for s in lesson_schedules(choice.lesson) if s.id == "masterclass-3h")
    assert [(r.kind, r.minutes) for r in table.rows] == [
        ("break" if hasattr(e, "after") else "episode", e.minutes) for e in schedule.entries]


def test_one_example_per_masterclass():
    masterclasses = {p.name for p in (ROOT / "lessons").iterdir() if (p / "config.yaml").is_file()}
    used = set()
    for path in EXAMPLES:
        workshop, _ = load_workshop(path, allow_past=True)
        used.update(c.name for c in workshop.lessons)
    assert used == masterclasses


def test_missing_extra_says_which_to_install(tmp_path: Path, monkeypatch):
    from wssupport import write_workshop

    monkeypatch.setitem(sys.modules, "icalendar", None)
    result = build_workshop(write_workshop(tmp_path), tmp_path / "site", today=date(2026, 12, 1))
    [d] = result.diagnostics
    assert not result.ok and d.rule == "workshop-extra" and "pip install 'lessonkit[workshop]'" in d.fix
    assert not (tmp_path / "site").exists()


def test_lessons_named_from_the_catalogue(catalogue: Path):
    workshop, found = load_workshop(catalogue / "workshops/example.yaml", today=date(2026, 12, 1))
    assert found == [] and workshop.lessons[0].root == (catalogue / "lesson").resolve()
    assert os.path.isdir(workshop.lessons[0].root)
