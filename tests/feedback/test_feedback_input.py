"""Every request gets an answer with a message, never a 5xx (issue #11 items 5 and 13).

The named cases first, then a hypothesis-driven fuzz test of every route on
SQLite and PostgreSQL, as an anonymous visitor, a reviewer, an author and an
admin.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from feedbacksupport import (
    SITE,
    add_user,
    client_for,
    csrf,
    in_db,
    login,
    open_round_with_invitation,
    seed,
    widget_payload,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.routing import Route

from lessonkit.feedback import questionnaires
from lessonkit.feedback.app import create_app
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Feedback, QuestionnaireResponse
from lessonkit.feedback.validation import CONVERTORS, json_depth

QUESTIONNAIRE = ("id: poll\ntitle: Poll\nquestions:\n"
                 "  - {id: why, type: text, text: 'Why?', multiline: true}\n"
                 "  - {id: name, type: text, text: 'Name?'}\n"
                 "  - {id: hours, type: scale, text: 'Hours?', min: 0, max: 10}\n")


def post_json(client, body: str | bytes):
    return client.post("/api/v1/feedback", content=body if isinstance(body, bytes) else body.encode(),
                       headers={"Content-Type": "application/json", "Origin": SITE})


def assert_refused(response, status_range=(400, 499)):
    assert status_range[0] <= response.status_code <= status_range[1], (response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        assert response.json()["error"]
    else:
        assert 'class="error"' in response.text or "<h1>" in response.text


@pytest.mark.parametrize("body", [
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    json.dumps(widget_payload(category=["unclear"])),
    json.dumps(widget_payload(category={"x": 1})),
    json.dumps(widget_payload(rating="²")),
    json.dumps(widget_payload(rating="٣")),
    json.dumps(widget_payload(rating=10 ** 30)),
    json.dumps(widget_payload(comment="\ud800 lone")),
    json.dumps(widget_payload(page_title="\udfff")),
    json.dumps({**widget_payload(), "\ud800": 1}),
    json.dumps(widget_payload(lesson="demo\x00")),
    json.dumps(widget_payload(client_id="abcdefgh\x00")),
    json.dumps(widget_payload(rating=float("nan"))),
    '{"rating": NaN}',
    "\ufeff" + json.dumps(widget_payload()),
])
def test_malformed_widget_bodies_get_a_4xx_with_a_message(db_url, body):
    seed(db_url)
    with client_for(db_url) as client:
        response = post_json(client, body)
    assert_refused(response)
    assert in_db(db_url, lambda s: list(s.scalars(select(Feedback)))) == []


def test_control_characters_are_cleaned_from_widget_text(db_url):
    seed(db_url)
    with client_for(db_url) as client:
        response = post_json(client, json.dumps(widget_payload(comment="a\x00b\x1b[31mc\u0085d\r\ne",
                                                               page_title="t\x00i\x07tle")))
    assert response.status_code == 201
    [row] = in_db(db_url, lambda s: list(s.scalars(select(Feedback))))
    assert (row.comment, row.page_title) == ("ab[31mcd\ne", "title")


def test_json_depth_is_measured_without_recursion():
    assert json_depth('{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth("[" * 100_000) == 100_000


def test_nul_in_login_name_path_and_query_is_a_4xx(db_url):
    seed(db_url)
    add_user(db_url, "author")
    with client_for(db_url) as client:
        token = csrf(client, "/login")
        nul_login = client.post("/login", data={"csrf_token": token, "username": "auth\x00or",
                                                "password": "whatever password"})
        nul_path = client.get("/q/poll%00")
        nul_invite = client.get("/invite/abc%00def")
        login(client, "author")
        cleaned = [client.get(path) for path in ("/triage?lesson=demo%00", "/triage?page=%00",
                                                 "/triage?assignee=a%00b", "/triage/export.csv?lesson=%00x")]
        refused = [client.get(path) for path in ("/triage?lesson=de%20mo", "/triage?page=%60x%60",
                                                 "/triage/export.md?lesson=a%2Fb", "/triage?status=maybe")]
        pages = [client.get(f"/triage?p={quote(p)}") for p in ("²", "٣", "-3", "99999999999999999999", "1e3")]
        rounds = [client.get(f"/triage?round={quote(r)}") for r in ("²", "٣", "99999999999999999999", "x")]
        token = csrf(client, "/triage")
        item = client.post("/triage/%C2%B2", data={"csrf_token": token, "status": "done"})
        huge = client.post("/triage/99999999999999999999", data={"csrf_token": token, "status": "done"})
    assert nul_login.status_code == 401  # the NUL is cleaned away: just a wrong name
    assert nul_path.status_code == 404 and nul_invite.status_code == 404
    assert [r.status_code for r in cleaned] == [200] * 4  # NUL is cleaned from every query value
    for response in refused:
        assert_refused(response)
    assert {p.status_code for p in pages} == {200}  # a page number out of range shows the first page
    for response in rounds:
        assert_refused(response)
    assert item.status_code == 404 and huge.status_code == 404


def test_questionnaire_answers_are_cleaned_like_widget_text(db_url):
    """Issue #11 item 13: answers kept NUL and control characters."""
    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        questionnaires.install(session, questionnaires.load_yaml(QUESTIONNAIRE))
    database.dispose()
    with client_for(db_url) as client:
        page = client.get("/q/poll").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        client_id = re.search(r'name="client_id" value="([^"]+)"', page)[1]
        response = client.post("/q/poll", data={"csrf_token": token, "client_id": client_id,
                                                "q-why": "line\x00one\r\nline\x1btwo\x7f", "q-name": "A\x00da\tL",
                                                "q-hours": "٣"}, follow_redirects=False)
        assert response.status_code == 422  # an Arabic-Indic digit is not a number here
        response = client.post("/q/poll", data={"csrf_token": token, "client_id": client_id,
                                                "q-why": "line\x00one\r\nline\x1btwo\x7f", "q-name": "A\x00da\tL",
                                                "q-hours": "3"}, follow_redirects=False)
    assert response.status_code == 303
    [answers] = in_db(db_url, lambda s: list(s.scalars(select(QuestionnaireResponse.answers))))
    assert answers == {"why": "lineone\nlinetwo", "name": "Ada L", "hours": 3}


