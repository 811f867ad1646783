"""The named schedules in the built lesson site: instructor timetable, learner live/self-study."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from wssupport import write_lesson

from lessonkit.build import Builder, BuildOptions


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("schedules-site")
    write_lesson(base / "lesson")
    result = Builder(base / "lesson", BuildOptions(out=base / "site")).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return base / "site"


def _text(html: str) -> str:
    return re.sub(r"\s+([,.)])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_instructor_landing_page_shows_computed_times_and_breaks(site: Path):
    html = (site / "instructor/index.html").read_text()
    section = html.split('id="named-schedules"')[1]
    text = _text(section)
    assert "Three-hour live masterclass" in text and "One afternoon; the rest is self-study." in text
    assert "Total 02:05 (110 minutes live, 15 minutes of breaks)" in text
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section.split('id="schedule-masterclass-3h"')[1].split("</table>")[0], re.S)
    cells = [_text(r) for r in rows[1:]]
    assert cells == ["00:00 00:35 Introduction 35", "00:35 01:05 Methods 30 Going further (30 min)",
                     "01:05 01:20 Coffee 15", "01:20 02:05 Pitfalls 45", "02:05 Finish"]
    assert 'href="02-methods.html#going-further"' in section
    assert "Episodes not taught in this schedule (self-study): Methods, Pitfalls." in _text(
        section.split('id="schedule-short"')[1])


def test_learner_landing_page_says_what_is_live_and_what_is_self_study(site: Path):
    html = (site / "index.html").read_text()
    section = html.split('id="named-schedules"')[1]
    text = _text(section)
    assert "Live sessions and self-study" in text
    assert "Taught live (02:05 with breaks): Introduction Methods, except Going further (self-study) Pitfalls" in text
    assert "<table" not in section  # no timetable for learners
    assert "For self-study: Methods, Pitfalls." in text


def test_self_study_links_reach_the_section(site: Path):
    page = (site / "02-methods.html").read_text()
    assert 'id="going-further"' in page and 'id="splitting"' in page
    assert "Going further {minutes" not in page and '<h2 data-minutes="20" id="going-further">Going further<' in page


def test_a_lesson_without_schedules_has_no_such_section(tmp_path: Path):
    from wssupport import CONFIG

    write_lesson(tmp_path / "lesson", CONFIG.split("schedules:")[0])
    assert Builder(tmp_path / "lesson", BuildOptions(out=tmp_path / "site")).build().ok
    assert "named-schedules" not in (tmp_path / "site/instructor/index.html").read_text()


def test_editing_a_time_mark_rebuilds_the_landing_page(tmp_path: Path):
    root = write_lesson(tmp_path / "lesson")
    builder = Builder(root, BuildOptions(out=tmp_path / "site"))
    assert builder.build().ok
    episode = root / "episodes/01-intro.md"
    episode.write_text(episode.read_text().replace("{minutes=15}", "{minutes=25}").replace("teaching: 25",
                                                                                          "teaching: 35"))
    assert builder.build().ok
    text = _text((tmp_path / "site/instructor/index.html").read_text())
    assert "00:00 00:45 Introduction 45" in text
