"""Named schedules and time marks (lessonkit.schedules; docs/workshops.md)."""

from __future__ import annotations

from lessonkit.checks.context import Context
from lessonkit.checks.rule import Finding, Rule, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.model import Lesson


def _found(lesson: Lesson, context: Context) -> list[Diagnostic]:
    if "schedules" not in context.memo:
        from lessonkit.schedules import lesson_schedules

        found = [d for schedule in lesson_schedules(lesson) for d in schedule.diagnostics]
        for page in lesson.episodes:  # per page version: an unchanged page is not opened again
            found.extend(context.page_fact(page, "schedule-marks", lambda page: _page_problems(lesson, page)))
        seen: set = set()
        context.memo["schedules"] = [d for d in found if not (d in seen or seen.add(d))]
    return context.memo["schedules"]


def _page_problems(lesson: Lesson, page) -> list[Diagnostic]:
    """The time-mark problems of one episode."""
    from lessonkit.schedules import MAX_TEACHING_RUN, episode_times, teaching_runs

    times = episode_times(page)
    found = list(times.diagnostics)
    if not times.marked:
        return found
    teaching = sum(s.teaching or 0 for s in times.sections)
    exercises = sum(s.exercises for s in times.sections)
    for name, marked, total in (("teaching", teaching, page.teaching), ("exercises", exercises, page.exercises)):
        if total is not None and marked != total:
            line = _front_matter_line(lesson, page.source, name)
            what = "the headings' teaching marks" if name == "teaching" else "the challenges' and discussions' minutes"
            found.append(Diagnostic(
                page.source, line, 1 if line > 1 else 0, "schedule-marks-total", Severity.WARNING,
                f"{what} add up to {marked} minutes, but the front matter says '{name}: {total}'",
                f"Make them agree: set '{name}: {marked}', or correct the time marks."))
    for section in times.sections:
        for block in section.blocks:
            if block.kind == "challenge" and block.minutes is None:
                found.append(Diagnostic(
                    block.path, block.line, 1, "schedule-challenge-minutes", Severity.WARNING,
                    f"the challenge '{block.title}' has no time estimate (the episode has time marks)",
                    "Add its minutes to the fence: '::: {.challenge minutes=5}'."))
    for run in teaching_runs(page):
        if run.minutes > MAX_TEACHING_RUN:
            ending = f"before the challenge on line {run.challenge_line}" if run.challenge_line \
                else "to the end of the episode"
            found.append(Diagnostic(
                run.path, run.start_line, 1, "schedule-teaching-run", Severity.WARNING,
                f"{run.minutes} minutes of teaching with no challenge (from here {ending}); "
                f"learners should meet a challenge at least every {MAX_TEACHING_RUN} minutes",
                "Add a short challenge (a multiple-choice question with feedback will do) "
                "inside the run, or split the teaching."))
    return found


def _front_matter_line(lesson: Lesson, source: str, key: str) -> int:
    try:
        lines = (lesson.root / source).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((n for n, text in enumerate(lines[:60], start=1) if text.startswith(f"{key}:")), 1)


def _schedule_rule(rule_id: str, severity: Severity, summary: str) -> Rule:
    def check(lesson: Lesson, context: Context):
        for d in _found(lesson, context):
            if d.rule == rule_id:
                yield Finding(Spot(d.path, d.line, d.column), d.message, d.fix, d.severity)

    return rule(rule_id, severity, summary)(check)


#: One rule per diagnostic id that lessonkit.schedules and the time-mark checks report (collected by the
#: registry from this tuple).
SCHEDULE_RULES = tuple(_schedule_rule(rule_id, severity, summary) for rule_id, severity, summary in (
    ("schedule-syntax", Severity.ERROR, "Named schedules in config.yaml have the documented shape."),
    ("schedule-unknown-episode", Severity.ERROR, "A schedule lists (and breaks follow) episodes of the lesson."),
    ("schedule-unknown-section", Severity.ERROR, "Self-study sections are ids of the episode's level-2 sections."),
    ("schedule-self-study-unmarked", Severity.ERROR, "An episode with self-study sections has time marks."),
    ("schedule-minutes", Severity.ERROR, "Time marks ({minutes=N}) and break minutes are whole numbers."),
    ("schedule-no-time", Severity.WARNING, "Every scheduled episode has a time."),
    ("schedule-marks-total", Severity.WARNING, "Time marks add up to the front matter's teaching and exercises."),
    ("schedule-challenge-minutes", Severity.WARNING,
     "In an episode with time marks, every challenge has its minutes."),
    ("schedule-teaching-run", Severity.WARNING, "No more than 20 minutes of teaching without a challenge."),
))
