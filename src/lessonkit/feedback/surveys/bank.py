"""The built-in question bank (``bank/*.yaml``) and a workshop's own items.

A bank file is a questionnaire in the service's format (see ``questionnaires.py``)
with one more key, ``version`` (a whole number, raised by one at every change).
A workshop adds its own questions, in the same format with one more key per
question, ``phase`` (``pre``, ``post`` or ``both``, the default), from its
workshop file (``surveys: questions: [...]``) or the organisers' form.

``compose()`` makes the form a learner answers: the bank's questions, then the
workshop's. Every response keeps a copy of the form it answered (a *snapshot*,
identified by its ``digest``) and the bank version, so changing the bank or the
workshop's items never changes what old answers mean; ``matching_items()``
says which agreement items can be paired between two snapshots (same id, same
wording, same labels).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from lessonkit.feedback.questionnaires import QuestionnaireError, _yaml_problem, validate
from lessonkit.markdown.frontmatter import safe_yaml

PHASES = {"pre": "pre-workshop", "post": "post-workshop"}
INTERVIEW = "codev-interview"
ITEM_PHASES = ("pre", "post", "both")
MAX_WORKSHOP_ITEMS = 30


@dataclass(frozen=True)
class BankSurvey:
    id: str
    version: int
    definition: dict[str, Any]  # validated questionnaire definition (without ``version``)


def parse_bank(text: str) -> BankSurvey:
    """A bank file's text -> its survey; QuestionnaireError (with line numbers for YAML) when wrong."""
    try:
        data = safe_yaml(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError([_yaml_problem(exc)]) from exc
    if not isinstance(data, dict):
        raise QuestionnaireError(["a bank survey is a mapping with version, id, title and questions"])
    data = dict(data)
    version = data.pop("version", None)
    problems = []
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version: required, a whole number from 1 (raise it by one at every change)")
    try:
        definition = validate(data)
    except QuestionnaireError as exc:
        problems.extend(exc.problems)
    if problems:
        raise QuestionnaireError(problems)
    return BankSurvey(id=definition["id"], version=version, definition=definition)


def names() -> list[str]:
    folder = resources.files("lessonkit.feedback.surveys") / "bank"
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load(name: str) -> BankSurvey:
    """A built-in survey by name (``pre-workshop``, ``post-workshop``, ``codev-interview``)."""
    if name not in names():
        raise KeyError(f"no survey {name!r} in the bank (there are: {', '.join(names())})")
    text = (resources.files("lessonkit.feedback.surveys") / "bank" / f"{name}.yaml").read_text(encoding="utf-8")
    return parse_bank(text)


def for_phase(phase: str) -> BankSurvey:
    return load(PHASES[phase])


# --- a workshop's own items ------------------------------------------------------------------

def parse_items(data: Any, where: str = "questions") -> list[dict[str, Any]]:
    """A workshop's own questions (a list of questionnaire questions with ``phase``), checked.

    Raises QuestionnaireError listing every problem with where it is.
    """
    if data is None:
        return []
    if not isinstance(data, list):
        raise QuestionnaireError([f"{where}: a list of questions (each with id, type, text and phase)"])
    if len(data) > MAX_WORKSHOP_ITEMS:
        raise QuestionnaireError([f"{where}: at most {MAX_WORKSHOP_ITEMS} questions of the workshop's own"])
    problems: list[str] = []
    items: list[dict[str, Any]] = []
    for number, raw in enumerate(data, start=1):
        at = f"{where}[{number}]"
        if not isinstance(raw, dict):
            problems.append(f"{at}: a question is a mapping with id, type, text and phase")
            continue
        question = dict(raw)
        phase = question.pop("phase", "both")
        if phase not in ITEM_PHASES:
            problems.append(f"{at}.phase: one of pre, post, both")
        try:
            [checked] = validate({"id": "items", "title": "items", "questions": [question]})["questions"]
        except QuestionnaireError as exc:
            problems.extend(p.replace("questions[1]", at, 1) for p in exc.problems)
            continue
        items.append({**checked, "phase": phase})
    if not problems:
        seen: set[str] = set()
        for number, item in enumerate(items, start=1):
            if item["id"] in seen:
                problems.append(f"{where}[{number}].id: {item['id']!r} is used twice")
            seen.add(item["id"])
    if problems:
        raise QuestionnaireError(problems)
    return items


def parse_items_yaml(text: str) -> list[dict[str, Any]]:
    """The organisers' form: YAML text, a list of questions (or a mapping with ``questions``)."""
    if not text.strip():
        return []
    try:
        data = safe_yaml(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError([_yaml_problem(exc)]) from exc
    if isinstance(data, dict) and set(data) == {"questions"}:
        data = data["questions"]
    return parse_items(data)


def items_from_workshop_file(text: str) -> list[dict[str, Any]]:
    """The ``surveys: questions:`` of a workshop file (as published in the service)."""
    data = safe_yaml(text) if text.strip() else {}
    surveys = data.get("surveys") if isinstance(data, dict) else None
    if not isinstance(surveys, dict):
        return []
    return parse_items(surveys.get("questions"), "surveys.questions")


# --- the form a learner answers ----------------------------------------------------------------

def compose(survey: BankSurvey, items: list[dict[str, Any]], phase: str) -> dict[str, Any]:
    """The bank's questions, then the workshop's items for ``phase``; checked as one questionnaire."""
    own = [{k: v for k, v in item.items() if k != "phase"} for item in items if item["phase"] in (phase, "both")]
    bank_ids = {q["id"] for q in survey.definition["questions"]}
    clashes = [q["id"] for q in own if q["id"] in bank_ids]
    if clashes:
        raise QuestionnaireError([f"the workshop's question id {qid!r} is already used by the built-in "
                                  f"{survey.id} survey: choose another id" for qid in clashes])
    definition = dict(survey.definition)
    definition["questions"] = [*survey.definition["questions"], *own]
    return validate(_for_validate(definition))


def _for_validate(definition: dict[str, Any]) -> dict[str, Any]:
    """A normalised definition back into the input form ``validate`` accepts."""
    questions = []
    for q in definition["questions"]:
        kind = q["type"]
        keep = {"id", "type", "text", "help", "required"}
        keep |= {"single": {"options"}, "multiple": {"options", "max_choices"}, "likert": {"labels"},
                 "scale": {"min", "max", "step", "labels"}, "text": {"multiline", "max_length"}}[kind]
        questions.append({k: v for k, v in q.items() if k in keep and not (k in ("max_choices",) and v is None)
                          and not (kind == "scale" and k == "labels" and not v)})
    return {"id": definition["id"], "title": definition["title"], "intro": definition.get("intro", ""),
            "questions": questions}


def digest(definition: dict[str, Any]) -> str:
    """The identity of a form: SHA-256 of its canonical JSON."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _item_key(question: dict[str, Any]) -> tuple:
    return (question["type"], question["text"], tuple(question.get("labels") or ()))


def agreement_items(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for q in definition["questions"] if q["type"] == "likert"]


def matching_items(pre: dict[str, Any], post: dict[str, Any]) -> list[dict[str, Any]]:
    """The agreement items asked the same way in both forms (same id, wording and labels), in pre's order."""
    after = {q["id"]: q for q in agreement_items(post)}
    return [q for q in agreement_items(pre) if q["id"] in after and _item_key(after[q["id"]]) == _item_key(q)]
