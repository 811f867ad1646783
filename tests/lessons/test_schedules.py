"""Time marks, the three-hour schedules and formative assessment of the two masterclasses.

Times are computed from the lesson text, by the rule in docs/workshops.md: a level-2 heading's
``{minutes=N}`` is its teaching time, a challenge or discussion block's ``minutes=N`` its exercise
time, and a section's time is its teaching plus the blocks inside it. A *run* is the teaching time
between two challenges on a page; no run may be longer than 20 minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from lessonkit.markdown.parser import slugify
from lessonkit.model import Block, Markdown
from lessonkit.readers import read_lesson
from testsupport import ROOT

LESSONS = ROOT / "lessons"
NAMES = ["intro-data-science-ai", "managing-computational-projects"]
H2 = re.compile(r"^## (.+?)\s*(\{[^}]*\})?\s*$")
MAX_RUN = 20
LIVE_LIMIT = 180


@dataclass
class Section:
    id: str
    title: str
    teaching: int | None
    blocks: list[Block] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return (self.teaching or 0) + sum(int(b.attrs.get("minutes", 0)) for b in self.blocks)


def sections(page) -> list[Section]:
    """The page's level-2 sections in order, with the challenge and discussion blocks inside each."""
    found: list[Section] = []
    for node in page.body:
        if isinstance(node, Markdown):
            fenced = False
            for line in node.text.splitlines():
                if line.startswith("```"):
                    fenced = not fenced
                match = None if fenced else H2.match(line)
                if match:
                    mark = re.search(r"\bminutes=(\d+)", match.group(2) or "")
                    found.append(Section(slugify(match.group(1)), match.group(1), int(mark.group(1)) if mark else None))
        elif isinstance(node, Block) and node.kind in ("challenge", "discussion"):
            assert found, (page.source, node.line, "an exercise before the first section")
            found[-1].blocks.append(node)
    return found


def runs(secs: list[Section]) -> list[int]:
    """Teaching minutes between challenges (the last run ends at the end of the page)."""
    result, current = [], 0
    for section in secs:
        current += section.teaching or 0
        for block in section.blocks:
            if block.kind == "challenge":
                result.append(current)
                current = 0
    return [*result, current]


@dataclass
class Schedule:
    total: int
    breaks: int
    live: dict[str, list[Section]]


def schedule(lesson, name: str = "masterclass-3h") -> Schedule:
    data = lesson.config.extra["schedules"][name]
    pages = {p.source.removeprefix("episodes/"): p for p in lesson.episodes}
    live: dict[str, list[Section]] = {}
    for entry in data["episodes"]:
        file, self_study = (entry, []) if isinstance(entry, str) else (entry["file"], entry.get("self_study", []))
        assert file in pages, (name, file)
        secs = sections(pages[file])
        unknown = set(self_study) - {s.id for s in secs}
        assert not unknown, (file, unknown)
        live[file] = [s for s in secs if s.id not in self_study]
    breaks = sum(int(b["minutes"]) for b in data.get("breaks", []))
    for item in data.get("breaks", []):
        assert item["after"] in live, item
    return Schedule(sum(s.minutes for secs in live.values() for s in secs) + breaks, breaks, live)


@pytest.fixture(scope="module", params=NAMES)
def lesson(request):
    return read_lesson(LESSONS / request.param)


def test_every_section_and_exercise_has_a_time_mark_and_the_totals_match_the_front_matter(lesson):
    for page in lesson.episodes:
        secs = sections(page)
        assert len(secs) >= 5, page.source
        assert [s.title for s in secs if s.teaching is None] == [], page.source
        blocks = [b for s in secs for b in s.blocks]
        assert [b.line for b in blocks if not str(b.attrs.get("minutes", "")).isdigit()] == [], page.source
        assert page.teaching == sum(s.teaching for s in secs), page.source
        assert page.exercises == sum(int(b.attrs["minutes"]) for b in blocks), page.source


def test_no_run_of_teaching_longer_than_twenty_minutes_lacks_a_challenge_in_the_full_lesson(lesson):
    for page in lesson.episodes:
        assert max(runs(sections(page))) <= MAX_RUN, (page.source, runs(sections(page)))


def test_the_three_hour_schedule_fits_in_three_hours_with_a_break_and_a_challenge_every_twenty_minutes(lesson):
    plan = schedule(lesson)
    assert plan.breaks >= 10
    assert 150 <= plan.total <= LIVE_LIMIT, plan.total
    for file, secs in plan.live.items():
        assert secs, file
        assert max(runs(secs)) <= MAX_RUN, (file, runs(secs))
        assert any(b.kind == "challenge" for s in secs for b in s.blocks), file


def test_the_notes_state_the_computed_times_and_claim_no_half_days(lesson):
    plan = schedule(lesson)
    full = sum(s.minutes for p in lesson.episodes for s in sections(p))
    notes = (lesson.root / "instructors/instructor-notes.md").read_text(encoding="utf-8")
    index = (lesson.root / "index.md").read_text(encoding="utf-8")
    for text in (notes, index):
        assert not re.search(r"half[- ]day", text, re.I)
    live_claim = re.search(r"three-hour live version.{0,80}?takes (\d+)\s+minutes", notes, re.S)
    assert live_claim and int(live_claim.group(1)) == plan.total, (live_claim and live_claim.group(0), plan.total)
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
