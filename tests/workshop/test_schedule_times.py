"""Named schedules and time marks (lessonkit.schedules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wssupport import CONFIG, EPISODES, write_lesson

from lessonkit.checks import check_lesson
from lessonkit.readers import read_lesson
from lessonkit.schedules import Break, ScheduleItem, episode_times, lesson_schedules, teaching_runs


@pytest.fixture
def lesson_dir(tmp_path: Path) -> Path:
    return write_lesson(tmp_path / "lesson")


def schedules_of(root: Path) -> dict:
    return {s.id: s for s in lesson_schedules(read_lesson(root))}


def test_sections_and_their_time_marks(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    times = episode_times(lesson.episodes[1])
    assert [(s.id, s.teaching, s.exercises, s.minutes) for s in times.sections] == [
        ("splitting", 20, 10, 30), ("going-further", 20, 10, 30)]
    assert times.marked and times.minutes() == 60 and times.minutes({"going-further"}) == 30
    unmarked = episode_times(lesson.episodes[2])
    assert not unmarked.marked and unmarked.minutes() == 45  # the front matter's teaching + exercises


def test_computed_times_with_breaks_and_self_study(lesson_dir: Path):
    schedule = schedules_of(lesson_dir)["masterclass-3h"]
    assert schedule.title == "Three-hour live masterclass"
    assert schedule.diagnostics == []
    rows = [(type(e).__name__, getattr(e, "file", getattr(e, "title", "")), e.start, e.end) for e in schedule.entries]
    assert rows == [
        ("ScheduleItem", "01-intro.md", 0, 35),   # 15 + 5 + 10 + 5
        ("ScheduleItem", "02-methods.md", 35, 65),  # 'going-further' (30 min) left to self-study
        ("Break", "Coffee", 65, 80),
        ("ScheduleItem", "03-pitfalls.md", 80, 125),  # front matter: 30 + 15
    ]
    assert (schedule.minutes, schedule.live_minutes, schedule.break_minutes) == (125, 110, 15)
    methods = schedule.items[1]
    assert [s.id for s in methods.live] == ["splitting"] and [s.id for s in methods.self_study] == ["going-further"]
    assert schedules_of(lesson_dir)["short"].minutes == 35


def test_episodes_no_schedule_teaches_are_self_study(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    short = next(s for s in lesson_schedules(lesson) if s.id == "short")
    assert [p.source for p in short.self_study_pages(lesson)] == ["episodes/02-methods.md", "episodes/03-pitfalls.md"]


def test_no_schedules_is_an_empty_list(tmp_path: Path):
    config = CONFIG.split("schedules:")[0]
    assert lesson_schedules(read_lesson(write_lesson(tmp_path / "l", config))) == []


BROKEN = CONFIG.replace("      - 03-pitfalls.md\n", "      - 03-pitfals.md\n").replace(
    "self_study: [going-further]", "self_study: [going-furter]").replace(
    "        minutes: 15\n", "        minutes: quarter\n")


def test_diagnostics_for_unknown_files_sections_and_bad_values(tmp_path: Path):
    root = write_lesson(tmp_path / "lesson", BROKEN)
    lines = BROKEN.splitlines()
    found = {d.rule: d for d in schedules_of(root)["masterclass-3h"].diagnostics}
    unknown = found["schedule-unknown-episode"]
    assert unknown.path == "config.yaml" and lines[unknown.line - 1].strip() == "- 03-pitfals.md"
    assert unknown.column == lines[unknown.line - 1].index("03-pitfals") + 1
    assert "Did you mean 03-pitfalls.md?" in unknown.fix
    section = found["schedule-unknown-section"]
    assert "going-furter" in lines[section.line - 1] and "Did you mean 'going-further'?" in section.fix
    minutes = found["schedule-minutes"]
    assert lines[minutes.line - 1].strip() == "minutes: quarter"


def test_bad_time_marks_are_reported_with_line_and_column(tmp_path: Path):
    episodes = dict(EPISODES)
    episodes["01-intro.md"] = EPISODES["01-intro.md"].replace("{minutes=15}", "{minutes=ten}").replace(
        "{.challenge minutes=5}", "{.challenge minutes=-5}")
    root = write_lesson(tmp_path / "lesson", episodes=episodes)
    lesson = read_lesson(root)
    found = [d for d in check_lesson(lesson) if d.rule == "schedule-minutes"]
    text = (root / "episodes/01-intro.md").read_text().splitlines()
    assert sorted(text[d.line - 1].strip() for d in found) == [
        "## Why this matters {minutes=ten}", "::: {.challenge minutes=-5}"]
    heading = next(d for d in found if text[d.line - 1].startswith("##"))
    assert heading.column == text[heading.line - 1].index("minutes") + 1 and heading.path == "episodes/01-intro.md"


def test_check_reports_schedule_mistakes(tmp_path: Path):
    root = write_lesson(tmp_path / "lesson", BROKEN)
    rules = {d.rule for d in check_lesson(read_lesson(root))}
    assert {"schedule-unknown-episode", "schedule-unknown-section", "schedule-minutes"} <= rules


def test_the_fixture_lesson_checks_cleanly(lesson_dir: Path):
    lesson = read_lesson(lesson_dir)
    assert [d.format() for d in list(lesson.report) + check_lesson(lesson)] == []


def test_self_study_needs_time_marks(tmp_path: Path):
    config = CONFIG.replace("      - 03-pitfalls.md\n", "      - file: 03-pitfalls.md\n        self_study: [leakage]\n")
    root = write_lesson(tmp_path / "lesson", config)
    [d] = [d for d in schedules_of(root)["masterclass-3h"].diagnostics]
    assert d.rule == "schedule-self-study-unmarked" and "{minutes=10}" in d.fix


def test_marks_that_do_not_add_up_and_challenges_without_minutes(tmp_path: Path):
    episodes = dict(EPISODES)
    episodes["01-intro.md"] = EPISODES["01-intro.md"].replace("teaching: 25", "teaching: 30").replace(
        "{.challenge minutes=5}", "challenge")
    root = write_lesson(tmp_path / "lesson", episodes=episodes)
    found = {d.rule: d for d in check_lesson(read_lesson(root)) if d.rule.startswith("schedule")}
    totals = sorted((d.message, d.line) for d in check_lesson(read_lesson(root)) if d.rule == "schedule-marks-total")
    assert [m for m, _ in totals] == [
        "the challenges' and discussions' minutes add up to 5 minutes, but the front matter says 'exercises: 10'",
        "the headings' teaching marks add up to 25 minutes, but the front matter says 'teaching: 30'"]
    assert [line for _, line in totals] == [4, 3]  # the front matter's lines
    lines = (root / "episodes/01-intro.md").read_text().splitlines()
    assert lines[found["schedule-challenge-minutes"].line - 1] == "::: challenge"


def test_teaching_runs_between_challenges(tmp_path: Path):
    episodes = dict(EPISODES)
    episodes["02-methods.md"] = """\
        ---
        title: "Methods"
        teaching: 45
        exercises: 5
        ---

        ## One {minutes=10}

        ::: {.challenge minutes=5}
        ## Quick check
        :::

        ## Two {minutes=15}

        ## Three {minutes=20}

        The end.
        """
    root = write_lesson(tmp_path / "lesson", episodes=episodes)
    lesson = read_lesson(root)
    runs = teaching_runs(lesson.episodes[1])
    assert [(r.minutes, r.sections, r.challenge_line is not None) for r in runs] == [
        (10, ["one"], True), (35, ["one", "two", "three"], False)]
    assert [r.minutes for r in teaching_runs(lesson.episodes[1], {"three"})] == [10, 15]
    [d] = [d for d in check_lesson(lesson) if d.rule == "schedule-teaching-run"]
    assert d.path == "episodes/02-methods.md" and "35 minutes of teaching with no challenge" in d.message


def test_items_and_breaks_types(lesson_dir: Path):
    schedule = schedules_of(lesson_dir)["masterclass-3h"]
    assert all(isinstance(i, ScheduleItem) for i in schedule.items)
    assert all(isinstance(b, Break) for b in schedule.breaks)
    assert schedule.items[0].title == "Introduction" and schedule.items[0].slug == "01-intro"
