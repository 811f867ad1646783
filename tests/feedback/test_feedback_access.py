"""Item 15 (per-lesson access, per-account and IPv6 /64 limits) and item 16 (limits, sessions and
invitations shared by several service processes over one database).

Several ``client_for`` applications over one database are several workers: each has its own
process memory, and only the database is shared.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from feedbacksupport import PASSWORD, add_user, client_for, csrf, in_db, login, seed, widget_payload
from sqlalchemy import select

from lessonkit.feedback.models import Feedback, Invitation
from lessonkit.feedback.ratelimit import Rate


def submit(client, **fields) -> int:
    response = client.post("/api/v1/feedback", json=widget_payload(**fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def shown(client, query: str = "") -> set[int]:
    page = client.get("/triage" + query)
    assert page.status_code == 200
    return {int(n) for n in re.findall(r'id="item-(\d+)"', page.text)}


def test_an_author_sees_and_changes_only_their_lessons(db_url):
    seed(db_url, "demo")
    seed(db_url, "other")
    add_user(db_url, "ada", lessons=["demo"])
    add_user(db_url, "coord", role="admin")
    with client_for(db_url) as client:
        mine = submit(client, lesson="demo", comment="mine")
        theirs = submit(client, lesson="other", comment="theirs")
    with client_for(db_url) as author:
        login(author, "ada")
        assert shown(author) == {mine}
        assert shown(author, "?lesson=other") == set()
        page = author.get("/triage").text
        assert '<option>other</option>' not in page and "theirs" not in page
        for fmt in ("csv", "json", "md"):
            export = author.get(f"/triage/export.{fmt}").text
            assert "mine" in export and "theirs" not in export, fmt
        token = csrf(author, "/triage")
        refused = author.post(f"/triage/{theirs}", data={"csrf_token": token, "status": "done"})
        allowed = author.post(f"/triage/{mine}", data={"csrf_token": token, "status": "done"},
                              follow_redirects=False)
    assert refused.status_code == 404 and allowed.status_code == 303
    assert in_db(db_url, lambda s: (s.get(Feedback, mine).status, s.get(Feedback, theirs).status)) == ("done", "new")
    with client_for(db_url) as admin:
        login(admin, "coord")
        assert shown(admin) == {mine, theirs}
        token = csrf(admin, "/admin")
        granted = admin.post("/admin/access", data={"csrf_token": token, "username": "ada", "lessons": "other"},
                             follow_redirects=False)
        unknown = admin.post("/admin/access", data={"csrf_token": token, "username": "ada", "lessons": "nope"})
        assert granted.status_code == 303 and unknown.status_code == 422
    with client_for(db_url) as author:
        login(author, "ada")
        assert shown(author) == {mine, theirs}


def test_failed_logins_are_limited_per_account_across_addresses_and_workers(db_url):
    add_user(db_url, "ada")
    add_user(db_url, "bob")
    limits = {"rate_login_account": Rate(3, 600)}
    workers = [client_for(db_url, client=(f"198.51.100.{i}", 1000 + i), **limits) for i in range(4)]
    for worker in workers:
        worker.__enter__()
    try:
        def attempt(worker, username: str, password: str):
            token = csrf(worker, "/login")
            return worker.post("/login", data={"csrf_token": token, "username": username, "password": password},
                               follow_redirects=False)

        failures = [attempt(workers[i], "ada", "wrong password!").status_code for i in range(3)]
        blocked = attempt(workers[3], "ada", PASSWORD)  # the right password, from a fourth address and worker
        other = attempt(workers[3], "bob", PASSWORD).status_code
    finally:
        for worker in workers:
            worker.__exit__(None, None, None)
    assert failures == [401, 401, 401]
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert "Too many failed logins for this account" in blocked.text
    assert other == 303


def test_an_ipv6_slash_64_is_one_client(db_url):
    seed(db_url)
    limits = {"rate_feedback": Rate(2, 600)}
    same = [client_for(db_url, client=(f"2001:db8:5:6::{i}", 1), **limits) for i in (1, 2, 3)]
    neighbour = client_for(db_url, client=("2001:db8:5:7::1", 1), **limits)
    statuses = []
    for client in [*same, neighbour]:
        with client:
            statuses.append(client.post("/api/v1/feedback", json=widget_payload()).status_code)
    assert statuses == [201, 201, 429, 201]


def test_rate_limits_hold_across_workers(db_url):
    """Four workers over one database allow the limit once between them, not once each."""
    seed(db_url)
    workers = [client_for(db_url, rate_feedback=Rate(10, 3600)) for _ in range(4)]
    for worker in workers:
        worker.__enter__()

    def send(i: int) -> int:
        payload = widget_payload()
        for _ in range(100):  # as the widget does: a 503 (SQLite busy with another worker) is sent again
            status = workers[i % 4].post("/api/v1/feedback", json=payload).status_code
            if status != 503:
                return status
        return 503

    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(40)))
    finally:
        for worker in workers:
            worker.__exit__(None, None, None)
    assert statuses.count(201) == 10 and statuses.count(429) == 30
    assert len(in_db(db_url, lambda s: list(s.scalars(select(Feedback))))) == 10


def test_sessions_and_invitations_are_shared_by_workers(db_url):
    from feedbacksupport import open_round_with_invitation

    seed(db_url)
    add_user(db_url, "ada")
    _, invitation_id, token = open_round_with_invitation(db_url)
    with client_for(db_url) as one, client_for(db_url) as two:
        login(one, "ada")
        two.cookies.set("lk_session", one.cookies.get("lk_session"))
        assert two.get("/triage", follow_redirects=False).status_code == 200  # a session from worker one

        def use(worker) -> int:
            worker.get(f"/invite/{token}")
            form = csrf(worker, "/login")
            return worker.post(f"/invite/{token}", data={"csrf_token": form}, follow_redirects=False).status_code

        with client_for(db_url) as three, client_for(db_url) as four, ThreadPoolExecutor(2) as pool:
            used = sorted(pool.map(use, [three, four]))
    assert used == [303, 410]  # the one-time link works once, whichever worker is asked
    assert in_db(db_url, lambda s: s.get(Invitation, invitation_id).used_at) is not None
