"""The workshop pages over HTTP (SQLite and PostgreSQL): registration form refusals per field,
duplicates, the private link and cancelling, e-mails in the outbox, sign-in, roles and exports."""

from __future__ import annotations

import csv
import email
import email.policy
import io
from pathlib import Path

import pytest
from feedbacksupport import add_user, client_for, in_db, login
from sqlalchemy import select
from workshopsupport import cancel, person, publish, register, registration_token, token_of, workshop_yaml

from lessonkit.feedback.models import Attendance, ExportLog, Registration
from lessonkit.feedback.workshops import store


def outbox_messages(folder: Path) -> list[email.message.Message]:
    if not folder.is_dir():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))]


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


def test_public_page_shows_sessions_and_free_places(db_url, tmp_path, outbox):
    publish(db_url, tmp_path, "ws-page", capacity=3, sessions=2)
    with client_for(db_url, outbox=str(outbox)) as client:
        page = client.get("/workshops/ws-page")
        assert page.status_code == 200
        assert "Workshop ws-page" in page.text and "Session 1" in page.text and "Session 2" in page.text
        assert "3 of 3 places are free." in page.text
        assert "ws-page" in client.get("/workshops").text
        assert client.get("/workshops/no-such-workshop").status_code == 404


def test_bad_input_gets_a_message_per_field_and_keeps_what_was_typed(db_url, tmp_path, outbox):
    publish(db_url, tmp_path, "ws-bad")
    typed = person(1, name="", email="not an address", affiliation="Ünïversity <b>of</b> Tests",
                   career_stage="astronaut", accessibility="x" * 2001)
    with client_for(db_url, outbox=str(outbox)) as client:
        response = register(client, "ws-bad", typed)
    assert response.status_code == 422
    text = response.text
    for field_id in ("name", "email", "career_stage", "accessibility"):
        assert f'id="{field_id}-error"' in text, field_id
    assert "Enter your name" in text and "name@example.org" in text and "Choose one of the career stages" in text
    assert 'value="not an address"' in text  # kept
    assert "Ünïversity &lt;b&gt;of&lt;/b&gt; Tests" in text  # kept, escaped
    assert "x" * 2001 in text
    assert 'id="affiliation-error"' not in text
    assert in_db(db_url, lambda s: s.scalars(select(Registration)).all()) == []
    assert outbox_messages(outbox) == []


def test_csrf_is_required(db_url, tmp_path, outbox):
    publish(db_url, tmp_path, "ws-csrf")
    with client_for(db_url, outbox=str(outbox)) as client:
        client.get("/workshops/ws-csrf")
        response = client.post("/workshops/ws-csrf/register", data={"csrf_token": "forged", **person(1)})
    assert response.status_code == 403
    assert in_db(db_url, lambda s: s.scalars(select(Registration)).all()) == []


def test_register_confirm_duplicate_cancel_and_promote(db_url, tmp_path, outbox):
    publish(db_url, tmp_path, "ws-flow", capacity=1)
    with client_for(db_url, outbox=str(outbox), public_url="https://events.example.org") as client:
        first = registration_token(register(client, "ws-flow", person(1)))
        page = client.get(f"/registration/{first}?new=1")
        assert "You are registered: you have a place." in page.text and "person1@example.org" in page.text
        second = registration_token(register(client, "ws-flow", person(2)))
        assert "You are number 1" in client.get(f"/registration/{second}").text
        duplicate = register(client, "ws-flow", person(3, email="PERSON1@EXAMPLE.ORG", name="Someone Else"))
        assert duplicate.status_code == 409
        assert "already registered for this workshop" in duplicate.text
        assert 'value="Someone Else"' in duplicate.text
        # The duplicate page offers to e-mail the link again: to the registered address only.
        assert 'action="/workshops/ws-flow/resend-link"' in duplicate.text
        token = token_of(client, "/workshops/ws-flow")
        resent = client.post("/workshops/ws-flow/resend-link", data={"csrf_token": token,
                                                                     "email": "Person1@Example.org"})
        unknown = client.post("/workshops/ws-flow/resend-link", data={"csrf_token": token,
                                                                      "email": "stranger@example.org"})
        assert resent.status_code == unknown.status_code == 200
        assert "its private link is on its way there now" in resent.text
        assert cancel(client, first).status_code == 303
        assert "Your registration is cancelled." in client.get(f"/registration/{first}?cancelled=1").text
        assert "You have a place." in client.get(f"/registration/{second}").text
        assert "Cancel my registration" not in client.get(f"/registration/{first}").text
        assert client.get("/registration/" + "x" * 43).status_code == 404
    messages = outbox_messages(outbox)
    assert [(m["To"], m["Subject"]) for m in messages] == [
        ("person1@example.org", "Your place at Workshop ws-flow"),
        ("person2@example.org", "Waiting list: Workshop ws-flow"),
        ("person1@example.org", "Your place at Workshop ws-flow"),  # the link again, on request
        ("person2@example.org", "A place for you at Workshop ws-flow")]
    # Links are made from the configured public address, never from the request.
    assert f"https://events.example.org/registration/{first}" in messages[0].get_content()
    assert "number 1" in messages[1].get_content()


