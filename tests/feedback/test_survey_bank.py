"""The built-in question bank, its versions, a workshop's own items, and pairing codes."""

from __future__ import annotations

import pytest

from lessonkit.feedback.questionnaires import QuestionnaireError
from lessonkit.feedback.surveys import bank, pairing

# Each bank survey's content at each version. Changing a bank file without raising its `version`
# (and recording the new digest here) fails a test: old answers must keep meaning what they meant.
RECORDED = {
    ('pre-workshop', 1): '1340a4d4553dd7ef',
    ('post-workshop', 1): '093f098faa5003d9',
    ('codev-interview', 1): '50b0fb7e98de7f74',
}


def test_bank_has_pre_post_and_interview_with_versions():
    assert bank.names() == ["codev-interview", "post-workshop", "pre-workshop"]
    for name in bank.names():
        survey = bank.load(name)
        assert survey.id == name and survey.version >= 1
    with pytest.raises(KeyError, match="no survey 'nope' in the bank"):
        bank.load("nope")


def test_bank_versions_are_raised_when_the_content_changes():
    for name in bank.names():
        survey = bank.load(name)
        assert (name, survey.version) in RECORDED, f"{name}: record version {survey.version}'s digest"
        assert bank.digest(survey.definition)[:16] == RECORDED[(name, survey.version)], (
            f"{name} changed: raise its version and record the new digest")


def test_pre_and_post_ask_the_same_agreement_items_and_post_asks_to_recommend():
    pre, post = bank.for_phase("pre").definition, bank.for_phase("post").definition
    items = bank.matching_items(pre, post)
    assert [q["id"] for q in items] == ["find_help", "get_unstuck", "automate", "reproducible", "confident"]
    assert items == bank.agreement_items(pre) == bank.agreement_items(post)
    assert all(len(q["labels"]) == 5 for q in items)
    [recommend] = [q for q in post["questions"] if q["id"] == "recommend"]
    assert (recommend["type"], recommend["min"], recommend["max"], recommend["step"]) == ("scale", 0, 10, 1)
    for definition in (pre, post):
        assert any(q["type"] == "text" for q in definition["questions"])
        # Learners are told that free text is shown as written, and asked not to write personal details.
        assert "shown as you write them" in definition["intro"] and "personal details" in definition["intro"]


def test_a_bank_file_needs_a_version_and_a_valid_questionnaire():
    with pytest.raises(QuestionnaireError) as caught:
        bank.parse_bank("id: x\ntitle: X\nquestions: [{id: a, type: text, text: A}]\n")
    assert caught.value.problems == ["version: required, a whole number from 1 (raise it by one at every change)"]
    with pytest.raises(QuestionnaireError) as caught:
        bank.parse_bank("version: 0\nid: x\ntitle: X\nquestions: [{id: a, type: colour, text: A}]\n")
    assert caught.value.problems[0].startswith("version:")
    assert "questions[1] (a).type: one of" in caught.value.problems[1]
    with pytest.raises(QuestionnaireError, match=r"line 2, column 13"):
        bank.parse_bank("version: 1\nquestions: [{id: a\n")


def test_workshop_items_are_checked_with_where_each_problem_is():
    items = bank.parse_items([
        {"id": "ws_pace", "type": "likert", "text": "The pace suited me.", "phase": "post"},
        {"id": "ws_os", "type": "single", "text": "Your laptop runs", "options": ["Linux", "macOS", "Windows"]},
    ])
    assert [(i["id"], i["phase"]) for i in items] == [("ws_pace", "post"), ("ws_os", "both")]
    with pytest.raises(QuestionnaireError) as caught:
        bank.parse_items([{"id": "a", "type": "likert", "text": "A", "phase": "during"},
                          {"id": "b", "type": "single", "text": "B", "colour": 1},
                          "not a question",
                          {"id": "a", "type": "text", "text": "again"}], "surveys.questions")
    assert caught.value.problems == [
        "surveys.questions[1].phase: one of pre, post, both",
        "surveys.questions[2]: unknown key 'colour'",
        "surveys.questions[2] (b).options: a list of 2 to 50 choices",
        "surveys.questions[3]: a question is a mapping with id, type, text and phase",
    ]
    with pytest.raises(QuestionnaireError, match=r"questions\[2\]\.id: 'a' is used twice"):
        bank.parse_items([{"id": "a", "type": "text", "text": "A"}, {"id": "a", "type": "text", "text": "B"}])
    with pytest.raises(QuestionnaireError, match="a list of questions"):
        bank.parse_items({"id": "a"})


