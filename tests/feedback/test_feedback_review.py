"""Review rounds: one-time invitation links, reviewer comments, revocation."""

from __future__ import annotations

import re

from feedbacksupport import client_for, csrf, in_db, open_round_with_invitation, seed
from sqlalchemy import select

from lessonkit.feedback import auth, rounds
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Feedback, Invitation, WebSession

PAGES = [("introduction", "Introduction", [("why", "Why bother?"), ("how", "How it works")]),
         ("loops", "Loops", [("for", "For loops")])]


def start_review(client, token: str):
    client.get(f"/invite/{token}")
    form_token = csrf(client, "/login")
    return client.post(f"/invite/{token}", data={"csrf_token": form_token}, follow_redirects=False)


def review_form(client) -> dict[str, str]:
    page = client.get("/review")
    assert page.status_code == 200, page.text
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1],
            "client_id": re.search(r'name="client_id" value="([^"]+)"', page.text)[1]}


def comments(db_url: str) -> list[Feedback]:
    return in_db(db_url, lambda s: list(s.scalars(select(Feedback).order_by(Feedback.id))))


def test_invitation_link_works_once_and_needs_no_password(db_url):
    seed(db_url, pages=PAGES)
    _, _, token = open_round_with_invitation(db_url)
    with client_for(db_url) as reviewer, client_for(db_url) as someone_else:
        landing = reviewer.get(f"/invite/{token}")
        assert landing.status_code == 200 and "Start reviewing" in landing.text
        # Looking at the link does not use it up.
        assert reviewer.get(f"/invite/{token}").status_code == 200
        started = start_review(reviewer, token)
        assert started.status_code == 303 and started.headers["location"] == "/review"
        assert "lk_session" in started.headers["set-cookie"] and "HttpOnly" in started.headers["set-cookie"]
        page = reviewer.get("/review")
        assert page.status_code == 200 and "Rev Iewer" in page.text and "For loops" in page.text
        # The link is spent: nobody else can use it.
        again = someone_else.get(f"/invite/{token}")
        assert again.status_code == 410 and "already been used" in again.text
        assert start_review(someone_else, token).status_code == 410
        assert someone_else.get("/review").status_code == 403


def test_tokens_are_long_random_and_stored_only_as_hashes(db_url):
    seed(db_url)
    tokens = [open_round_with_invitation(db_url)[2] for _ in range(3)]
    assert len(set(tokens)) == 3
    assert all(len(t) >= 43 for t in tokens)  # 256 bits, url-safe base64
    hashes = in_db(db_url, lambda s: list(s.scalars(select(Invitation.token_hash))))
    assert sorted(hashes) == sorted(auth.token_hash(t) for t in tokens)
    assert not set(tokens) & set(hashes)


