"""``lessonkit service workshop ...``, ``export-registrations``, ``remind`` (through a real local SMTP
server, aiosmtpd, and to the outbox) and ``retention``; ``lessonkit feedback`` is the same command."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from feedbacksupport import client_for, free_port, in_db
from sqlalchemy import func, select, update
from workshopsupport import person, publish, register, registration_token, workshop_yaml

from lessonkit.cli import main
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Attendance, ExportLog, Registration, ServiceWorkshop, utcnow
from lessonkit.feedback.workshops import store


def migrated(db_url: str) -> str:
    database = Database(db_url)
    database.migrate()
    database.dispose()
    return db_url


def run(*args: str, name: str = "service"):
    return CliRunner().invoke(main, [name, *args], catch_exceptions=False)


class SMTPServer:
    """aiosmtpd on 127.0.0.1 in its own thread; ``messages`` are the e-mails it received."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()
        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                with server.lock:
                    server.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def test_publish_reports_the_files_problems_with_their_places(db_url, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(workshop_yaml("ws-cli").replace("capacity: 3", "capacity: 0"), encoding="utf-8")
    result = run("workshop", "publish", str(path), "--db", db_url)
    assert result.exit_code == 1
    assert "w.yaml is not a workshop file that can be published" in result.output
    assert "w.yaml:18:11: error: capacity is 0" in result.output and "fix:" in result.output
    missing = run("workshop", "publish", str(tmp_path / "none.yaml"), "--db", db_url)
    assert missing.exit_code == 1 and "there is no workshop file" in missing.output
    assert in_db(migrated(db_url), lambda s: s.scalars(select(ServiceWorkshop)).all()) == []


def test_publish_list_grant_and_headcount_under_both_names(db_url, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(workshop_yaml("ws-cli", capacity=2), encoding="utf-8")
    first = run("workshop", "publish", str(path), "--db", db_url, "--retention-days", "30")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "published workshop ws-cli: 2 session(s), 2 seats; served at /workshops/ws-cli"
    again = run("workshop", "publish", str(path), "--db", db_url, name="feedback")
    assert again.exit_code == 0 and again.output.startswith("updated workshop ws-cli")
    assert in_db(db_url, lambda s: s.scalar(select(ServiceWorkshop.retention_days))) == 30
    with client_for(db_url, outbox=str(tmp_path / "outbox")) as client:
        for i in range(3):
            register(client, "ws-cli", person(i))
    listed = run("workshop", "list", "--db", db_url)
    assert "ws-cli" in listed.output and "seated 2/2\twaiting 1" in listed.output
    grant = run("workshop", "grant", "nobody", "ws-cli", "--db", db_url)
    assert grant.exit_code == 1 and "no user called 'nobody'" in grant.output
    counts = run("workshop", "headcount", "ws-cli", "--db", db_url)
    assert "registered 3 (seated 2, waiting 1, cancelled 0)" in counts.output
    assert "AMY attendance (learners who attended any session): 0" in counts.output
    assert run("workshop", "headcount", "ws-none", "--db", db_url).exit_code == 1


def test_export_is_csv_and_logged(db_url, tmp_path):
    publish(db_url, tmp_path, "ws-x", capacity=1)
    with client_for(db_url, outbox=str(tmp_path / "outbox")) as client:
        register(client, "ws-x", person(1, name="=HYPERLINK(\"x\")"))
        register(client, "ws-x", person(2))
    out = tmp_path / "regs.csv"
    result = run("export-registrations", "ws-x", "--db", db_url, "-o", str(out))
    assert result.exit_code == 0 and "wrote 2 registration(s)" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["name"], r["status"], r["waiting_position"]) for r in rows] == [
        ("'=HYPERLINK(\"x\")", "seated", ""), ("Person 2", "waiting", "1")]
    [entry] = in_db(db_url, lambda s: s.scalars(select(ExportLog)).all())
    assert entry.who.startswith("cli:") and entry.what == "registrations.csv" and entry.rows == 2
    assert entry.via == "cli" and entry.workshop_slug == "ws-x"
    shown = run("export-log", "--db", db_url).output
    assert f"\t{entry.who}\tws-x\tregistrations.csv\t2 row(s)\tcli" in shown
    assert "no personal data has been exported or deleted for ws-y" in run(
        "export-log", "--workshop", "ws-y", "--db", db_url).output


def test_remind_through_a_real_smtp_server_once_each(db_url, tmp_path):
    publish(db_url, tmp_path, "ws-remind", capacity=2)
    with client_for(db_url, outbox=str(tmp_path / "web-outbox")) as client:
        tokens = [registration_token(register(client, "ws-remind", person(i))) for i in range(3)]
    with SMTPServer() as smtp:
        args = ("remind", "ws-remind", "--db", db_url, "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port),
                "--mail-from", "workshops@example.org", "--public-url", "https://events.example.org",
                "--outbox", str(tmp_path / "outbox"))
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "reminded 2 people: 2 through SMTP, 0 written to" in result.output
        assert sorted(m["To"] for m in smtp.messages) == ["person0@example.org", "person1@example.org"]
        message = next(m for m in smtp.messages if m["To"] == "person0@example.org")
        assert message["From"] == "workshops@example.org" and message["Subject"] == "Reminder: Workshop ws-remind"
        assert f"https://events.example.org/registration/{tokens[0]}" in message.get_content()
        assert "reminded 0 people" in run(*args).output  # once each
        assert "reminded 2 people" in run(*args, "--again").output
    assert not (tmp_path / "outbox").exists()


