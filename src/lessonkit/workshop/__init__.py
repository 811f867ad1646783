"""Workshops: one ``workshop.yaml`` (lessons, named schedules, sessions, people, venue) made
into a workshop website, an .ics calendar, schema.org/Bioschemas JSON-LD and exercise
handouts. The file format is in docs/workshops.md; its JSON Schema is
``workshop.schema.json`` in this package.

``load_workshop(path) -> (Workshop | None, list[Diagnostic])`` reads and checks a file.
"""

from __future__ import annotations

from lessonkit.workshop.load import load_workshop, schema
from lessonkit.workshop.model import LessonChoice, Person, Registration, Session, SessionBreak, Workshop

__all__ = ["LessonChoice", "Person", "Registration", "Session", "SessionBreak", "Workshop", "load_workshop",
           "schema"]
