"""Questionnaires: YAML definitions, forms, stored responses and the summary page."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from feedbacksupport import add_user, client_for, csrf, in_db, login
from sqlalchemy import select

from lessonkit.feedback import questionnaires
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import QuestionnaireResponse

POLL = """
id: poll
title: Quick <poll>
intro: Tell us how it went.
questions:
  - id: name
    type: text
    text: Your name
    max_length: 20
  - id: role
    type: single
    text: Your role
    options: [Professor, Lecturer, Other]
    required: true
  - id: topics
    type: multiple
    text: Topics
    options: [Git, Testing, Packaging]
    max_choices: 2
  - id: pace
    type: likert
    text: The pace was right
    required: true
  - id: hours
    type: scale
    text: Hours of preparation
    min: 0
    max: 4
    step: 0.5
  - id: notes
    type: text
    text: Anything else
    multiline: true
"""


def install(db_url: str, text: str = POLL) -> None:
    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        questionnaires.install(session, questionnaires.load_yaml(text))
    database.dispose()


def form_fields(client, slug: str = "poll") -> dict[str, str]:
    page = client.get(f"/q/{slug}")
    assert page.status_code == 200
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1],
            "client_id": re.search(r'name="client_id" value="([^"]+)"', page.text)[1]}


def responses(db_url: str) -> list[dict]:
    return in_db(db_url, lambda s: list(s.scalars(select(QuestionnaireResponse.answers)
                                                 .order_by(QuestionnaireResponse.id))))


# --- definitions -------------------------------------------------------------------------------

def test_the_bundled_interview_questionnaire_is_valid_and_uses_every_type():
    text = (resources.files("lessonkit.feedback") / "questionnaires" / "masterclass-interview.yaml").read_text()
    definition = questionnaires.load_yaml(text)
    assert definition["id"] == "masterclass-interview"
    assert {q["type"] for q in definition["questions"]} == set(questionnaires.QUESTION_TYPES)


@pytest.mark.parametrize(("text", "problem"), [
    ("id: x\ntitle: T\nquestions: []", "questions: required"),
    ("id: Bad Id\ntitle: T\nquestions: [{id: a, type: text, text: A}]", "id: required"),
    ("id: x\nquestions: [{id: a, type: text, text: A}]", "title: required"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: essay, text: A}]", "questions[1] (a).type"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: single, text: A, options: [only]}]", "options: a list of 2"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: single, text: A, options: [b, b]}]", "must be different"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: text, text: A}, {id: a, type: text, text: B}]", "used twice"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: scale, text: A, min: 5, max: 1}]", "min < max"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: likert, text: A, labels: [a, b, c]}]", "two labels"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: text, text: A, options: [a, b]}]", "not used by a text"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: multiple, text: A, options: [a, b], max_choices: 3}]",
     "max_choices"),
    ("id: x\ntitle: T\ncolour: red\nquestions: [{id: a, type: text, text: A}]", "unknown key 'colour'"),
    ("id: x\ntitle: T\nquestions: [{id: a, type: text, text: A, max_length: 0}]", "max_length"),
    ("- just\n- a list", "a questionnaire is a mapping"),
    ("id: [unclosed", "not valid YAML (line 1, column 5): while parsing a flow sequence"),
])
def test_invalid_definitions_say_what_and_where(text, problem):
    with pytest.raises(questionnaires.QuestionnaireError) as error:
        questionnaires.load_yaml(text)
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_type_aliases_and_defaults():
    definition = questionnaires.load_yaml(
        "id: x\ntitle: T\nquestions:\n"
        "  - {id: a, type: single_choice, text: A, options: [1, 2]}\n"
        "  - {id: b, type: numeric, text: B}\n"
        "  - {id: c, type: likert, text: C}\n")
    a, b, c = definition["questions"]
    assert (a["type"], a["options"]) == ("single", ["1", "2"])
    assert (b["type"], b["min"], b["max"], b["step"]) == ("scale", 0, 10, 1)
    assert (c["min"], c["max"], c["labels"]) == (1, 5, questionnaires.LIKERT_DEFAULT_LABELS)


def test_parse_answers_checks_each_type():
    definition = questionnaires.load_yaml(POLL)
    good = questionnaires.parse_answers(definition, {
        "q-name": ["  Ada   Lovelace "], "q-role": ["Lecturer"], "q-topics": ["Testing", "Git", "Git"],
        "q-pace": ["4"], "q-hours": ["1.5"], "q-notes": ["line one\r\nline two"], "q-unknown": ["x"]})
    assert good == {"name": "Ada Lovelace", "role": "Lecturer", "topics": ["Git", "Testing"], "pace": 4,
                    "hours": 1.5, "notes": "line one\nline two"}
    with pytest.raises(questionnaires.AnswerErrors) as error:
        questionnaires.parse_answers(definition, {
            "q-name": ["x" * 21], "q-role": ["Dean"], "q-topics": ["Git", "Testing", "Packaging"],
            "q-pace": ["6"], "q-hours": ["1.25"]})
    assert set(error.value.errors) == {"name", "role", "topics", "pace", "hours"}
    with pytest.raises(questionnaires.AnswerErrors) as error:
        questionnaires.parse_answers(definition, {"q-hours": ["nan"]})
    assert set(error.value.errors) == {"role", "pace", "hours"}


def test_summary_counts_means_and_texts():
    definition = questionnaires.load_yaml(POLL)
    answers = [{"role": "Professor", "topics": ["Git"], "pace": 5, "hours": 1, "notes": "good"},
               {"role": "Professor", "topics": ["Git", "Testing"], "pace": 3},
               {"role": "Other", "pace": 4, "hours": 2}]
    summary = {s.question["id"]: s for s in questionnaires.summarise(definition, answers)}
    assert summary["role"].counts == [("Professor", 2), ("Lecturer", 0), ("Other", 1)]
    assert summary["topics"].counts == [("Git", 2), ("Testing", 1), ("Packaging", 0)]
    assert summary["pace"].counts == [("1", 0), ("2", 0), ("3", 1), ("4", 1), ("5", 1)]
    assert (summary["pace"].mean, summary["pace"].median) == (4, 4)
    assert summary["hours"].answered == 2 and summary["hours"].mean == 1.5
    assert summary["hours"].counts[2] == ("1", 1) and summary["hours"].counts[4] == ("2", 1)
    assert summary["notes"].texts == ["good"] and summary["name"].answered == 0


# --- forms and summary pages (both databases) ---------------------------------------------------

def test_form_shows_every_question_with_labels(db_url):
    install(db_url)
    with client_for(db_url) as client:
        page = client.get("/q/poll").text
    assert "Quick &lt;poll&gt;" in page
    for question_id in ("name", "role", "topics", "pace", "hours", "notes"):
        assert f'name="q-{question_id}"' in page
    assert '<label for="q-name">' in page and "<legend>Your role" in page
    assert 'type="number" min="0" max="4" step="0.5"' in page
    assert page.count('name="q-pace"') == 5


def test_response_is_stored_once_and_summarised(db_url):
    install(db_url)
    add_user(db_url, "author")
    with client_for(db_url) as client:
        fields = form_fields(client)
        data = {**fields, "q-name": "<b>Ada</b>", "q-role": "Professor", "q-topics": ["Git", "Testing"],
                "q-pace": "5", "q-hours": "2.5", "q-notes": "More <script>x</script> please"}
        first = client.post("/q/poll", data=data, follow_redirects=False)
        again = client.post("/q/poll", data=data, follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/q/poll/thanks"
        assert again.status_code == 303
        assert "were saved" in client.get("/q/poll/thanks").text
        second = form_fields(client)
        client.post("/q/poll", data={**second, "q-role": "Other", "q-pace": "3"})
        assert client.get("/questionnaires/poll/summary", follow_redirects=False).status_code == 303
        login(client, "author")
        summary = client.get("/questionnaires/poll/summary")
        listing = client.get("/questionnaires").text
        as_json = client.get("/questionnaires/poll/responses.json").json()
    assert responses(db_url) == [
        {"name": "<b>Ada</b>", "role": "Professor", "topics": ["Git", "Testing"], "pace": 5, "hours": 2.5,
         "notes": "More <script>x</script> please"},
        {"role": "Other", "pace": 3}]
    html = summary.text
    assert summary.status_code == 200
    assert '<span id="response-count">2</span>' in html
    assert html.count('<svg class="chart" role="img"') == 4  # role, topics, pace, hours
    assert "<title>Your role</title>" in html and "<desc>Professor: 1; Lecturer: 0; Other: 1</desc>" in html
    assert "mean 4.00" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert "Quick &lt;poll&gt;" in listing and ">2</td>" in listing
    assert len(as_json["responses"]) == 2


def test_invalid_answers_come_back_422_with_messages_and_values(db_url):
    install(db_url)
    with client_for(db_url) as client:
        fields = form_fields(client)
        response = client.post("/q/poll", data={**fields, "q-name": "Grace", "q-pace": "9"})
    assert response.status_code == 422
    assert "Please answer this question." in response.text  # role is required
    assert "Give a number from 1 to 5." in response.text
    assert 'value="Grace"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert responses(db_url) == []


def test_closed_and_unknown_questionnaires(db_url):
    install(db_url)
    with client_for(db_url) as client:
        fields = form_fields(client)
        database = Database(db_url)
        with database.write() as session:
            row = session.scalar(select(questionnaires.Questionnaire))
            row.is_open = False
        database.dispose()
        closed = client.get("/q/poll")
        refused = client.post("/q/poll", data={**fields, "q-role": "Other", "q-pace": "3"})
        missing = client.get("/q/nothing")
    assert closed.status_code == 410 and refused.status_code == 410
    assert missing.status_code == 404
    assert responses(db_url) == []


def test_questionnaire_form_needs_csrf_and_respects_size_limit(db_url):
    install(db_url)
    with client_for(db_url, max_form_body=4096) as client:
        fields = form_fields(client)
        no_token = client.post("/q/poll", data={"client_id": fields["client_id"], "q-role": "Other", "q-pace": "3"})
        huge = client.post("/q/poll", data={**fields, "q-notes": "x" * 5000})
    assert no_token.status_code == 403
    assert huge.status_code == 413 and "too large" in huge.text
    assert responses(db_url) == []


def test_updating_a_questionnaire_keeps_its_responses(db_url):
    install(db_url)
    with client_for(db_url) as client:
        client.post("/q/poll", data={**form_fields(client), "q-role": "Other", "q-pace": "3"})
    install(db_url, POLL.replace("Quick <poll>", "Renamed poll"))
    with client_for(db_url) as client:
        assert "Renamed poll" in client.get("/q/poll").text
    assert responses(db_url) == [{"role": "Other", "pace": 3}]
    with client_for(db_url) as client:
        assert csrf(client, "/q/poll")


def test_questionnaire_answers_are_rate_limited_per_address(db_url):
    from lessonkit.feedback.ratelimit import Rate

    install(db_url)
    with client_for(db_url, rate_forms=Rate(2, 60)) as client:
        statuses = [client.post("/q/poll", data={**form_fields(client), "q-role": "Other", "q-pace": "3"},
                                follow_redirects=False).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert len(responses(db_url)) == 2


def test_a_questionnaire_alias_bomb_is_refused_quickly():
    """Uploaded questionnaires are read with the same alias-bomb guard as lessons (issue #11, item 6)."""
    import pytest

    from lessonkit.feedback.questionnaires import QuestionnaireError, load_yaml

    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    bomb += "id: poll\ntitle: Poll\nquestions: []\n"
    with pytest.raises(QuestionnaireError):
        load_yaml(bomb)