def test_unknown_invitation_link_is_404(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        assert client.get("/invite/not-a-real-token").status_code == 404
        assert client.get("/invite/" + "x" * 300).status_code == 404


def test_reviewer_comments_per_episode_and_section_with_category(db_url):
    seed(db_url, pages=PAGES)
    round_id, invitation_id, token = open_round_with_invitation(db_url)
    with client_for(db_url) as reviewer:
        start_review(reviewer, token)
        form = review_form(reviewer)
        response = reviewer.post("/review", data={**form, "page": "introduction", "section": "introduction#how",
                                                  "category": "unclear", "comment": "Step 2 <b>skips</b> a lot."},
                                 follow_redirects=False)
        assert response.status_code == 303
        # Sending the same form twice (double click, reload) stores it once.
        assert reviewer.post("/review", data={**form, "page": "introduction", "section": "introduction#how",
                                              "category": "unclear", "comment": "Step 2 <b>skips</b> a lot."},
                             follow_redirects=False).status_code == 303
        page = reviewer.get("/review?saved=1").text
    [row] = comments(db_url)
    assert (row.source, row.round_id, row.invitation_id, row.lesson_id, row.page, row.page_title, row.section,
            row.section_title, row.category, row.comment) == (
        "review", round_id, invitation_id, "demo", "introduction", "Introduction", "how", "How it works",
        "unclear", "Step 2 <b>skips</b> a lot.")
    assert "Step 2 &lt;b&gt;skips&lt;/b&gt; a lot." in page
    assert "Your comment was saved." in page


def test_reviewer_form_errors_are_422_and_keep_the_text(db_url):
    seed(db_url, pages=PAGES)
    _, _, token = open_round_with_invitation(db_url)
    with client_for(db_url) as reviewer:
        start_review(reviewer, token)
        cases = [
            ({"page": "introduction", "section": "", "category": "rant", "comment": "text one"}, "category"),
            ({"page": "nowhere", "section": "", "category": "other", "comment": "text two"}, "episode"),
            ({"page": "loops", "section": "introduction#why", "category": "other", "comment": "text three"},
             "not in the episode"),
            ({"page": "loops", "section": "", "category": "other", "comment": "   "}, "comment is required"),
        ]
        for data, message in cases:
            response = reviewer.post("/review", data={**review_form(reviewer), **data})
            assert response.status_code == 422, data
            assert message in response.text
            if data["comment"].strip():
                assert data["comment"] in response.text
    assert comments(db_url) == []


def test_reviewer_without_episode_list_types_the_episode(db_url):
    seed(db_url)
    _, _, token = open_round_with_invitation(db_url)
    with client_for(db_url) as reviewer:
        start_review(reviewer, token)
        response = reviewer.post("/review", data={**review_form(reviewer), "page": "setup", "section": "Installing",
                                                  "category": "accessibility", "comment": "Alt text missing."},
                                 follow_redirects=False)
    assert response.status_code == 303
    [row] = comments(db_url)
    assert (row.page, row.section_title, row.category) == ("setup", "Installing", "accessibility")


def test_comment_form_needs_a_csrf_token(db_url):
    seed(db_url, pages=PAGES)
    _, _, token = open_round_with_invitation(db_url)
    with client_for(db_url) as reviewer:
        start_review(reviewer, token)
        form = review_form(reviewer)
        data = {"page": "loops", "category": "other", "comment": "hi", "client_id": form["client_id"]}
        missing = reviewer.post("/review", data=data)
        forged = reviewer.post("/review", data={**data, "csrf_token": "0" * 64})
    assert missing.status_code == 403 and forged.status_code == 403
    assert comments(db_url) == []


def test_invitation_use_needs_a_csrf_token(db_url):
    seed(db_url)
    _, _, token = open_round_with_invitation(db_url)
    with client_for(db_url) as client:
        client.get("/")
        assert client.post(f"/invite/{token}", data={"go": "1"}).status_code == 403
        assert client.post(f"/invite/{token}", data={"csrf_token": "x" * 64}).status_code == 403
        # The link is still usable afterwards.
        assert start_review(client, token).status_code == 303


def test_revoking_an_invitation_ends_the_reviewers_access(db_url):
    seed(db_url, pages=PAGES)
    _, invitation_id, token = open_round_with_invitation(db_url)
    _, unused_id, unused_token = open_round_with_invitation(db_url, name="Second")
    with client_for(db_url) as reviewer:
        start_review(reviewer, token)
        form = review_form(reviewer)
        database = Database(db_url)
        with database.write() as session:
            auth.revoke_invitation(session, invitation_id)
            auth.revoke_invitation(session, unused_id)
        database.dispose()
        response = reviewer.post("/review", data={**form, "page": "loops", "category": "other", "comment": "late"})
        assert response.status_code == 403
        assert reviewer.get("/review").status_code == 403
    with client_for(db_url) as other:
        assert other.get(f"/invite/{unused_token}").status_code == 410
        assert "withdrawn" in other.get(f"/invite/{unused_token}").text
    assert in_db(db_url, lambda s: s.scalar(select(WebSession).where(WebSession.invitation_id == invitation_id))) \
        is None
    assert comments(db_url) == []


def test_closed_round_takes_no_more_comments(db_url):
    seed(db_url, pages=PAGES)
    round_id, _, token = open_round_with_invitation(db_url)
    database = Database(db_url)
    with database.write() as session:
        _, second = auth.create_invitation(session, round_id, "Late")
    database.dispose()
    with client_for(db_url) as reviewer:
        start_review(reviewer, token)
        form = review_form(reviewer)
        database = Database(db_url)
        with database.write() as session:
            rounds.close_round(session, round_id)
        database.dispose()
        response = reviewer.post("/review", data={**form, "page": "loops", "category": "other", "comment": "late"})
        assert response.status_code == 403 and "closed" in response.text
    with client_for(db_url) as late:
        landing = late.get(f"/invite/{second}")
        assert landing.status_code == 410 and "closed" in landing.text
        assert start_review(late, second).status_code == 410
    assert comments(db_url) == []