def test_compose_adds_the_workshops_items_per_phase_and_refuses_bank_ids():
    items = bank.parse_items([{"id": "ws_pace", "type": "likert", "text": "The pace suited me.", "phase": "post"},
                              {"id": "ws_os", "type": "single", "text": "OS", "options": ["Linux", "Other"]}])
    pre = bank.compose(bank.for_phase("pre"), items, "pre")
    post = bank.compose(bank.for_phase("post"), items, "post")
    assert [q["id"] for q in pre["questions"]][-2:] == ["hopes", "ws_os"]
    assert [q["id"] for q in post["questions"]][-2:] == ["ws_pace", "ws_os"]
    assert bank.digest(pre) != bank.digest(bank.for_phase("pre").definition)
    assert bank.compose(bank.for_phase("pre"), [], "pre") == bank.for_phase("pre").definition
    with pytest.raises(QuestionnaireError, match="'recommend' is already used by the built-in post-workshop"):
        bank.compose(bank.for_phase("post"), bank.parse_items([{"id": "recommend", "type": "text", "text": "R"}]),
                     "post")


def test_items_from_a_workshop_file_and_the_organisers_form():
    text = ("title: A workshop\nsurveys:\n  pre: https://example.org/pre\n  questions:\n"
            "    - {id: ws_goal, type: text, text: Your goal?, phase: pre}\n")
    assert [i["id"] for i in bank.items_from_workshop_file(text)] == ["ws_goal"]
    assert bank.items_from_workshop_file("title: No surveys\n") == []
    assert bank.parse_items_yaml("") == []
    assert [i["id"] for i in bank.parse_items_yaml("questions:\n- {id: q1, type: text, text: Q}\n")] == ["q1"]
    with pytest.raises(QuestionnaireError, match=r"not valid YAML \(line 1, column 2\)"):
        bank.parse_items_yaml("[{id: q1\n")


def test_pairing_codes_are_forgiving_and_salted_per_workshop():
    salt_a, salt_b = pairing.new_salt(), pairing.new_salt()
    assert salt_a != salt_b and len(salt_a) == 32
    same = ["Blue bicycle, 42!", "blue  BICYCLE 42", " Ｂlue bicycle 42 "]  # full-width letter: NFKC
    assert len({pairing.code_hash(salt_a, code) for code in same}) == 1
    assert pairing.code_hash(salt_a, same[0]) != pairing.code_hash(salt_b, same[0])
    assert pairing.code_hash(salt_a, "blue bicycle 43") != pairing.code_hash(salt_a, same[0])
    assert len(pairing.code_hash(salt_a, same[0])) == 64 and "bicycle" not in pairing.code_hash(salt_a, same[0])
    assert pairing.check("Blue bicycle, 42!") == "blue bicycle 42"


@pytest.mark.parametrize(("code", "message"), [
    ("ab c", "at least 6 letters or digits"),
    ("!!!???...", "at least 6 letters or digits"),
    ("me@example.org", "do not use an email address"),
    ("Anonymous", "too common"),
    ("x" * 201, r"At most 200 characters \(this has 201\)"),
])
def test_pairing_codes_refused_with_a_reason(code, message):
    with pytest.raises(pairing.CodeError, match=message):
        pairing.check(code)