def test_service_mail_goes_through_smtp_and_falls_back_to_the_outbox(db_url, tmp_path):
    publish(db_url, tmp_path, "ws-mail", capacity=5)
    with SMTPServer() as smtp:
        with client_for(db_url, smtp_host="127.0.0.1", smtp_port=smtp.port, outbox=str(tmp_path / "outbox")) as c:
            registration_token(register(c, "ws-mail", person(1)))
        assert [m["Subject"] for m in smtp.messages] == ["Your place at Workshop ws-mail"]
    # The server has stopped: the next confirmation is written to the outbox instead of being lost.
    with client_for(db_url, smtp_host="127.0.0.1", smtp_port=smtp.port, outbox=str(tmp_path / "outbox")) as c:
        registration_token(register(c, "ws-mail", person(2)))
    [saved] = list((tmp_path / "outbox").glob("*.eml"))
    assert email.message_from_bytes(saved.read_bytes())["To"] == "person2@example.org"


def test_remind_without_smtp_writes_the_outbox(db_url, tmp_path):
    publish(db_url, tmp_path, "ws-out", capacity=5)
    with client_for(db_url, outbox=str(tmp_path / "web-outbox")) as client:
        register(client, "ws-out", person(1))
    result = run("remind", "ws-out", "--db", db_url, "--outbox", str(tmp_path / "outbox"))
    assert result.exit_code == 0 and "1 written to" in result.output
    [saved] = list((tmp_path / "outbox").glob("*.eml"))
    assert "A reminder that you have a place" in email.message_from_bytes(saved.read_bytes(), policy=email.policy.default).get_content()


def _end_workshop(db_url: str, slug: str, days_ago: int) -> None:
    database = Database(db_url)
    with database.write() as session:
        session.execute(update(ServiceWorkshop).where(ServiceWorkshop.slug == slug)
                        .values(ends_at=utcnow() - timedelta(days=days_ago)))
    database.dispose()


def test_retention_deletes_personal_data_and_keeps_the_counts(db_url, tmp_path):
    old = publish(db_url, tmp_path, "ws-old", capacity=1)
    own = publish(db_url, tmp_path, "ws-own", capacity=5, retention_days=10)
    recent = publish(db_url, tmp_path, "ws-new", capacity=5)
    with client_for(db_url, outbox=str(tmp_path / "outbox")) as client:
        token = registration_token(register(client, "ws-old", person(1, accessibility="Captions")))
        register(client, "ws-old", person(2))
        register(client, "ws-own", person(3))
        register(client, "ws-new", person(4))
    code = in_db(db_url, lambda s: store.sessions_of(s, old)[0].sign_in_code)
    database = Database(db_url)
    with database.write() as session:
        store.sign_in(session, code, "person1@example.org")
    database.dispose()
    before = in_db(db_url, lambda s: store.headcounts(s, old))
    _end_workshop(db_url, "ws-old", 100)
    _end_workshop(db_url, "ws-own", 11)  # its own 10 days win over --days 90
    _end_workshop(db_url, "ws-new", 80)
    dry = run("retention", "--days", "90", "--dry-run", "--db", db_url)
    assert "would delete the personal data of 2 registration(s) of ws-old" in dry.output
    assert in_db(db_url, lambda s: s.scalar(select(func.count(Registration.id)).where(Registration.email != ""))) == 4
    result = run("retention", "--days", "90", "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "deleted the personal data of 2 registration(s) of ws-old" in result.output
    assert "deleted the personal data of 1 registration(s) of ws-own" in result.output and "ws-new" not in result.output
    rows = in_db(db_url, lambda s: list(s.scalars(select(Registration).order_by(Registration.id))))
    for row in rows:
        blank = (row.name, row.email, row.email_key, row.affiliation, row.career_stage, row.accessibility,
                 row.token, row.consent_contact) == ("", "", None, "", "", "", None, False)
        assert blank == (row.workshop_id in (old, own)), row.workshop_id
    assert in_db(db_url, lambda s: store.headcounts(s, old)) == before  # the counts stay
    assert in_db(db_url, lambda s: len(s.scalars(select(Attendance)).all())) == 1
    assert in_db(db_url, lambda s: s.get(ServiceWorkshop, recent).personal_data_deleted_at) is None
    with client_for(db_url, outbox=str(tmp_path / "outbox")) as client:
        assert client.get(f"/registration/{token}").status_code == 404  # the private link is gone
    log = in_db(db_url, lambda s: [(e.workshop_slug, e.rows) for e in s.scalars(select(ExportLog)
                                                                               .order_by(ExportLog.id))])
    assert log == [("ws-old", 2), ("ws-own", 1)]
    assert "no workshop has personal data" in run("retention", "--days", "90", "--db", db_url).output
    republish = tmp_path / "ws-old.yaml"
    again = run("workshop", "publish", str(republish), "--db", db_url)
    assert again.exit_code == 1 and "archived" in again.output


@pytest.mark.parametrize("name", ["service", "feedback"])
def test_both_names_show_the_workshop_commands(name):
    result = run("--help", name=name)
    assert result.exit_code == 0
    for command in ("workshop", "export-registrations", "remind", "retention", "serve"):
        assert command in result.output
