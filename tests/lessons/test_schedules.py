"""Time marks, the three-hour schedules and formative assessment of the two masterclasses.

Times come from ``lessonkit.schedules`` (the rule in docs/workshops.md): a level-2 heading's
``{minutes=N}`` is its teaching time, a challenge or discussion block's ``minutes=N`` its exercise
time, and a section's time is its teaching plus the blocks inside it. A *run* is the teaching time
between two challenges on a page; no run may be longer than 20 minutes.
"""

from __future__ import annotations

import re

import pytest

from lessonkit.model import Block, Markdown
from lessonkit.readers import read_lesson
from lessonkit.schedules import (
    MAX_TEACHING_RUN,
    episode_times,
    lesson_schedules,
    schedule_diagnostics,
    teaching_runs,
)
from testsupport import ROOT

LESSONS = ROOT / "lessons"
NAMES = ["intro-data-science-ai", "managing-computational-projects"]
LIVE_LIMIT = 180


def three_hours(lesson):
    schedules = {s.id: s for s in lesson_schedules(lesson)}
    assert set(schedules) == {"masterclass-3h"}
    plan = schedules["masterclass-3h"]
    assert plan.diagnostics == [], [d.format() for d in plan.diagnostics]
    return plan


@pytest.fixture(scope="module", params=NAMES)
def lesson(request):
    return read_lesson(LESSONS / request.param)


def test_every_section_and_exercise_has_a_time_mark_and_the_totals_match_the_front_matter(lesson):
    assert schedule_diagnostics(lesson) == []
    for page in lesson.episodes:
        times = episode_times(page)
        assert times.diagnostics == [], page.source
        sections = [s for s in times.sections if s.id]  # the text before the first heading has no exercises
        assert len(sections) >= 5 and len(sections) == len(times.sections), page.source
        assert [s.title for s in sections if s.teaching is None] == [], page.source
        blocks = [b for s in sections for b in s.blocks]
        assert [b.line for b in blocks if b.minutes is None] == [], page.source
        assert page.teaching == sum(s.teaching for s in sections), page.source
        assert page.exercises == sum(b.minutes for b in blocks), page.source


def test_no_run_of_teaching_longer_than_twenty_minutes_lacks_a_challenge_in_the_full_lesson(lesson):
    assert MAX_TEACHING_RUN == 20
    for page in lesson.episodes:
        runs = teaching_runs(page)
        assert max(r.minutes for r in runs) <= MAX_TEACHING_RUN, (page.source, [r.minutes for r in runs])


def test_the_three_hour_schedule_fits_in_three_hours_with_a_break_and_a_challenge_every_twenty_minutes(lesson):
    plan = three_hours(lesson)
    assert plan.break_minutes >= 10
    assert 150 <= plan.minutes <= LIVE_LIMIT, plan.minutes
    assert plan.minutes == plan.live_minutes + plan.break_minutes
    for item in plan.items:
        assert item.marked and item.live, item.file
        leave_out = {s.id for s in item.self_study}
        runs = teaching_runs(item.page, leave_out)
        assert max(r.minutes for r in runs) <= MAX_TEACHING_RUN, (item.file, [r.minutes for r in runs])
        assert any(b.kind == "challenge" for s in item.live for b in s.blocks), item.file
    assert plan.self_study_pages(lesson), "some episodes are left to self-study"


def test_the_notes_state_the_computed_times_and_claim_no_half_days(lesson):
    plan = three_hours(lesson)
    full = sum(episode_times(p).minutes() for p in lesson.episodes)
    notes = (lesson.root / "instructors/instructor-notes.md").read_text(encoding="utf-8")
    index = (lesson.root / "index.md").read_text(encoding="utf-8")
    for text in (notes, index):
        assert not re.search(r"half[- ]day", text, re.I)
    live_claim = re.search(r"three-hour live version.{0,80}?takes (\d+)\s+minutes", notes, re.S)
    assert live_claim and int(live_claim.group(1)) == plan.minutes, (live_claim and live_claim.group(0), plan.minutes)
    assert f"one {plan.break_minutes}-minute break" in notes
    full_claim = re.search(r"whole lesson takes (\d+) minutes", notes)
    assert full_claim and int(full_claim.group(1)) == full, (full_claim and full_claim.group(0), full)


def objectives(page) -> list[str]:
    block = page.blocks("objectives")[0]
    text = "\n".join(n.text for n in block.children if isinstance(n, Markdown))
    return re.findall(r"^- (.+)", text, re.M)


def test_every_objective_is_checked_by_a_challenge(lesson):
    for page in lesson.episodes:
        count = len(objectives(page))
        checked: set[int] = set()
        for challenge in page.blocks("challenge"):
            numbers = challenge.attrs.get("objectives", "").split()
            assert numbers, (page.source, challenge.line, "challenge names no objective")
            checked |= {int(n) for n in numbers}
        assert checked == set(range(1, count + 1)), (page.source, count, sorted(checked))


def test_diagnostic_multiple_choice_checks_give_feedback_on_every_option(lesson):
    checks = [c for p in lesson.episodes for c in p.blocks("challenge") if (c.title or "").startswith("Check:")]
    assert all(any((c.title or "").startswith("Check:") for c in p.blocks("challenge")) for p in lesson.episodes)
    assert len(checks) >= 15
    for check in checks:
        text = "\n".join(n.text for n, _ in _walk(check) if isinstance(n, Markdown))
        options = re.findall(r"^- \*\*([A-E])\.\*\* ", text, re.M)
        assert len(options) >= 3, check.line
        feedback = re.findall(r"^- \*\*([A-E])\*\* is (right|not right): \S", text, re.M)
        assert sorted(letter for letter, _ in feedback) == sorted(options), check.line
        assert [verdict for _, verdict in feedback].count("right") == 1, check.line
        assert int(check.attrs["minutes"]) <= 3, check.line


def _walk(block: Block):
    for child in block.children:
        yield child, block
        if isinstance(child, Block):
            yield from _walk(child)


def test_episode_timing_notes_agree_with_the_time_marks(lesson):
    stated = 0
    for page in lesson.episodes:
        text = (lesson.root / page.source).read_text(encoding="utf-8")
        for teaching, exercises in re.findall(r"Timing: (\d+) minutes of teaching and (\d+) minutes", text):
            assert (int(teaching), int(exercises)) == (page.teaching, page.exercises), page.source
            stated += 1
        assert not re.search(r"Timing: (this is the longest episode, )?about \d+ minutes", text), page.source
    assert stated >= (7 if lesson.name == "intro-data-science-ai" else 0)
