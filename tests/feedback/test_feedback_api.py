"""The widget's JSON API, against SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from feedbacksupport import SITE, client_for, in_db, seed, widget_payload
from sqlalchemy import func, select

from lessonkit.feedback.models import Feedback
from lessonkit.feedback.ratelimit import Rate


def stored(db_url: str) -> list[Feedback]:
    return in_db(db_url, lambda s: list(s.scalars(select(Feedback).order_by(Feedback.id))))


def test_home_page_answers_200(db_url):
    with client_for(db_url) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert "<h1>Lesson feedback</h1>" in response.text


def test_health_names_the_database(db_url):
    with client_for(db_url) as client:
        body = client.get("/api/v1/health").json()
    assert body == {"ok": True, "database": db_url.split(":")[0]}


def test_widget_submission_is_stored(db_url):
    seed(db_url)
    payload = widget_payload()
    with client_for(db_url) as client:
        response = client.post("/api/v1/feedback", json=payload, headers={"Origin": SITE})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == SITE
    [row] = stored(db_url)
    assert response.json()["id"] == row.id
    assert (row.client_id, row.lesson_id, row.page, row.section, row.section_title, row.rating, row.comment,
            row.source, row.status) == (payload["client_id"], "demo", "introduction", "why", "Why bother?", 4,
                                        "Clear and useful.", "widget", "new")


def test_the_same_client_id_is_stored_once(db_url):
    seed(db_url)
    payload = widget_payload()
    with client_for(db_url) as client:
        first = client.post("/api/v1/feedback", json=payload)
        again = [client.post("/api/v1/feedback", json=payload) for _ in range(3)]
    assert first.status_code == 201
    assert {r.status_code for r in again} == {200}
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    assert all(r.json()["duplicate"] for r in again)
    assert len(stored(db_url)) == 1


def test_reusing_a_client_id_for_other_content_is_refused(db_url):
    seed(db_url)
    payload = widget_payload()
    with client_for(db_url) as client:
        assert client.post("/api/v1/feedback", json=payload).status_code == 201
        response = client.post("/api/v1/feedback", json={**payload, "comment": "Something else"})
    assert response.status_code == 409
    assert [row.comment for row in stored(db_url)] == ["Clear and useful."]


def test_rating_without_comment_and_comment_without_rating_are_accepted(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        a = client.post("/api/v1/feedback", json=widget_payload(comment="", section="", section_title=""))
        b = client.post("/api/v1/feedback", json=widget_payload(rating=None))
    assert (a.status_code, b.status_code) == (201, 201)
    assert [(r.rating, r.comment, r.section) for r in stored(db_url)] == [(4, "", ""),
                                                                          (None, "Clear and useful.", "why")]


@pytest.mark.parametrize(("change", "field"), [
    ({"rating": 6}, "rating"),
    ({"rating": 0}, "rating"),
    ({"rating": "five"}, "rating"),
    ({"rating": True}, "rating"),
    ({"client_id": "short"}, "client_id"),
    ({"client_id": "has spaces in it"}, "client_id"),
    ({"lesson": "../etc"}, "lesson"),
    ({"page": ""}, "page"),
    ({"comment": "x" * 4001}, "comment"),
    ({"comment": 42}, "comment"),
    ({"rating": None, "comment": "   "}, "comment"),
    ({"category": "rant"}, "category"),
    ({"page_title": "t" * 301}, "page_title"),
])
def test_invalid_submissions_get_a_422_naming_the_field(db_url, change, field):
    seed(db_url)
    with client_for(db_url) as client:
        response = client.post("/api/v1/feedback", json=widget_payload(**change))
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert response.json()["error"]
    assert stored(db_url) == []


def test_unknown_fields_and_non_objects_are_refused(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        extra = client.post("/api/v1/feedback", json=widget_payload(admin=True))
        listed = client.post("/api/v1/feedback", json=[widget_payload()])
    assert extra.status_code == 422 and "admin" in extra.json()["error"]
    assert listed.status_code == 422


def test_unknown_lesson_is_404(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        response = client.post("/api/v1/feedback", json=widget_payload(lesson="other"))
    assert response.status_code == 404
    assert "other" in response.json()["error"]


def test_body_limits_content_type_and_json_errors(db_url):
    seed(db_url)
    with client_for(db_url, max_json_body=2048) as client:
        big = client.post("/api/v1/feedback", content=json.dumps(widget_payload(comment="y" * 3000)),
                          headers={"Content-Type": "application/json"})
        form = client.post("/api/v1/feedback", data={"comment": "x"})
        broken = client.post("/api/v1/feedback", content=b"{not json",
                             headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "2048" in big.json()["error"]
    assert form.status_code == 415
    assert broken.status_code == 400
    assert stored(db_url) == []


def test_cors_preflight_allows_the_lesson_site_only(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        ok = client.options("/api/v1/feedback", headers={"Origin": SITE, "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type"})
        bad = client.options("/api/v1/feedback", headers={"Origin": "https://evil.example",
                                                           "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == SITE
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "content-type" in ok.headers["access-control-allow-headers"].lower()
    assert bad.status_code == 403
    assert "access-control-allow-origin" not in bad.headers


def test_post_from_another_origin_is_refused_and_not_stored(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        response = client.post("/api/v1/feedback", json=widget_payload(), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert stored(db_url) == []


def test_a_lesson_site_cannot_send_feedback_for_another_lesson(db_url):
    seed(db_url, "demo", ("https://demo.example",))
    seed(db_url, "other", ("https://other.example",))
    with client_for(db_url) as client:
        response = client.post("/api/v1/feedback", json=widget_payload(lesson="other"),
                               headers={"Origin": "https://demo.example"})
    assert response.status_code == 403
    assert stored(db_url) == []


def test_service_wide_allowed_origin(db_url):
    seed(db_url, sites=())
    with client_for(db_url, allow_origins=frozenset({"http://127.0.0.1:8000"})) as client:
        response = client.post("/api/v1/feedback", json=widget_payload(), headers={"Origin": "http://127.0.0.1:8000"})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"


def test_lessons_added_while_running_are_allowed_after_the_refresh(db_url):
    with client_for(db_url, origin_refresh_seconds=0.05) as client:
        before = client.options("/api/v1/feedback", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
        seed(db_url)
        import time

        deadline = time.monotonic() + 5
        while True:
            after = client.options("/api/v1/feedback",
                                   headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
            if after.status_code == 204 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert before.status_code == 403
    assert after.status_code == 204


def test_per_ip_rate_limit_answers_429_with_retry_after(db_url):
    seed(db_url)
    with client_for(db_url, rate_feedback=Rate(3, 60)) as client:
        answers = [client.post("/api/v1/feedback", json=widget_payload()) for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert int(answers[3].headers["retry-after"]) >= 1
    assert len(stored(db_url)) == 3


def test_stored_script_is_escaped_in_the_triage_page(db_url):
    from feedbacksupport import add_user, login

    seed(db_url)
    add_user(db_url, "author")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with client_for(db_url) as client:
        assert client.post("/api/v1/feedback", json=widget_payload(comment=attack,
                                                                   section_title=attack)).status_code == 201
        login(client, "author")
        page = client.get("/triage").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_api_errors_are_json_and_unknown_routes_404(db_url):
    with client_for(db_url) as client:
        missing = client.get("/api/v1/nothing")
        wrong_method = client.get("/api/v1/feedback")
        page = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.json()["error"]
    assert wrong_method.status_code == 405
    assert page.status_code == 404 and "There is nothing at this address" in page.text


def test_count_matches_distinct_client_ids(db_url):
    seed(db_url)
    payloads = [widget_payload() for _ in range(20)]
    with client_for(db_url) as client:
        for p in payloads + payloads[:7]:
            assert client.post("/api/v1/feedback", json=p).status_code in (200, 201)
    total = in_db(db_url, lambda s: s.scalar(select(func.count()).select_from(Feedback)))
    assert total == 20
