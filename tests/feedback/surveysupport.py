"""A seeded survey data set with its expected figures worked out by hand (import this, never conftest).

Workshop "alpha" (bank version 1, except learner p6's post answer, which used a
version 2 bank where the ``confident`` item was reworded):

=========  =================  ==================  =========================
learner    find_help pre→post  automate pre→post   recommend (post)
=========  =================  ==================  =========================
p1         2 → 4 (higher)      1 → 3               10
p2         3 → 3 (same)        2 → 2                9
p3         1 → 4 (higher)      4 → 5                8
p4         4 → 5 (higher)      —                    7
p5         5 → 4 (lower)       —                    6
p6         2 → 2 (same)        —                   10
anon pre   3, 2 (two answers, anonymous: counted, not paired)
anon post  5 (one answer, anonymous)                 3
q7 pre     4 (a code, no post answer)
q8 post    1 (a code, no pre answer)                 9
=========  =================  ==================  =========================

Expected: find_help paired n = 6, before [1, 2, 1, 1, 1], after [0, 1, 1, 3, 1], higher 3, same 2,
lower 1 (a chart, counts only: 6 < 10); automate n = 3 (not enough); confident paired for p1..p5 only
(n = 5, p6's post was worded differently: a note); recommend n = 8: [0,0,0,1,0,0,1,1,1,2,2],
promoters 4, passives 2, detractors 2, no NPS (8 < 30).
"""

from __future__ import annotations

import copy
from typing import Any

from lessonkit.feedback.surveys import bank
from lessonkit.feedback.surveys.report import ResponseData

PRE = bank.for_phase("pre").definition
POST = bank.for_phase("post").definition


def post_v2() -> dict[str, Any]:
    definition = copy.deepcopy(POST)
    for q in definition["questions"]:
        if q["id"] == "confident":
            q["text"] = "I am confident that I can use the tools taught in this workshop."
    return definition


# (code, find_help pre, post, automate pre, post, confident pre, post, recommend, hopes, improve)
PAIRS = [
    ("p1", 2, 4, 1, 3, 2, 4, 10, "Use git with my group", "More time for exercises"),
    ("p2", 3, 3, 2, 2, 3, 4, 9, "Automate my plots", ""),
    ("p3", 1, 4, 4, 5, 1, 3, 8, "", "A longer break"),
    ("p4", 4, 5, None, None, 4, 4, 7, "Write tests", "more time for exercises"),
    ("p5", 5, 4, None, None, 5, 5, 6, "", ""),
    ("p6", 2, 2, None, None, 2, 5, 10, "Share my code", "Slower pace\non day two"),
]


def _answers(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def seeded_responses() -> list[ResponseData]:
    out: list[ResponseData] = []
    for code, fh0, fh1, au0, au1, co0, co1, rec, hopes, improve in PAIRS:
        out.append(ResponseData("pre", code, 1, PRE, _answers(find_help=fh0, automate=au0, confident=co0,
                                                              hopes=hopes)))
        post_definition, version = (post_v2(), 2) if code == "p6" else (POST, 1)
        out.append(ResponseData("post", code, version, post_definition,
                                _answers(find_help=fh1, automate=au1, confident=co1, recommend=rec,
                                         improve=improve)))
    out.append(ResponseData("pre", None, 1, PRE, {"find_help": 3, "experience": "Weekly"}))
    out.append(ResponseData("pre", None, 1, PRE, {"find_help": 2, "experience": "Never"}))
    out.append(ResponseData("post", None, 1, POST, {"find_help": 5, "recommend": 3}))
    out.append(ResponseData("pre", "q7", 1, PRE, {"find_help": 4, "experience": "Weekly"}))
    out.append(ResponseData("post", "q8", 1, POST, {"find_help": 1, "recommend": 9}))
    return out


HEADCOUNTS = {"registered": 14, "seated": 10, "waiting": 2, "cancelled": 2, "attended_any": 9,
              "per_session": [{"index": 0, "title": "Morning", "attended": 9},
                              {"index": 1, "title": "Afternoon", "attended": 7}]}


# --- the service: a published workshop, and answering its surveys -----------------------------------

OWN_QUESTIONS = """surveys:
  questions:
    - {id: ws_pace, type: likert, text: The pace of the sessions suited me., phase: post,
       labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]}
    - {id: ws_laptop, type: single, text: Which system does your laptop run?, options: [Linux, macOS, Windows]}
"""


def publish_workshop(db_url: str, folder, slug: str = "ws-one", own_questions: bool = False, **options: Any) -> int:
    """Publish a workshop (reg's helpers), optionally with its own survey questions in the file."""
    from workshopsupport import workshop_yaml

    from lessonkit.feedback.db import Database
    from lessonkit.feedback.workshops import store

    path = folder / f"{slug}.yaml"
    path.write_text(workshop_yaml(slug, **options) + (OWN_QUESTIONS if own_questions else ""), encoding="utf-8")
    database = Database(db_url)
    database.migrate()
    try:
        with database.write() as session:
            row, _ = store.publish(session, path)
            return row.id
    finally:
        database.dispose()


def survey_form(phase: str, code: str | None, answers: dict[str, Any]) -> dict[str, Any]:
    """The fields a browser sends for a survey (answers keyed by question id)."""
    data: dict[str, Any] = {f"q-{k}": v for k, v in answers.items()}
    if code is None:
        data["anonymous"] = "yes"
    else:
        data["code"] = code
    return data


def answer(client, slug: str, phase: str, code: str | None, answers: dict[str, Any]):
    """GET the survey page (CSRF token, client id) and POST the answers; returns the response (not followed)."""
    import re

    page = client.get(f"/workshops/{slug}/survey/{phase}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    client_id = re.search(r'name="client_id" value="([^"]+)"', page.text)[1]
    data = {"csrf_token": token, "client_id": client_id, **survey_form(phase, code, answers)}
    return client.post(f"/workshops/{slug}/survey/{phase}", data=data, follow_redirects=False)


AGREE = ("find_help", "get_unstuck", "automate", "reproducible", "confident")


def all_items(value: int, **extra: Any) -> dict[str, Any]:
    return {**dict.fromkeys(AGREE, value), **extra}


def external_references(html: str) -> list[str]:
    """Everything in the file that would make a browser fetch something."""
    import re

    import lxml.html

    doc = lxml.html.fromstring(html)
    found = [el.tag for el in doc.iter("script", "link", "img", "iframe", "object", "embed", "video", "audio")]
    for el in doc.iter():
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            value = el.get(name)
            if value is not None and not value.startswith("#"):
                found.append(f"{el.tag}[{name}]={value}")
        for name in ("fill", "stroke"):
            value = el.get(name) or ""
            if "url(" in value and not value.startswith("url(#"):
                found.append(f"{el.tag}[{name}]={value}")
    css = "".join(style.text_content() for style in doc.iter("style"))
    found += re.findall(r"@import|url\((?!#)", css)
    return found