def test_registration_closed_is_said_and_refused(db_url, tmp_path, outbox):
    publish(db_url, tmp_path, "ws-soon", opens=3, closes=10)
    with client_for(db_url, outbox=str(outbox)) as client:
        page = client.get("/workshops/ws-soon")
        assert "Registration opens on" in page.text and 'action="/workshops/ws-soon/register"' not in page.text
        token = token_of(client, "/login")  # the log-in form's token: every form of this browser takes it
        response = client.post("/workshops/ws-soon/register", data={"csrf_token": token, **person(1)})
    assert response.status_code == 409 and "Registration opens on" in response.text


def test_sign_in_with_the_code_or_the_link(db_url, tmp_path, outbox):
    wid = publish(db_url, tmp_path, "ws-sign", capacity=5, sessions=2)
    code = in_db(db_url, lambda s: store.sessions_of(s, wid)[0].sign_in_code)
    with client_for(db_url, outbox=str(outbox)) as client:
        registration_token(register(client, "ws-sign", person(1)))
        token = token_of(client, f"/sign-in/{code}")
        done = client.post(f"/sign-in/{code}", data={"csrf_token": token, "email": "Person1@example.org"})
        assert done.status_code == 200 and "you are signed in" in done.text
        again = client.post("/sign-in", data={"csrf_token": token, "code": code.lower(), "email": "person1@example.org"})
        assert "already signed in" in again.text
        stranger = client.post(f"/sign-in/{code}", data={"csrf_token": token, "email": "who@example.org"})
        assert stranger.status_code == 404 and 'id="email-error"' in stranger.text
        assert 'value="who@example.org"' in stranger.text
        wrong = client.post("/sign-in", data={"csrf_token": token, "code": "ZZZZ", "email": "person1@example.org"})
        assert wrong.status_code == 422 and 'id="code-error"' in wrong.text and 'value="ZZZZ"' in wrong.text
        assert client.get("/sign-in/NOPENOPE").status_code == 404
    assert in_db(db_url, lambda s: len(s.scalars(select(Attendance)).all())) == 1


def test_roles_on_the_manage_page_and_the_export(db_url, tmp_path, outbox):
    a = publish(db_url, tmp_path, "ws-a", capacity=5)
    publish(db_url, tmp_path, "ws-b", capacity=5)
    with client_for(db_url, outbox=str(outbox)) as client:
        register(client, "ws-a", person(1, accessibility="Step-free access, please"))
        register(client, "ws-b", person(2, name="Bea Other"))
    for name in ("org-a", "teach-a", "outsider"):
        add_user(db_url, name, lessons=[])
    add_user(db_url, "coord", "admin")
    database_grant = [("org-a", "ws-a", "organiser"), ("teach-a", "ws-a", "instructor")]
    from lessonkit.feedback.db import Database

    database = Database(db_url)
    with database.write() as session:
        for user, slug, role in database_grant:
            store.grant(session, user, slug, role)
    database.dispose()

    def as_user(name: str):
        client = client_for(db_url, outbox=str(outbox))
        client.__enter__()
        login(client, name)
        return client

    org, teacher, outsider, coord = (as_user(n) for n in ("org-a", "teach-a", "outsider", "coord"))
    try:
        page = org.get("/workshops/ws-a/manage")
        assert page.status_code == 200 and "person1@example.org" in page.text and "Step-free access" in page.text
        assert 'href="/workshops/ws-a/report"' in page.text and 'href="/workshops/ws-a/survey/pre"' in page.text
        assert org.get("/workshops/ws-b/manage").status_code == 403
        assert org.get("/workshops/ws-b/registrations.csv").status_code == 403
        exported = org.get("/workshops/ws-a/registrations.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(r["name"], r["email"], r["status"], r["accessibility"]) for r in rows] == [
            ("Person 1", "person1@example.org", "seated", "Step-free access, please")]
        # An instructor sees the codes and the attendance, not the personal data, and cannot export it.
        seen = teacher.get("/workshops/ws-a/manage")
        assert seen.status_code == 200 and "Person 1" in seen.text and 'class="sign-in-code"' in seen.text
        assert "person1@example.org" not in seen.text and "Step-free" not in seen.text
        assert teacher.get("/workshops/ws-a/registrations.csv").status_code == 403
        assert outsider.get("/workshops/ws-a/manage").status_code == 403
        assert coord.get("/workshops/ws-b/registrations.csv").status_code == 200
        # Organisers see who exported their workshop's personal data; instructors do not.
        logged = org.get("/workshops/ws-a/manage").text
        assert 'id="export-log"' in logged and "<td>org-a</td><td>registrations.csv</td><td>1</td>" in logged
        assert 'id="export-log"' not in teacher.get("/workshops/ws-a/manage").text
        assert "Bea Other" in coord.get("/workshops/ws-b/manage").text
    finally:
        for client in (org, teacher, outsider, coord):
            client.__exit__(None, None, None)
    log = in_db(db_url, lambda s: [(e.who, e.workshop_id, e.what, e.rows, e.via)
                                   for e in s.scalars(select(ExportLog).order_by(ExportLog.id))])
    assert log[0] == ("org-a", a, "registrations.csv", 1, "web")
    assert [entry[0] for entry in log] == ["org-a", "coord"]  # refusals export nothing and log nothing


