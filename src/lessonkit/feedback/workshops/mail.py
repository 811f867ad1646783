"""Workshop e-mails: sent through SMTP when a server is configured, written to an outbox folder
otherwise (one ``.eml`` file per message, which any mail program opens).

A message the SMTP server refuses, or that cannot be sent because the server is down, is written
to the outbox as well (and logged), so nothing is lost: the coordinator can send it by hand.
"""

from __future__ import annotations

import logging
import os
import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger("lessonkit.feedback.mail")


@dataclass(frozen=True)
class Mailer:
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    mail_from: str = "lessonkit@localhost"
    outbox: str = "lessonkit-outbox"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings) -> Mailer:
        return cls(smtp_host=settings.smtp_host, smtp_port=settings.smtp_port, smtp_starttls=settings.smtp_starttls,
                   smtp_user=settings.smtp_user, mail_from=settings.mail_from, outbox=settings.outbox)

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=self.mail_from.rpartition("@")[2] or "localhost")
        message.set_content(body)
        return message

    def send(self, to: str, subject: str, body: str) -> str:
        """Send (or write) one message; returns "smtp" or the outbox file's path."""
        message = self.message(to, subject, body)
        if self.smtp_host:
            try:
                with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout) as smtp:
                    if self.smtp_starttls:
                        smtp.starttls()
                    if self.smtp_user:
                        smtp.login(self.smtp_user, os.environ.get("LESSONKIT_SMTP_PASSWORD", ""))
                    smtp.send_message(message)
                return "smtp"
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("could not send an e-mail through %s:%s (%s: %s); written to the outbox %s instead",
                            self.smtp_host, self.smtp_port, type(exc).__name__, exc, self.outbox)
        return str(self.write(message))

    def write(self, message: EmailMessage) -> Path:
        folder = Path(self.outbox)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")  # sorted by name: in the order written
        path = folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)  # a reader never sees half a message
        return path


# --- the messages ----------------------------------------------------------------------------------

def _when(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    start = starts_at.replace(tzinfo=UTC).astimezone(zone)
    end = ends_at.replace(tzinfo=UTC).astimezone(zone)
    return f"{start:%A %-d %B %Y, %H:%M}–{end:%H:%M} ({timezone})"


def sessions_text(workshop, sessions) -> str:
    return "\n".join(f"  - {s.title}: {_when(s.starts_at, s.ends_at, workshop.timezone)}" for s in sessions)


def confirmation(workshop, sessions, registration, link: str, position: int | None) -> tuple[str, str]:
    if registration.status == "seated":
        subject = f"Your place at {workshop.title}"
        first = f"You have a place at {workshop.title}."
    else:
        subject = f"Waiting list: {workshop.title}"
        first = (f"{workshop.title} is full, so you are on its waiting list (number {position}). "
                 "If someone cancels you get their place, and an e-mail to say so.")
    return subject, _body(registration.name, first, workshop, sessions, link)


def promoted(workshop, sessions, registration, link: str) -> tuple[str, str]:
    return (f"A place for you at {workshop.title}",
            _body(registration.name, f"Someone cancelled, so you now have a place at {workshop.title}.",
                  workshop, sessions, link))


def reminder(workshop, sessions, registration, link: str) -> tuple[str, str]:
    return (f"Reminder: {workshop.title}",
            _body(registration.name, f"A reminder that you have a place at {workshop.title}.",
                  workshop, sessions, link))


def _body(name: str, first: str, workshop, sessions, link: str) -> str:
    contact = f"\nQuestions? Write to {workshop.contact_email}.\n" if workshop.contact_email else ""
    return (f"Dear {name},\n\n{first}\n\nSessions:\n{sessions_text(workshop, sessions)}\n\n"
            f"Your registration (to see it, or to cancel and give your place to someone else):\n{link}\n"
            f"This link is private: anyone who has it can cancel your registration.\n{contact}")
