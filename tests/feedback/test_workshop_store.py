"""Workshops in the database (SQLite and PostgreSQL): publishing a workshop file, seats and the
waiting list, attendance, the anonymous counts reports read, and who may see what."""

from __future__ import annotations

from pathlib import Path

import pytest
from feedbacksupport import add_user, in_db
from sqlalchemy import select
from workshopsupport import publish, workshop_yaml

from lessonkit.feedback import auth
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Registration, ServiceWorkshop, WorkshopSession
from lessonkit.feedback.workshops import access, store


def form(i: int, **overrides) -> store.Form:
    values = {"name": f"Person {i}", "email": f"person{i}@example.org", "affiliation": "Uni",
              "career_stage": "senior", "accessibility": "", "consent_contact": True}
    values.update(overrides)
    return store.Form(**values)


def write(db_url: str, fn):
    database = Database(db_url)
    database.migrate()
    try:
        with database.write() as session:
            return fn(session)
    finally:
        database.dispose()


def test_publish_makes_sessions_capacity_and_window_and_updates_in_place(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-a", capacity=5, sessions=2)
    row = in_db(db_url, lambda s: s.get(ServiceWorkshop, wid))
    sessions = in_db(db_url, lambda s: store.sessions_of(s, wid))
    assert (row.slug, row.title, row.capacity, row.lesson_ids) == ("ws-a", "Workshop ws-a", 5,
                                                                   ["intro-data-science-ai"])
    assert row.registration_opens < row.registration_closes and row.timezone == "Europe/London"
    assert [s.index for s in sessions] == [0, 1] and all(len(s.sign_in_code) == 8 for s in sessions)
    # 13:00 London in winter or summer: 13:00 or 12:00 UTC; the session lasts three hours.
    assert all((s.ends_at - s.starts_at).total_seconds() == 3 * 3600 for s in sessions)
    assert row.starts_at == sessions[0].starts_at and row.ends_at == sessions[1].ends_at
    assert "slug: ws-a" in row.file_text
    codes = [s.sign_in_code for s in sessions]
    # Publishing again (one session fewer, more seats) updates the same workshop; codes stay.
    again = publish(db_url, tmp_path, "ws-a", capacity=9, sessions=1)
    assert again == wid
    assert in_db(db_url, lambda s: s.get(ServiceWorkshop, wid).capacity) == 9
    assert [s.sign_in_code for s in in_db(db_url, lambda s: store.sessions_of(s, wid))] == codes[:1]


def test_a_bad_workshop_file_is_refused_with_its_diagnostics(db_url, tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(workshop_yaml("ws-bad").replace("capacity: 3", "capacity: many"), encoding="utf-8")
    with pytest.raises(store.WorkshopError) as caught:
        write(db_url, lambda s: store.publish(s, path))
    assert len(caught.value.problems) == 1
    assert "bad.yaml:18:11: error: capacity is 'many'" in caught.value.problems[0]
    assert in_db(db_url, lambda s: s.scalars(select(ServiceWorkshop)).all()) == []


def test_seats_then_waiting_list_then_promotion_on_cancel(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-b", capacity=2)
    rows = [write(db_url, lambda s, i=i: store.register(s, "ws-b", form(i))) for i in range(4)]
    assert [r.status for r in rows] == ["seated", "seated", "waiting", "waiting"]
    assert in_db(db_url, lambda s: [store.waiting_position(s, r) for r in rows]) == [None, None, 1, 2]
    cancelled, promoted = write(db_url, lambda s: store.cancel(s, rows[0].token))
    assert cancelled.status == "cancelled" and [p.email for p in promoted] == ["person2@example.org"]
    # Cancelling twice changes nothing and promotes nobody else.
    assert write(db_url, lambda s: store.cancel(s, rows[0].token))[1] == []
    # A waiting person who cancels frees no seat.
    assert write(db_url, lambda s: store.cancel(s, rows[3].token))[1] == []
    counts = in_db(db_url, lambda s: store.headcounts(s, wid))
    assert {k: counts[k] for k in ("registered", "seated", "waiting", "cancelled")} == {
        "registered": 4, "seated": 2, "waiting": 0, "cancelled": 2}
    # The same e-mail may register again once cancelled.
    assert write(db_url, lambda s: store.register(s, "ws-b", form(0))).status == "waiting"


def test_duplicates_are_refused_whatever_the_case_of_the_address(db_url, tmp_path: Path):
    publish(db_url, tmp_path, "ws-c")
    write(db_url, lambda s: store.register(s, "ws-c", form(1, email="Ada@Example.org")))
    with pytest.raises(store.RegistrationRefused) as caught:
        write(db_url, lambda s: store.register(s, "ws-c", form(2, email="ada@example.ORG")))
    assert caught.value.status == 409 and "already registered" in caught.value.fields["email"]


def test_a_larger_capacity_seats_people_from_the_waiting_list(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-d", capacity=1)
    for i in range(3):
        write(db_url, lambda s, i=i: store.register(s, "ws-d", form(i)))
    publish(db_url, tmp_path, "ws-d", capacity=2)
    statuses = in_db(db_url, lambda s: list(s.scalars(select(Registration.status).order_by(Registration.id))))
    assert statuses == ["seated", "seated", "waiting"]
    publish(db_url, tmp_path, "ws-d", capacity=1)  # smaller: nobody loses a seat
    assert in_db(db_url, lambda s: store.headcounts(s, wid)["seated"]) == 2


def test_registration_window(db_url, tmp_path: Path):
    publish(db_url, tmp_path, "ws-early", opens=5, closes=10)
    with pytest.raises(store.RegistrationRefused, match="Registration opens on"):
        write(db_url, lambda s: store.register(s, "ws-early", form(1)))
    publish(db_url, tmp_path, "ws-late", opens=-10, closes=-1, allow_past=True)
    with pytest.raises(store.RegistrationRefused, match="Registration closed on"):
        write(db_url, lambda s: store.register(s, "ws-late", form(1)))


def test_attendance_is_per_person_per_session_and_idempotent(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-e", capacity=10, sessions=2)
    for i in range(3):
        write(db_url, lambda s, i=i: store.register(s, "ws-e", form(i)))
    first, second = in_db(db_url, lambda s: [x.sign_in_code for x in store.sessions_of(s, wid)])
    assert write(db_url, lambda s: store.sign_in(s, first.lower(), "PERSON0@example.org"))[2] is True
    assert write(db_url, lambda s: store.sign_in(s, first, "person0@example.org"))[2] is False
    write(db_url, lambda s: store.sign_in(s, f"{first[:4]}-{first[4:]}", "person1@example.org"))
    write(db_url, lambda s: store.sign_in(s, second, "person1@example.org"))
    with pytest.raises(store.RegistrationRefused) as caught:
        write(db_url, lambda s: store.sign_in(s, second, "stranger@example.org"))
    assert caught.value.status == 404 and "email" in caught.value.fields
    with pytest.raises(store.RegistrationRefused):
        write(db_url, lambda s: store.sign_in(s, "NOTACODE", "person1@example.org"))
    counts = in_db(db_url, lambda s: store.headcounts(s, wid))
    assert counts["per_session"] == [{"index": 0, "title": "Session 1", "attended": 2},
                                     {"index": 1, "title": "Session 2", "attended": 1}]
    assert counts["attended_any"] == 2 == in_db(db_url, lambda s: store.amy_headcount(s, wid))


def test_headcounts_keys_are_the_agreed_interface(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-f")
    counts = in_db(db_url, lambda s: store.headcounts(s, wid))
    assert set(counts) == {"registered", "seated", "waiting", "cancelled", "attended_any", "per_session"}
    assert counts["registered"] == 0 and len(counts["per_session"]) == 2


def test_roles_decide_who_sees_what(db_url, tmp_path: Path):
    a = publish(db_url, tmp_path, "ws-g")
    b = publish(db_url, tmp_path, "ws-h")
    for name in ("org", "teacher", "nobody"):
        add_user(db_url, name, lessons=[])
    add_user(db_url, "boss", "admin")
    write(db_url, lambda s: store.grant(s, "org", "ws-g", "organiser"))
    write(db_url, lambda s: store.grant(s, "teacher", "ws-g", "instructor"))
    with pytest.raises(store.WorkshopError, match="a workshop role is one of"):
        write(db_url, lambda s: store.grant(s, "org", "ws-g", "owner"))

    def viewer(name):
        def load(session):
            token = auth.start_session(session, user_id=session.scalar(
                select(auth.User.id).where(auth.User.username == name)))
            return auth.load_session(session, token)
        return write(db_url, load)

    org, teacher, nobody, boss = (viewer(n) for n in ("org", "teacher", "nobody", "boss"))
    table = {(who, w, what): access.can_see(v, w, what) for who, v in
             (("org", org), ("teacher", teacher), ("nobody", nobody), ("boss", boss)) for w in (a, b)
             for what in access.WHAT}
    assert [k for k, v in table.items() if v] == [
        ("org", a, "personal"), ("org", a, "attendance"), ("org", a, "report"),
        ("teacher", a, "attendance"), ("teacher", a, "report"),
        ("boss", a, "personal"), ("boss", a, "attendance"), ("boss", a, "report"),
        ("boss", b, "personal"), ("boss", b, "attendance"), ("boss", b, "report")]
    assert not access.can_see(auth.ANONYMOUS, a, "report")
    with pytest.raises(ValueError):
        access.can_see(boss, a, "everything")
    write(db_url, lambda s: store.withdraw(s, "org", "ws-g"))
    assert not access.can_see(viewer("org"), a, "personal")


def test_session_codes_are_unique_and_typable(db_url, tmp_path: Path):
    for i in range(5):
        publish(db_url, tmp_path, f"ws-code{i}", sessions=3)
    codes = in_db(db_url, lambda s: list(s.scalars(select(WorkshopSession.sign_in_code))))
    assert len(codes) == len(set(codes)) == 15
    assert all(set(code) <= set(store.CODE_ALPHABET) for code in codes)
