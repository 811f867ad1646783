"""A clean check of a large lesson runs the page rules on every core: the diagnostics and the anchor
summaries the lesson-wide link rule uses are the ones a check in one process finds."""

from __future__ import annotations

from pathlib import Path

from lessonkit.checks.registry import Checker
from lessonkit.readers import read_lesson
from lessonkit.site import parallel
from testsupport import FIXTURES, copy_lesson


def _large_lesson(tmp_path: Path) -> Path:
    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    source = (lesson / "episodes/counting-cells.md").read_text()
    names = []
    for i in range(parallel.MIN_PAGES + 4):
        name = f"copy-{i:02d}.md"
        text = source.replace("Seeding density matters", f"Seeding density matters ({i})")
        if i % 5 == 0:
            text += f"\n[a link to nowhere](missing-{i}.md) and [an anchor](counting-cells.md#no-such-anchor-{i})\n"
        (lesson / "episodes" / name).write_text(text)
        names.append(name)
    config = lesson / "config.yaml"
    config.write_text(config.read_text().replace("episodes:\n", "episodes:\n" + "".join(f"- {n}\n" for n in names)))
    return lesson


def _check(lesson: Path) -> tuple[list[str], dict]:
    checker = Checker()
    found = checker.check(read_lesson(lesson))
    return sorted(d.format() for d in found), checker.summaries


def test_parallel_page_checks_find_what_one_process_finds(tmp_path: Path, monkeypatch):
    lesson = _large_lesson(tmp_path)
    forked = []
    real_map = parallel.map_pages

    def spying(task, count, progress=None):
        forked.append(count >= parallel.MIN_PAGES and parallel.can_fork() and parallel.workers() > 1)
        return real_map(task, count, progress)

    monkeypatch.setattr(parallel, "map_pages", spying)
    parallel_found, parallel_summaries = _check(lesson)
    assert any(forked), "the check did not use workers (needs a machine with 2 cores)"
    monkeypatch.setattr(parallel, "map_pages", lambda task, count, progress=None: [task(i) for i in range(count)])
    serial_found, serial_summaries = _check(lesson)
    assert parallel_found == serial_found
    assert parallel_summaries == serial_summaries
    assert sum("link-target-missing" in d for d in serial_found) >= 10
    assert any("no-such-anchor" in d for d in serial_found)