def test_every_path_parameter_has_a_typed_convertor():
    app = create_app()
    for route in app.routes:
        if isinstance(route, Route):
            for name, convertor in route.param_convertors.items():
                assert convertor in CONVERTORS.values(), f"{route.path}: {{{name}}} is not typed"


# --- the fuzz test ---------------------------------------------------------------------------------

NASTY = ["", "\x00", "²", "٣", "\ud800", "\udfff", "`", "\u2028", "-1", "0", "1", "99999999999999999999",
         "../etc/passwd", "%00", "demo", "introduction", "unclear", "accepted", "none", "admin", "x" * 300,
         "<script>", "'; DROP TABLE feedback; --", "1e9", "NaN", "true"]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                 st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=20))
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                           max_leaves=12)
WIDGET_FIELDS = ["client_id", "lesson", "page", "page_title", "section", "section_title", "rating", "category",
                 "comment"]
FORM_FIELDS = ["csrf_token", "client_id", "page", "section", "category", "comment", "username", "password",
               "next", "status", "assignee", "lesson", "title", "sites", "name", "email", "role", "yaml", "open",
               "lessons", "withdraw", "q-why", "q-name", "q-hours",
               # workshops, registrations, sign-in and surveys
               "affiliation", "career_stage", "accessibility", "consent_contact", "code", "anonymous", "items",
               "q-find_help", "q-recommend", "q-hopes", "q-improve", "q-experience", "q-ws_pace", "q-ws_laptop"]


def _path_values(convertor_name: str, known: dict) -> st.SearchStrategy[str]:
    """Mostly values that exist (so the request reaches the handler), else anything."""
    existing = st.sampled_from(known.get(convertor_name, ["1"]))
    return st.one_of(existing, existing, TEXT)


@st.composite
def requests(draw, routes, known):
    route = draw(st.sampled_from(routes))
    method = draw(st.sampled_from([*sorted(route.methods - {"HEAD"}), "PUT"]))
    path = route.path
    for name, convertor in route.param_convertors.items():
        kind = next(k for k, v in CONVERTORS.items() if v is convertor)
        value = draw(_path_values(kind, known))
        encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
        path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", encoded.replace("\\", "\\\\"), path)
    query = draw(st.dictionaries(st.sampled_from(["lesson", "page", "status", "category", "source", "assignee",
                                                  "round", "p", "next", "saved", "also", "new", "cancelled"]),
                                 TEXT, max_size=4))
    query_string = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                            for k, v in query.items())
    kind = draw(st.sampled_from(["none", "json", "json-widget", "form", "raw"]))
    headers = {"Origin": SITE} if draw(st.booleans()) else {}
    content = b""
    if kind == "json":
        content = json.dumps(draw(JSON_VALUES)).encode()
        headers["Content-Type"] = "application/json"
    elif kind == "json-widget":
        payload = draw(st.fixed_dictionaries({}, optional={name: JSON_VALUES for name in WIDGET_FIELDS}))
        content = json.dumps({**widget_payload(), **payload}).encode()
        headers["Content-Type"] = "application/json"
    elif kind == "form":
        fields = draw(st.dictionaries(st.sampled_from(FORM_FIELDS), TEXT, max_size=8))
        fields.setdefault("csrf_token", "CSRF")
        content = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
                           for k, v in fields.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif kind == "raw":
        content = draw(st.binary(max_size=64))
        headers["Content-Type"] = draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                                        "text/plain"]))
    who = draw(st.sampled_from(["anonymous", "reviewer", "author", "admin"]))
    return who, method, path + ("?" + query_string if query_string else ""), headers, content


