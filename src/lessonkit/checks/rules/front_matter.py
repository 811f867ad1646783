"""Episode front matter: a title, timings, and the questions/objectives/key points every episode has."""

from __future__ import annotations

from lessonkit.checks.context import Context, PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.diagnostics import Severity
from lessonkit.model import Page


@rule("episode-title-missing", Severity.WARNING, "Every episode has a title in its front matter.")
def title(page: Page, scan: PageScan, context: Context):
    if page.kind == "episode" and not str(page.meta.get("title") or "").strip() and not context.unreadable(page.source):
        yield Finding(scan.spot(None, 1), "the episode has no title",
                      "Add front matter at the top of the file: ---, title: 'The episode title', ---")


@rule("episode-timing-missing", Severity.WARNING, "Episodes say how many minutes of teaching and exercises they take.")
def timing(page: Page, scan: PageScan, context: Context):
    if page.kind != "episode" or context.unreadable(page.source):
        return
    missing = [key for key in ("teaching", "exercises") if key not in page.meta]
    if missing:
        yield Finding(
            scan.spot(None, 1),
            f"the front matter has no {' or '.join(repr(k) for k in missing)} (minutes): the schedule cannot be computed",
            "Add e.g. 'teaching: 15' and 'exercises: 10' to the front matter.")


@rule("episode-summary-missing", Severity.WARNING, "Episodes list their questions, objectives and key points.")
def summary(page: Page, scan: PageScan):
    if page.kind != "episode":
        return
    kinds = {block.kind for block in scan.blocks}
    missing = [kind for kind in ("questions", "objectives", "keypoints") if kind not in kinds]
    if missing:
        yield Finding(
            scan.spot(None, 1), f"the episode has no {', '.join(missing)}",
            "Add a '::: questions' and a '::: objectives' block at the top and a '::: keypoints' block at the end "
            "(in styles lessons: 'questions:', 'objectives:' and 'keypoints:' lists in the front matter).")
