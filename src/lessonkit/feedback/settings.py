"""The service's settings (from ``lessonkit feedback serve`` options, or set by tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lessonkit.feedback.db import DEFAULT_DB
from lessonkit.feedback.security import Rate

DEFAULT_FEEDBACK_RATE = Rate(30, 60)
DEFAULT_FORM_RATE = Rate(30, 60)
DEFAULT_LOGIN_RATE = Rate(10, 60)


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB
    # Origins allowed for every lesson, on top of each lesson's own sites.
    allow_origins: frozenset[str] = field(default_factory=frozenset)
    # Per-IP rate limits on the public endpoints.
    rate_feedback: Rate = DEFAULT_FEEDBACK_RATE  # the widget's POST /api/v1/feedback
    rate_forms: Rate = DEFAULT_FORM_RATE  # reviewer comments, questionnaire answers, invitation use
    rate_login: Rate = DEFAULT_LOGIN_RATE  # login attempts
    # Size limits (bytes) on request bodies; longer texts are refused with 422 by field.
    max_json_body: int = 16 * 1024
    max_form_body: int = 128 * 1024
    secure_cookies: bool = False  # always mark cookies Secure (they are when the request is https)
    origin_refresh_seconds: float = 5.0  # how often lessons' sites are re-read for CORS
    migrate: bool = True