def test_admin_publishes_by_upload_and_sees_the_diagnostics(db_url, tmp_path, outbox):
    add_user(db_url, "coord", "admin")
    add_user(db_url, "author", lessons=[])
    with client_for(db_url, outbox=str(outbox)) as client:
        login(client, "author")
        assert client.get("/admin/workshops").status_code == 403
    with client_for(db_url, outbox=str(outbox)) as client:
        login(client, "coord")
        token = token_of(client, "/admin/workshops")
        bad = workshop_yaml("ws-up").replace('start: "13:00"', 'start: "1pm"', 1)
        refused = client.post("/admin/workshops", data={"csrf_token": token, "yaml": bad})
        assert refused.status_code == 422
        assert "workshop.yaml:9:12: error: the start of session 1 is &#39;1pm&#39;" in refused.text
        assert "start: &#34;1pm&#34;" in refused.text  # what was pasted is kept
        done = client.post("/admin/workshops", data={"csrf_token": token, "yaml": workshop_yaml("ws-up")},
                           follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/workshops/ws-up/manage"
        assert "Workshop ws-up" in client.get("/workshops/ws-up/manage").text
        token = token_of(client, "/workshops/ws-up/manage")
        granted = client.post("/workshops/ws-up/roles", data={"csrf_token": token, "username": "author",
                                                              "role": "instructor"}, follow_redirects=True)
        assert "author: instructor" in granted.text
        unknown = client.post("/workshops/ws-up/roles", data={"csrf_token": token, "username": "ghost",
                                                              "role": "instructor"})
        assert unknown.status_code == 422 and "no user called" in unknown.text
        assert 'value="ghost" aria-invalid="true"' in unknown.text  # what was typed is kept


NASTY = ["", "\x00", "²", "\ud800", "x" * 3000, "<script>", "'; DROP TABLE registrations; --", "@", "a@b",
         "ÜNÏ@EXAMPLE.ORG", "=1+1", "\u2028", " person0@example.org ", "senior", "yes", "organiser"]


def test_no_workshop_form_input_gets_a_5xx(sqlite_url, tmp_path, outbox):
    """Random and hostile values in every workshop form (with a valid CSRF token): refused or accepted,
    never a server error; the seats stay within the capacity."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    wid = publish(sqlite_url, tmp_path, "ws-fuzz", capacity=2)
    code = in_db(sqlite_url, lambda s: store.sessions_of(s, wid)[0].sign_in_code)
    add_user(sqlite_url, "coord", "admin")
    text = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
    fields = ["name", "email", "affiliation", "career_stage", "accessibility", "consent_contact", "code",
              "username", "role", "withdraw", "yaml"]
    with client_for(sqlite_url, outbox=str(outbox)) as client:
        login(client, "coord")
        token = token_of(client, "/workshops/ws-fuzz")
        link = registration_token(register(client, "ws-fuzz", person(0)))
        paths = ["/workshops/ws-fuzz/register", "/workshops/ws-fuzz/resend-link", f"/registration/{link}/cancel",
                 "/sign-in", f"/sign-in/{code}", f"/sign-in/{code.lower()}", "/workshops/ws-fuzz/roles",
                 "/admin/workshops"]

        @settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.sampled_from(paths), st.dictionaries(st.sampled_from(fields), text, max_size=7))
        def one(path, form):
            data = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in form.items()}
            response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
            assert response.status_code < 500, (path, form, response.text[:300])

        one()
    counts = in_db(sqlite_url, lambda s: store.headcounts(s, wid))
    assert counts["seated"] <= 2
