"""The lesson's named schedules on its landing page (see lessonkit.schedules).

The instructor view shows each schedule as a timetable computed from the time marks:
start and end of every episode and break from the start of the session, the minutes
taught live and the sections left to self-study. The learner view says, per schedule,
what is taught live and what is for self-study.
"""

from __future__ import annotations

from lessonkit.model import Lesson
from lessonkit.schedules import Break, Schedule, ScheduleItem, clock, lesson_schedules
from lessonkit.site.assemble import environment, inline_title


def _entries(schedule: Schedule) -> list[dict]:
    rows = []
    for entry in schedule.entries:
        if isinstance(entry, Break):
            rows.append({"kind": "break", "title": entry.title, "start": clock(entry.start), "end": clock(entry.end),
                         "minutes": entry.minutes})
        elif isinstance(entry, ScheduleItem):
            rows.append({
                "kind": "episode", "title": inline_title(entry.title), "href": entry.page.filename if entry.page else "",
                "start": clock(entry.start), "end": clock(entry.end), "minutes": entry.minutes,
                "self_study": [{"id": s.id, "title": inline_title(s.title), "minutes": s.minutes}
                               for s in entry.self_study],
            })
    return rows


def render(lesson: Lesson, view: str) -> str:
    """HTML for the landing page of ``view`` ("" when the lesson has no valid schedule)."""
    schedules = [s for s in lesson_schedules(lesson) if s.id and s.items]
    if not schedules:
        return ""
    data = []
    for schedule in schedules:
        data.append({
            "id": schedule.id, "title": schedule.title, "description": schedule.description,
            "rows": _entries(schedule), "minutes": schedule.minutes, "total": clock(schedule.minutes),
            "live": schedule.live_minutes, "breaks": schedule.break_minutes,
            "self_study_pages": [{"title": inline_title(p.title), "href": p.filename}
                                 for p in schedule.self_study_pages(lesson)],
            "has_self_study": any(item.self_study for item in schedule.items),
            "problems": len(schedule.diagnostics),
        })
    return environment().get_template("schedules.html").render(schedules=data, view=view)