WORKSHOP_PREFIXES = ("/workshops", "/registration", "/sign-in", "/admin/workshops", "/survey-assets")


class FuzzWorld:
    """A service with something behind every route: a lesson with a page, an author and an admin, a review
    round with a redeemed invitation (the reviewer) and a spare one, a questionnaire, a published workshop
    with its own survey questions, a registration, sign-in codes and a survey answer; the author organises
    the workshop. One test client per role, logged in."""

    def __init__(self, db_url: str, tmp_path) -> None:
        from surveysupport import all_items, answer, publish_workshop
        from workshopsupport import person, register, registration_token

        from lessonkit.feedback.workshops import store

        seed(db_url, pages=[("introduction", "Introduction", [("why", "Why")])])
        add_user(db_url, "author")
        add_user(db_url, "coord", role="admin")
        round_id, invitation_id, token = open_round_with_invitation(db_url)
        _, _, spare = open_round_with_invitation(db_url, name="Spare")
        database = Database(db_url)
        with database.write() as session:
            questionnaires.install(session, questionnaires.load_yaml(QUESTIONNAIRE))
        database.dispose()
        workshop_id = publish_workshop(db_url, tmp_path, "ws-one", own_questions=True, capacity=2)
        codes = in_db(db_url, lambda s: [w.sign_in_code for w in store.sessions_of(s, workshop_id)])
        self.clients = {who: client_for(db_url, outbox=str(tmp_path / "outbox"))
                        for who in ("anonymous", "reviewer", "author", "admin")}
        for client in self.clients.values():
            client.__enter__()
        login(self.clients["author"], "author")
        login(self.clients["admin"], "coord")
        self.clients["reviewer"].get(f"/invite/{token}")
        self.tokens = {who: csrf(client, "/login") for who, client in self.clients.items()}
        assert self.clients["reviewer"].post(f"/invite/{token}", data={"csrf_token": self.tokens["reviewer"]},
                                             follow_redirects=False).status_code == 303
        admin = self.clients["admin"]
        manage = admin.get("/workshops/ws-one/manage").text
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', manage)[1]
        assert admin.post("/workshops/ws-one/roles", data={"csrf_token": form_token, "username": "author",
                                                           "role": "organiser"}, follow_redirects=False).status_code < 400
        seat = registration_token(register(self.clients["anonymous"], "ws-one", person(1)))
        assert answer(self.clients["anonymous"], "ws-one", "pre", "blue bicycle 42",
                      all_items(3, ws_laptop="Linux")).status_code == 303
        self.known = {"id": [str(round_id), str(invitation_id), "1"], "qid": ["poll", "pre", "post"],
                      "token": [token, spare, seat], "fmt": ["csv", "json", "md"], "wslug": ["ws-one"],
                      "code": [*codes, codes[0].lower()]}

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)

    def fuzz(self, routes: list[Route], examples: int) -> set[str]:
        """Random requests to ``routes`` as every role; returns the paths that were asked for."""
        seen: set[str] = set()

        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(requests(routes, self.known))
        def one(request):
            who, method, path, headers, content = request
            client = self.clients[who]
            content = content.replace(b"CSRF", self.tokens[who].encode())
            response = client.request(method, path, content=content, headers=headers, follow_redirects=False)
            assert response.status_code < 500, (who, method, path, headers, content[:200], response.text[:500])
            seen.add(path.split("?")[0])

        one()
        return seen


@pytest.fixture
def world(db_url, tmp_path):
    made = FuzzWorld(db_url, tmp_path)
    try:
        yield made
    finally:
        made.close()


def _routes(app) -> list[Route]:
    return [r for r in app.routes if isinstance(r, Route)]


def test_no_request_to_any_route_gets_a_5xx(world):
    routes = _routes(world.clients["anonymous"].app)
    assert any(r.path.startswith(WORKSHOP_PREFIXES) for r in routes)
    seen = world.fuzz(routes, 400)
    assert len(seen) > 10


def test_no_request_to_a_workshop_registration_or_survey_route_gets_a_5xx(world):
    """The routes added with workshops, registrations, sign-in and surveys, on their own (so that each gets
    many examples), with a real workshop slug, registration link and sign-in codes behind them."""
    routes = [r for r in _routes(world.clients["anonymous"].app) if r.path.startswith(WORKSHOP_PREFIXES)]
    assert len(routes) >= 20
    seen = world.fuzz(routes, 400)
    assert len({path for path in seen if path.startswith(("/workshops/ws-one/", "/registration/", "/sign-in/"))}) >= 8
