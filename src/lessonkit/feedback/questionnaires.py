"""Questionnaires written in YAML: checking a definition, reading a filled-in
form, and summarising the responses.

A questionnaire::

    id: masterclass-interview          # used in its address: /q/masterclass-interview
    title: Interview with senior researchers
    intro: Text shown above the form.
    questions:
      - id: role
        type: single            # text | single | multiple | likert | scale
        text: What is your role?
        options: [Professor, Group leader, Other]
        required: true
      - id: pace
        type: likert            # 1-5, with optional labels for the two ends
        text: The pace of the masterclass suited me.
        labels: [Strongly disagree, Strongly agree]
      - id: hours
        type: scale             # a number between min and max (step 1 unless given)
        text: How many hours did you spend preparing?
        min: 0
        max: 20
      - id: topics
        type: multiple
        text: Which topics were new to you?
        options: [Version control, Testing, Packaging]
        max_choices: 2          # optional
      - id: comments
        type: text
        text: Anything else?
        multiline: true
        max_length: 2000        # optional, default 2000
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lessonkit.feedback import validation
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import Questionnaire, QuestionnaireResponse, utcnow

QUESTION_TYPES = ("text", "single", "multiple", "likert", "scale")
TYPE_ALIASES = {"single_choice": "single", "multiple_choice": "multiple", "numeric": "scale"}
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")
TEXT_MAX_DEFAULT = 2000
TEXT_MAX_LIMIT = 10_000
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
LIKERT_DEFAULT_LABELS = ["Strongly disagree", "Strongly agree"]


class QuestionnaireError(ValueError):
    """A questionnaire definition is not valid; ``problems`` lists each mistake with where it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_yaml(text: str) -> dict[str, Any]:
    """Parse and check a questionnaire's YAML; returns its normalised definition."""
    from lessonkit.markdown.frontmatter import safe_yaml

    try:
        data = safe_yaml(text)  # alias bombs and self-referring YAML refused, as for lessons
    except yaml.YAMLError as exc:
        raise QuestionnaireError([_yaml_problem(exc)]) from exc
    return validate(data)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Say where a YAML mistake starts: an unclosed bracket is reported where it opens, not at the end."""
    def at(mark: Any) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}"

    problem = getattr(exc, "problem", None) or str(exc)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    problem_mark = getattr(exc, "problem_mark", None)
    if context and context_mark is not None:
        found = f" (found at {at(problem_mark)})" if problem_mark is not None else ""
        return f"not valid YAML ({at(context_mark)}): {context}, {problem}{found}"
    where = f" ({at(problem_mark)})" if problem_mark is not None else ""
    return f"not valid YAML{where}: {problem}"


def validate(data: Any) -> dict[str, Any]:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise QuestionnaireError(["a questionnaire is a mapping with id, title and questions"])
    for key in sorted(set(data) - {"id", "title", "intro", "questions"}):
        problems.append(f"unknown key {key!r} (expected id, title, intro, questions)")
    qid = data.get("id")
    if not isinstance(qid, str) or not ID.match(qid):
        problems.append("id: required; lower-case letters, digits, '-' and '_' (at most 64)")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 300:
        problems.append("title: required text of at most 300 characters")
    intro = data.get("intro", "")
    if not isinstance(intro, str) or len(intro) > 5000:
        problems.append("intro: text of at most 5000 characters")
    questions = data.get("questions")
    normalised: list[dict[str, Any]] = []
    if not isinstance(questions, list) or not questions:
        problems.append("questions: required, a list of at least one question")
    elif len(questions) > MAX_QUESTIONS:
        problems.append(f"questions: at most {MAX_QUESTIONS}")
    else:
        seen: set[str] = set()
        for number, question in enumerate(questions, start=1):
            normalised.append(_question(question, f"questions[{number}]", seen, problems))
    if problems:
        raise QuestionnaireError(problems)
    return {"id": qid, "title": title.strip(), "intro": (intro or "").strip(), "questions": normalised}


def _question(q: Any, where: str, seen: set[str], problems: list[str]) -> dict[str, Any]:
    if not isinstance(q, dict):
        problems.append(f"{where}: a question is a mapping with id, type and text")
        return {}
    allowed = {"id", "type", "text", "help", "required", "options", "labels", "min", "max", "step",
               "max_choices", "multiline", "max_length"}
    for key in sorted(set(q) - allowed):
        problems.append(f"{where}: unknown key {key!r}")
    out, where = _common(q, where, seen, problems)
    kind = out["type"]
    if kind in _KINDS:
        unused = _KINDS[kind](q, where, out, problems)
        for key in unused:
            if key in q:
                problems.append(f"{where}.{key}: not used by a {kind} question")
    return out


def _common(q: dict, where: str, seen: set[str], problems: list[str]) -> tuple[dict[str, Any], str]:
    """What every question has: id, type, text, help, required (and where it is, named by its id)."""
    qid = q.get("id")
    if not isinstance(qid, str) or not ID.match(qid):
        problems.append(f"{where}.id: required; lower-case letters, digits, '-' and '_'")
    elif qid in seen:
        problems.append(f"{where}.id: {qid!r} is used twice")
    else:
        seen.add(qid)
        where = f"{where} ({qid})"
    kind = TYPE_ALIASES.get(q.get("type"), q.get("type"))
    if kind not in QUESTION_TYPES:
        problems.append(f"{where}.type: one of {', '.join(QUESTION_TYPES)}")
    text = q.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 1000:
        problems.append(f"{where}.text: required text of at most 1000 characters")
        text = ""
    help_text = q.get("help", "")
    if not isinstance(help_text, str) or len(help_text) > 2000:
        problems.append(f"{where}.help: text of at most 2000 characters")
        help_text = ""
    required = q.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}.required: true or false")
    return {"id": qid, "type": kind, "text": text.strip(), "help": help_text.strip(),
            "required": bool(required)}, where


def _choices(q: dict, where: str, out: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    options = q.get("options")
    if (not isinstance(options, list) or len(options) < 2 or len(options) > MAX_OPTIONS
            or not all(isinstance(o, str | int | float) and not isinstance(o, bool) and str(o).strip()
                       for o in options)):
        problems.append(f"{where}.options: a list of 2 to {MAX_OPTIONS} choices")
        options = []
    options = [str(o).strip() for o in options]
    if len(set(options)) != len(options):
        problems.append(f"{where}.options: each choice must be different")
    out["options"] = options
    unused = ("labels", "min", "max", "step", "multiline", "max_length")
    if out["type"] != "multiple":
        return ("max_choices", *unused)
    max_choices = q.get("max_choices")
    if max_choices is not None and (not isinstance(max_choices, int) or isinstance(max_choices, bool)
                                    or not 1 <= max_choices <= max(1, len(options))):
        problems.append(f"{where}.max_choices: a whole number from 1 to the number of options")
        max_choices = None
    out["max_choices"] = max_choices
    return unused


def _likert(q: dict, where: str, out: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    labels = q.get("labels", LIKERT_DEFAULT_LABELS)
    if not isinstance(labels, list) or len(labels) not in (2, 5) or not all(
            isinstance(label, str) and label.strip() for label in labels):
        problems.append(f"{where}.labels: two labels (for 1 and 5) or five labels (1 to 5)")
        labels = LIKERT_DEFAULT_LABELS
    out["labels"] = [label.strip() for label in labels]
    out["min"], out["max"], out["step"] = 1, 5, 1
    return ("options", "min", "max", "step", "max_choices", "multiline", "max_length")


def _scale(q: dict, where: str, out: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    low, high, step = q.get("min", 0), q.get("max", 10), q.get("step", 1)
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high, step))
    if not numbers or not low < high or not step > 0 or (high - low) / step > 10_000:
        problems.append(f"{where}: min < max and a positive step (at most 10000 steps)")
        low, high, step = 0, 10, 1
    out["min"], out["max"], out["step"] = low, high, step
    labels = q.get("labels")
    if labels is not None and (not isinstance(labels, list) or len(labels) != 2
                               or not all(isinstance(label, str) for label in labels)):
        problems.append(f"{where}.labels: two labels, for the two ends of the scale")
        labels = None
    out["labels"] = labels or []
    return ("options", "max_choices", "multiline", "max_length")


def _text(q: dict, where: str, out: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    max_length = q.get("max_length", TEXT_MAX_DEFAULT)
    if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= TEXT_MAX_LIMIT:
        problems.append(f"{where}.max_length: a whole number from 1 to {TEXT_MAX_LIMIT}")
        max_length = TEXT_MAX_DEFAULT
    multiline = q.get("multiline", False)
    if not isinstance(multiline, bool):
        problems.append(f"{where}.multiline: true or false")
    out["max_length"], out["multiline"] = max_length, bool(multiline)
    return ("options", "labels", "min", "max", "step", "max_choices")


#: Each question type's own keys: checked into ``out``; returns the keys it does not use.
_KINDS = {"single": _choices, "multiple": _choices, "likert": _likert, "scale": _scale, "text": _text}


# --- answers -----------------------------------------------------------------------------------

class AnswerErrors(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _number(text: str) -> int | float | None:
    """A number written in ASCII digits (``float("١")`` would accept other scripts' digits)."""
    return validation.number(text)


def parse_answers(definition: dict[str, Any], form: dict[str, list[str]]) -> dict[str, Any]:
    """The answers in a submitted form (field ``q-<id>`` per question); raises AnswerErrors."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in definition["questions"]:
        values = [v for v in form.get(f"q-{q['id']}", []) if v.strip()]
        kind = q["type"]
        if not values:
            if q["required"]:
                errors[q["id"]] = "Please answer this question."
            continue
        if kind == "text":
            # Cleaned as the widget's text is: no NUL or other control characters, line ends as \n.
            try:
                text = validation.text(values[0], q["id"], q["max_length"], multiline=q["multiline"])
            except ClientError:
                text = validation.strip_controls(values[0], q["multiline"]).strip()
                errors[q["id"]] = f"At most {q['max_length']} characters (this has {len(text)})."
            else:
                if text:
                    answers[q["id"]] = text
                elif q["required"]:
                    errors[q["id"]] = "Please answer this question."
        elif kind == "single":
            if len(values) != 1 or values[0] not in q["options"]:
                errors[q["id"]] = "Choose one of the options."
            else:
                answers[q["id"]] = values[0]
        elif kind == "multiple":
            chosen = list(dict.fromkeys(values))
            if any(v not in q["options"] for v in chosen):
                errors[q["id"]] = "Choose from the options given."
            elif q.get("max_choices") and len(chosen) > q["max_choices"]:
                errors[q["id"]] = f"Choose at most {q['max_choices']}."
            else:
                answers[q["id"]] = [o for o in q["options"] if o in chosen]
        else:  # likert, scale
            number = _number(values[0]) if len(values) == 1 else None
            if number is None or not q["min"] <= number <= q["max"] or not _on_step(number, q):
                errors[q["id"]] = f"Give a number from {q['min']:g} to {q['max']:g}."
            else:
                answers[q["id"]] = number
    if errors:
        raise AnswerErrors(errors)
    return answers


def _on_step(number: float, q: dict[str, Any]) -> bool:
    steps = (number - q["min"]) / q["step"]
    return abs(steps - round(steps)) < 1e-9


# --- summary -----------------------------------------------------------------------------------

@dataclass
class QuestionSummary:
    question: dict[str, Any]
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # (label, count), in display order
    mean: float | None = None
    median: float | None = None
    texts: list[str] = field(default_factory=list)


def summarise(definition: dict[str, Any], responses: list[dict[str, Any]]) -> list[QuestionSummary]:
    summaries = []
    for q in definition["questions"]:
        values = [r[q["id"]] for r in responses if q["id"] in r]
        s = QuestionSummary(question=q, answered=len(values))
        kind = q["type"]
        if kind in ("single", "multiple"):
            flat = values if kind == "single" else [v for chosen in values for v in chosen]
            s.counts = [(option, flat.count(option)) for option in q["options"]]
        elif kind in ("likert", "scale"):
            numbers = [v for v in values if isinstance(v, int | float)]
            if kind == "likert" or (q["max"] - q["min"]) / q["step"] <= 20:
                points = _points(q)
                s.counts = [(f"{p:g}", sum(1 for v in numbers if abs(v - p) < 1e-9)) for p in points]
            else:
                s.counts = _bins(numbers, q)
            if numbers:
                s.mean = statistics.fmean(numbers)
                s.median = statistics.median(numbers)
        else:
            s.texts = [v for v in values if isinstance(v, str)]
        summaries.append(s)
    return summaries


def _points(q: dict[str, Any]) -> list[float]:
    count = round((q["max"] - q["min"]) / q["step"])
    return [q["min"] + i * q["step"] for i in range(count + 1)]


def _bins(numbers: list[float], q: dict[str, Any], bins: int = 10) -> list[tuple[str, int]]:
    low, high = q["min"], q["max"]
    width = (high - low) / bins
    counts = [0] * bins
    for v in numbers:
        counts[min(bins - 1, int((v - low) / width))] += 1
    return [(f"{low + i * width:g}–{low + (i + 1) * width:g}", c) for i, c in enumerate(counts)]


# --- storage -----------------------------------------------------------------------------------

def install(session: Session, definition: dict[str, Any]) -> tuple[Any, bool]:
    """Add a questionnaire, or replace the definition of the one with the same id; returns (row, new)."""
    row = session.scalar(select(Questionnaire).where(Questionnaire.slug == definition["id"]))
    if row is None:
        row = Questionnaire(slug=definition["id"], title=definition["title"], definition=definition)
        session.add(row)
        session.flush()
        return row, True
    row.title, row.definition, row.updated_at = definition["title"], definition, utcnow()
    return row, False


def store_response(database: Any, slug: str, client_id: str, answers: dict[str, Any]) -> bool:
    """Store a response once per client id; returns whether it was new."""
    insert = sqlite.insert if database.dialect == "sqlite" else postgresql.insert
    with database.write() as session:
        row = session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
        if row is None or not row.is_open:
            return False
        new_id = session.execute(insert(QuestionnaireResponse)
                                 .values(questionnaire_id=row.id, client_id=client_id, answers=answers,
                                         submitted_at=utcnow())
                                 .on_conflict_do_nothing(index_elements=["client_id"])
                                 .returning(QuestionnaireResponse.id)).scalar()
    return new_id is not None
