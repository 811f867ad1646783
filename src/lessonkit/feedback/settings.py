"""The service's settings (from ``lessonkit feedback serve`` options, or set by tests)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from lessonkit.feedback.db import DEFAULT_DB, SERVICE_BUSY_TIMEOUT
from lessonkit.feedback.ratelimit import Rate

DEFAULT_FEEDBACK_RATE = Rate(30, 60)
DEFAULT_FORM_RATE = Rate(30, 60)
DEFAULT_LOGIN_RATE = Rate(10, 60)
DEFAULT_LOGIN_ACCOUNT_RATE = Rate(10, 600)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8100"
_RATES = ("rate_feedback", "rate_forms", "rate_login", "rate_login_account")


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB
    # The address people reach the service at: invitation links are made from it (never from Host).
    public_url: str = DEFAULT_PUBLIC_URL
    # Origins allowed for every lesson, on top of each lesson's own sites.
    allow_origins: frozenset[str] = field(default_factory=frozenset)
    # Rate limits, shared by every worker through the database (per client address; IPv6 per /64).
    rate_feedback: Rate = DEFAULT_FEEDBACK_RATE  # the widget's POST /api/v1/feedback
    rate_forms: Rate = DEFAULT_FORM_RATE  # reviewer comments, questionnaire answers, invitation use
    rate_login: Rate = DEFAULT_LOGIN_RATE  # login attempts per address
    rate_login_account: Rate = DEFAULT_LOGIN_ACCOUNT_RATE  # failed logins per account, from any address
    # Size limits (bytes) on request bodies; longer texts are refused with 422 by field.
    max_json_body: int = 16 * 1024
    max_form_body: int = 128 * 1024
    secure_cookies: bool = False  # always mark cookies Secure (they are when the request is https)
    origin_refresh_seconds: float = 5.0  # how often lessons' sites are re-read for CORS
    housekeeping_seconds: float = 300.0  # how often idle rate-limit buckets are deleted
    sqlite_busy_timeout: float = SERVICE_BUSY_TIMEOUT  # then 503 + Retry-After
    migrate: bool = True
    # Workshop e-mails (confirmations, promotions from the waiting list, reminders): through SMTP
    # when smtp_host is set, else written as .eml files into ``outbox`` (nothing is lost either way:
    # a message SMTP refuses is written to the outbox too). The SMTP password, if any, is read from
    # the LESSONKIT_SMTP_PASSWORD environment variable, never from the settings.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    mail_from: str = "lessonkit@localhost"
    outbox: str = "lessonkit-outbox"

    def to_json(self) -> str:
        """For handing the settings to worker processes (``serve --workers``)."""
        data: dict[str, Any] = asdict(self)
        data["allow_origins"] = sorted(self.allow_origins)
        for name in _RATES:
            rate = getattr(self, name)
            data[name] = [rate.count, rate.seconds]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        data["allow_origins"] = frozenset(data["allow_origins"])
        for name in _RATES:
            data[name] = Rate(*data[name])
        return cls(**data)
