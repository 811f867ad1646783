"""Lessons known to the service: their sites (allowed origins) and episodes.

A lesson's episodes and section headings can be read from its built site, so
that reviewers choose them from menus instead of typing them.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lessonkit.feedback.cors import normalise_origin
from lessonkit.feedback.models import Lesson, LessonPage
from lessonkit.feedback.submissions import SLUG


class LessonError(ValueError):
    pass


def add_or_update_lesson(session: Session, lesson_id: str, title: str | None = None,
                         sites: list[str] | None = None) -> Lesson:
    if not SLUG.match(lesson_id) or len(lesson_id) > 100:
        raise LessonError(f"not a lesson id: {lesson_id!r} (letters, digits, . _ -; at most 100)")
    try:
        origins = [normalise_origin(site) for site in sites] if sites is not None else None
    except ValueError as exc:
        raise LessonError(str(exc)) from exc
    if title is not None and len(title) > 300:
        raise LessonError("a lesson title has at most 300 characters")
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        lesson = Lesson(id=lesson_id, title=title or lesson_id, sites="\n".join(origins or []))
        session.add(lesson)
    else:
        if title is not None:
            lesson.title = title
        if origins is not None:
            lesson.sites = "\n".join(dict.fromkeys(lesson.origins + origins))
    session.flush()
    return lesson


def all_origins(session: Session) -> set[str]:
    origins: set[str] = set()
    for sites in session.scalars(select(Lesson.sites)):
        origins.update(line for line in sites.splitlines() if line)
    return origins


class _Headings(HTMLParser):
    """Collects ``<h2 id=...>`` headings inside ``<main>`` (the widget's own rule)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.current: list[str] | None = None
        self.current_id = ""
        self.headings: list[tuple[str, str]] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main += 1
        elif tag == "h2" and self.in_main:
            anchor = dict(attrs).get("id")
            if anchor:
                self.current, self.current_id = [], anchor
        elif self.current is not None and tag == "a" and "anchor" in (dict(attrs).get("class") or ""):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main" and self.in_main:
            self.in_main -= 1
        elif tag == "h2" and self.current is not None:
            text = " ".join("".join(self.current).split())
            self.headings.append((self.current_id, text or self.current_id))
            self.current = None
        elif tag == "a" and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.current is not None and not self.skip:
            self.current.append(data)


def read_site(site: Path) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(slug, title, [(anchor, heading)]) for each episode of a site built by ``lessonkit build``."""
    nav = site / "assets" / "nav.js"
    if not nav.is_file():
        raise LessonError(f"{site} is not a site built by lessonkit build (no assets/nav.js)")
    match = re.search(r"=\s*(\{.*\})\s*;?\s*$", nav.read_text(encoding="utf-8"), re.S)
    try:
        episodes = json.loads(match[1])["episodes"] if match else None
    except (ValueError, KeyError, TypeError):
        episodes = None
    if not isinstance(episodes, list):
        raise LessonError(f"cannot read the episode list in {nav}")
    pages = []
    for episode in episodes:
        slug, title = str(episode.get("s", "")), str(episode.get("t", ""))
        if not SLUG.match(slug):
            continue
        parser = _Headings()
        html = site / f"{slug}.html"
        if html.is_file():
            parser.feed(html.read_text(encoding="utf-8", errors="replace"))
        pages.append((slug, title or slug, parser.headings))
    return pages


def import_pages(session: Session, lesson_id: str, pages: list[tuple[str, str, list[tuple[str, str]]]]) -> int:
    if session.get(Lesson, lesson_id) is None:
        raise LessonError(f"there is no lesson {lesson_id!r}")
    session.execute(delete(LessonPage).where(LessonPage.lesson_id == lesson_id))
    for position, (slug, title, sections) in enumerate(pages):
        session.add(LessonPage(lesson_id=lesson_id, slug=slug, title=title[:300], position=position,
                               sections=[[a[:200], h[:300]] for a, h in sections]))
    return len(pages)


def pages_of(session: Session, lesson_id: str) -> list[LessonPage]:
    return list(session.scalars(select(LessonPage).where(LessonPage.lesson_id == lesson_id)
                                .order_by(LessonPage.position)))
