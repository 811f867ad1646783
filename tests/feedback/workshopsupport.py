"""Helpers for the workshop tests (import this, never conftest): workshop files, publishing, forms."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from lessonkit.feedback.db import Database
from lessonkit.feedback.workshops import store

LESSON = "intro-data-science-ai"  # a lesson of the catalogue that ships with lessonkit (lessons/)


def workshop_yaml(slug: str = "ws-one", *, capacity: int | None = 3, days_ahead: int = 30, sessions: int = 2,
                  opens: int = -10, closes: int | None = 20, title: str | None = None) -> str:
    """A valid workshop file; dates are relative to today, so the file never goes stale."""
    today = date.today()
    lines = [f'title: "{title or "Workshop " + slug}"', f"slug: {slug}",
             'description: "A test workshop."',
             "lessons:", f"  - lesson: {LESSON}", "    schedule: masterclass-3h", "sessions:"]
    for i in range(sessions):
        day = today + timedelta(days=days_ahead + i)
        lines += [f"  - date: {day.isoformat()}", '    start: "13:00"', '    end: "16:00"',
                  "    timezone: Europe/London"]
    lines += ["contact:", "  email: organisers@example.org"]
    if capacity is not None:
        lines.append(f"capacity: {capacity}")
    registration = [f"  opens: {(today + timedelta(days=opens)).isoformat()}"]
    if closes is not None:
        registration.append(f"  closes: {(today + timedelta(days=closes)).isoformat()}")
    lines += ["registration:", *registration, "code_of_conduct: https://docs.carpentries.org/policies/coc/"]
    return "\n".join(lines) + "\n"


def publish(db_url: str, folder: Path, slug: str = "ws-one", **options: Any) -> int:
    """Publish a workshop file made by ``workshop_yaml``; returns the workshop's id."""
    allow_past = options.pop("allow_past", False)
    retention_days = options.pop("retention_days", None)
    path = folder / f"{slug}.yaml"
    path.write_text(workshop_yaml(slug, **options), encoding="utf-8")
    database = Database(db_url)
    database.migrate()
    try:
        with database.write() as session:
            row, _ = store.publish(session, path, allow_past=allow_past, retention_days=retention_days)
            return row.id
    finally:
        database.dispose()


def person(i: int, **overrides: Any) -> dict[str, str]:
    data = {"name": f"Person {i}", "email": f"person{i}@example.org", "affiliation": "Example University",
            "career_stage": "senior", "accessibility": "", "consent_contact": "yes"}
    data.update(overrides)
    return data


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(client: TestClient, path: str) -> str:
    match = _TOKEN.search(client.get(path).text)
    assert match, f"no form on {path}"
    return match[1]


def register(client: TestClient, slug: str, data: dict[str, str]):
    """POST the registration form (as the page's form would); returns the response (not followed)."""
    token = token_of(client, f"/workshops/{slug}")
    return client.post(f"/workshops/{slug}/register", data={"csrf_token": token, **data}, follow_redirects=False)


def registration_token(response) -> str:
    assert response.status_code == 303, response.text
    match = re.match(r"/registration/([A-Za-z0-9_-]+)\?new=1$", response.headers["location"])
    assert match, response.headers["location"]
    return match[1]


def cancel(client: TestClient, token: str):
    form_token = token_of(client, f"/registration/{token}")
    return client.post(f"/registration/{token}/cancel", data={"csrf_token": form_token}, follow_redirects=False)
