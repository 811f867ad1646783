"""Authors' triage (login, filters, status, assignment, export) and the coordinator's admin pages."""

from __future__ import annotations

import csv
import io
import json
import re

from feedbacksupport import PASSWORD, add_user, client_for, csrf, in_db, login, seed, widget_payload
from sqlalchemy import select

from lessonkit.feedback.models import Feedback, Invitation, Lesson, ReviewRound, User, WebSession


def submit(client, **fields) -> int:
    response = client.post("/api/v1/feedback", json=widget_payload(**fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def item(db_url: str, feedback_id: int) -> Feedback:
    return in_db(db_url, lambda s: s.get(Feedback, feedback_id))


def test_triage_requires_login(db_url):
    with client_for(db_url) as client:
        page = client.get("/triage?status=new", follow_redirects=False)
        export = client.get("/triage/export.csv", follow_redirects=False)
        token = csrf(client, "/login")
        update = client.post("/triage/1", data={"csrf_token": token, "status": "done"})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Ftriage%3Fstatus%3Dnew"
    assert export.status_code == 303
    assert update.status_code == 401


def test_wrong_password_is_refused_and_right_one_logs_in(db_url):
    add_user(db_url, "author")
    with client_for(db_url) as client:
        token = csrf(client, "/login")
        wrong = client.post("/login", data={"csrf_token": token, "username": "author", "password": "nope nope nope"})
        nobody = client.post("/login", data={"csrf_token": token, "username": "ghost", "password": PASSWORD})
        right = client.post("/login", data={"csrf_token": token, "username": "author", "password": PASSWORD,
                                            "next": "https://evil.example/"}, follow_redirects=False)
    assert wrong.status_code == 401 and "do not match" in wrong.text
    assert nobody.status_code == 401
    assert right.status_code == 303 and right.headers["location"] == "/triage"  # no open redirect
    stored_hash = in_db(db_url, lambda s: s.scalar(select(User.password_hash)))
    assert PASSWORD not in stored_hash and stored_hash.startswith("scrypt$")


def test_login_form_needs_csrf_token(db_url):
    add_user(db_url, "author")
    with client_for(db_url) as client:
        client.get("/login")
        response = client.post("/login", data={"username": "author", "password": PASSWORD})
    assert response.status_code == 403


def test_logout_ends_the_session_on_the_server(db_url):
    add_user(db_url, "author")
    with client_for(db_url) as client:
        login(client, "author")
        cookie = client.cookies.get("lk_session")
        assert client.get("/triage").status_code == 200
        token = csrf(client, "/triage")
        assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert in_db(db_url, lambda s: list(s.scalars(select(WebSession)))) == []
    with client_for(db_url) as thief:
        thief.cookies.set("lk_session", cookie)
        assert thief.get("/triage", follow_redirects=False).status_code == 303


def test_filters_by_lesson_episode_status_category(db_url):
    seed(db_url)
    seed(db_url, "other")
    add_user(db_url, "author")
    with client_for(db_url) as client:
        a = submit(client, page="loops", comment="alpha text", category="unclear")
        b = submit(client, page="introduction", comment="bravo text", category="content-error")
        c = submit(client, lesson="other", page="loops", comment="charlie text")
        login(client, "author")
        token = csrf(client, "/triage")
        client.post(f"/triage/{b}", data={"csrf_token": token, "status": "accepted"})

        def shown(query: str) -> set[int]:
            page = client.get("/triage" + query)
            assert page.status_code == 200
            return {int(n) for n in re.findall(r'id="item-(\d+)"', page.text)}

        assert shown("") == {a, b, c}
        assert shown("?lesson=demo") == {a, b}
        assert shown("?page=loops") == {a, c}
        assert shown("?lesson=demo&page=loops") == {a}
        assert shown("?status=accepted") == {b}
        assert shown("?status=new") == {a, c}
        assert shown("?category=unclear") == {a}
        assert shown("?source=review") == set()
        bad = client.get("/triage?status=maybe")
        assert bad.status_code == 400 and "Unknown status" in bad.text


def test_status_and_assignment(db_url):
    seed(db_url)
    add_user(db_url, "author")
    add_user(db_url, "helper")
    with client_for(db_url) as client:
        feedback_id = submit(client)
        login(client, "author")
        token = csrf(client, "/triage")
        response = client.post(f"/triage/{feedback_id}", data={"csrf_token": token, "status": "accepted",
                                                              "assignee": "helper", "next": "/triage?status=new"},
                               follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/triage?status=new"
        assert (item(db_url, feedback_id).status, item(db_url, feedback_id).assignee_id) == ("accepted", 2)
        assert "helper" in client.get("/triage?assignee=helper").text
        assert f'id="item-{feedback_id}"' not in client.get("/triage?assignee=none").text
        client.post(f"/triage/{feedback_id}", data={"csrf_token": token, "status": "done", "assignee": ""})
        assert (item(db_url, feedback_id).status, item(db_url, feedback_id).assignee_id) == ("done", None)
        bad_status = client.post(f"/triage/{feedback_id}", data={"csrf_token": token, "status": "finished"})
        bad_user = client.post(f"/triage/{feedback_id}", data={"csrf_token": token, "assignee": "nobody"})
        missing = client.post("/triage/99999", data={"csrf_token": token, "status": "done"})
        offsite = client.post(f"/triage/{feedback_id}", data={"csrf_token": token, "status": "declined",
                                                             "next": "//evil.example/"}, follow_redirects=False)
    assert bad_status.status_code == 422 and bad_user.status_code == 422 and missing.status_code == 404
    assert offsite.headers["location"] == "/triage"
    assert item(db_url, feedback_id).status == "declined"


def test_exports_csv_json_markdown(db_url):
    seed(db_url)
    add_user(db_url, "author")
    nasty = "=HYPERLINK(\"http://x\")\n@maintainer see #12 <img src=x onerror=alert(1)> **bold**"
    with client_for(db_url) as client:
        first = submit(client, comment=nasty, category="content-error", page="loops", page_title="Loops",
                       section="for", section_title="For loops")
        submit(client, comment="fine", lesson="demo", page="introduction", rating=5)
        login(client, "author")
        as_csv = client.get("/triage/export.csv?page=loops")
        as_json = client.get("/triage/export.json")
        as_md = client.get("/triage/export.md?page=loops")
        unknown = client.get("/triage/export.xml")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 1 and rows[0]["id"] == str(first)
    assert rows[0]["comment"].startswith("'=HYPERLINK")  # no formula runs in a spreadsheet
    assert "\n'@maintainer" in rows[0]["comment"]  # nor one on the comment's next line
    data = json.loads(as_json.text)
    assert data["count"] == 2 and {r["comment"] for r in data["feedback"]} == {nasty, "fine"}
    md = as_md.text
    assert md.startswith("## Content error\\: Loops › For loops")
    assert "**Category:** Content error" in md and "`#for`" in md
    assert "@maintainer" not in md and "@\u2060maintainer" in md
    assert "<img" not in md.replace("\\<img", "") and "\\<img" in md
    assert "#12" not in md and "#\u206012" in md
    assert "> " in md
    assert unknown.status_code == 404


def test_admin_pages_are_for_admins_only(db_url):
    seed(db_url)
    add_user(db_url, "author")
    with client_for(db_url) as anonymous:
        assert anonymous.get("/admin", follow_redirects=False).status_code == 303
        token = csrf(anonymous, "/login")
        assert anonymous.post("/admin/rounds", data={"csrf_token": token, "lesson": "demo",
                                                     "title": "x"}).status_code == 401
    with client_for(db_url) as author:
        login(author, "author")
        token = csrf(author, "/triage")
        assert author.get("/admin").status_code == 403
        for path, data in [("/admin/rounds", {"lesson": "demo", "title": "x"}),
                           ("/admin/users", {"username": "evil", "password": "x" * 12, "role": "admin"}),
                           ("/admin/lessons", {"lesson": "hijack", "sites": "https://evil.example"}),
                           ("/admin/questionnaires", {"yaml": "id: x"})]:
            assert author.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert in_db(db_url, lambda s: (s.scalar(select(ReviewRound)), s.scalar(select(User).where(
        User.username == "evil")), s.get(Lesson, "hijack"))) == (None, None, None)


def test_admin_opens_round_invites_and_revokes(db_url):
    seed(db_url)
    add_user(db_url, "coord", role="admin")
    with client_for(db_url, public_url="https://feedback.example.org") as admin:
        login(admin, "coord")
        token = csrf(admin, "/admin")
        assert admin.post("/admin/rounds", data={"csrf_token": token, "lesson": "demo", "title": "Sprint"},
                          follow_redirects=False).status_code == 303
        round_id = in_db(db_url, lambda s: s.scalar(select(ReviewRound.id)))
        # The link is made from the configured public address, whatever Host the request names.
        page = admin.post(f"/admin/rounds/{round_id}/invitations",
                          data={"csrf_token": token, "name": "Dr Who", "email": "who@example.org"},
                          headers={"Host": "attacker.example"})
        assert page.status_code == 200
        link = re.search(r'id="new-link" readonly value="([^"]+)"', page.text)[1]
        assert link.startswith("https://feedback.example.org/invite/")
        assert "attacker" not in page.text
        link = link.removeprefix("https://feedback.example.org")
        with client_for(db_url) as reviewer:
            assert reviewer.get(link).status_code == 200
        invitation_id = in_db(db_url, lambda s: s.scalar(select(Invitation.id)))
        assert admin.post(f"/admin/invitations/{invitation_id}/revoke", data={"csrf_token": token},
                          follow_redirects=False).status_code == 303
        with client_for(db_url) as reviewer:
            assert reviewer.get(link).status_code == 410
        overview = admin.get("/admin").text
        assert "Dr Who" in overview and "withdrawn" in overview
        bad = admin.post("/admin/rounds", data={"csrf_token": token, "lesson": "nope", "title": "x"})
        assert bad.status_code == 422 and "no lesson" in bad.text
        assert admin.post(f"/admin/rounds/{round_id}/close", data={"csrf_token": token},
                          follow_redirects=False).status_code == 303
        closed = admin.post(f"/admin/rounds/{round_id}/invitations", data={"csrf_token": token, "name": "Late"})
        assert closed.status_code == 422 and "closed" in closed.text


def test_admin_adds_users_lessons_and_questionnaires(db_url):
    add_user(db_url, "coord", role="admin")
    with client_for(db_url) as admin:
        login(admin, "coord")
        token = csrf(admin, "/admin")
        ok = admin.post("/admin/users", data={"csrf_token": token, "username": "newbie", "password": "x" * 12,
                                              "role": "author"}, follow_redirects=False)
        short = admin.post("/admin/users", data={"csrf_token": token, "username": "shorty", "password": "short"})
        lesson = admin.post("/admin/lessons", data={"csrf_token": token, "lesson": "py-intro", "title": "Python",
                                                    "sites": "https://Example.org/py-intro/ http://127.0.0.1:8000"},
                            follow_redirects=False)
        bad_site = admin.post("/admin/lessons", data={"csrf_token": token, "lesson": "x", "sites": "ftp://x"})
        yaml_text = "id: quick\ntitle: Quick poll\nquestions:\n  - {id: q1, type: likert, text: 'Good?'}\n"
        loaded = admin.post("/admin/questionnaires", data={"csrf_token": token, "yaml": yaml_text},
                            follow_redirects=False)
        broken = admin.post("/admin/questionnaires", data={"csrf_token": token, "yaml": "id: [unclosed"})
        closed = admin.post("/admin/questionnaires/quick/open", data={"csrf_token": token, "open": "0"},
                            follow_redirects=False)
        form = admin.get("/q/quick")
    assert ok.status_code == 303 and short.status_code == 422 and "at least 10" in short.text
    assert lesson.status_code == 303 and bad_site.status_code == 422
    assert in_db(db_url, lambda s: s.get(Lesson, "py-intro").origins) == ["https://example.org",
                                                                          "http://127.0.0.1:8000"]
    assert loaded.status_code == 303
    assert broken.status_code == 422 and "not valid YAML" in broken.text
    assert closed.status_code == 303 and form.status_code == 410
    with client_for(db_url) as newbie:
        login(newbie, "newbie", "x" * 12)
        assert newbie.get("/triage").status_code == 200


def test_login_attempts_are_rate_limited_per_address(db_url):
    from lessonkit.feedback.ratelimit import Rate

    add_user(db_url, "author")
    with client_for(db_url, rate_login=Rate(3, 60)) as client:
        token = csrf(client, "/login")
        answers = [client.post("/login", data={"csrf_token": token, "username": "author",
                                               "password": "wrong password!"}).status_code for _ in range(3)]
        blocked = client.post("/login", data={"csrf_token": token, "username": "author", "password": PASSWORD})
    assert answers == [401, 401, 401]
    assert blocked.status_code == 429 and "Too many requests" in blocked.text
    assert int(blocked.headers["retry-after"]) >= 1


def test_triage_pages_through_long_lists(db_url):
    seed(db_url)
    add_user(db_url, "author")
    with client_for(db_url) as client:
        for i in range(105):
            submit(client, comment=f"item {i}")
        login(client, "author")
        first = client.get("/triage").text
        second = client.get("/triage?p=2").text
        silly = client.get("/triage?p=-3")
    assert len(re.findall(r'id="item-\d+"', first)) == 100 and "Next page" in first
    assert len(re.findall(r'id="item-\d+"', second)) == 5 and "Next page" not in second
    assert "105 items" in first
    assert silly.status_code == 200
