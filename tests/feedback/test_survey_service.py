"""Surveys and reports in the service, on SQLite and PostgreSQL: answering, pairing by a hashed code,
anonymous answers, bad input, versions, the report from seeded data, access, and the commands."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedbacksupport import add_user, client_for, in_db, login
from sqlalchemy import select
from surveysupport import PAIRS, all_items, answer, external_references, publish_workshop

from lessonkit.cli import main
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Questionnaire, Registration
from lessonkit.feedback.surveys import bank, render
from lessonkit.feedback.surveys import store as survey_store
from lessonkit.feedback.surveys.models import SurveyForm, SurveyResponse
from lessonkit.feedback.surveys.report import build_report
from lessonkit.feedback.workshops import store as workshop_store

CODE = "Blue bicycle 42"


def responses(db_url: str) -> list[SurveyResponse]:
    return in_db(db_url, lambda s: list(s.scalars(select(SurveyResponse).order_by(SurveyResponse.id))))


def forms(db_url: str) -> list[SurveyForm]:
    return in_db(db_url, lambda s: list(s.scalars(select(SurveyForm).order_by(SurveyForm.id))))


def test_pre_and_post_answers_are_paired_by_a_hashed_code(db_url: str, tmp_path: Path):
    publish_workshop(db_url, tmp_path, own_questions=True)
    with client_for(db_url) as client:
        page = client.get("/workshops/ws-one/survey/pre")
        assert "Which system does your laptop run?" in page.text  # the workshop's own item (phase both)
        assert "The pace of the sessions suited me." not in page.text  # phase post only
        done = answer(client, "ws-one", "pre", CODE, all_items(2, ws_laptop="Linux", hopes="Use git"))
        assert done.status_code == 303 and done.headers["location"] == "/workshops/ws-one/survey/pre/thanks"
        assert "were stored" in client.get(done.headers["location"]).text
        post = answer(client, "ws-one", "post", " blue BICYCLE, 42! ",
                      all_items(4, recommend="9", ws_pace="5", improve="More breaks"))
        assert post.status_code == 303
    before, after = responses(db_url)
    assert (before.phase, after.phase) == ("pre", "post")
    assert before.code_hash == after.code_hash and len(before.code_hash) == 64
    assert not before.anonymous and before.bank_version == after.bank_version == 1
    assert before.answers == {**all_items(2), "ws_laptop": "Linux", "hopes": "Use git"}
    assert after.answers["recommend"] == 9 and after.answers["ws_pace"] == 5
    # The code itself is nowhere in the database.
    for row in (before, after):
        assert "bicycle" not in repr(row.answers).lower() and "bicycle" not in row.code_hash
    pre_form, post_form = forms(db_url)
    assert [q["id"] for q in pre_form.definition["questions"]][-1] == "ws_laptop"
    assert [q["id"] for q in post_form.definition["questions"]][-2:] == ["ws_pace", "ws_laptop"]
    assert (pre_form.bank_id, pre_form.bank_version) == ("pre-workshop", 1)
    report = build_report(in_db(db_url, lambda s: survey_store.report_input(
        s, [workshop_store.find_workshop(s, "ws-one")])))
    assert report.responses.paired == 1 and [i.n for i in report.items] == [1] * 5


def test_the_same_phrase_in_two_workshops_gives_unrelated_hashes(sqlite_url: str, tmp_path: Path):
    publish_workshop(sqlite_url, tmp_path, "ws-one")
    publish_workshop(sqlite_url, tmp_path, "ws-two")
    with client_for(sqlite_url) as client:
        assert answer(client, "ws-one", "pre", CODE, all_items(3)).status_code == 303
        assert answer(client, "ws-two", "pre", CODE, all_items(3)).status_code == 303
    one, two = responses(sqlite_url)
    assert one.code_hash != two.code_hash


def test_anonymous_answers_are_counted_not_paired(db_url: str, tmp_path: Path):
    publish_workshop(db_url, tmp_path)
    with client_for(db_url) as client:
        assert answer(client, "ws-one", "pre", None, all_items(1)).status_code == 303
        assert answer(client, "ws-one", "pre", None, all_items(2)).status_code == 303  # no code: no clash
        assert answer(client, "ws-one", "post", None, all_items(5, recommend="10")).status_code == 303
    rows = responses(db_url)
    assert [(r.phase, r.anonymous, r.code_hash) for r in rows] == [("pre", True, None), ("pre", True, None),
                                                                  ("post", True, None)]
    report = build_report(in_db(db_url, lambda s: survey_store.report_input(
        s, [workshop_store.find_workshop(s, "ws-one")])))
    c = report.responses
    assert (c.pre, c.pre_anonymous, c.post, c.post_anonymous, c.paired) == (2, 2, 1, 1, 0)
    assert report.recommend.counts[10] == 1


def test_bad_input_gets_a_message_per_field_and_keeps_what_was_typed(sqlite_url: str, tmp_path: Path):
    publish_workshop(sqlite_url, tmp_path)
    with client_for(sqlite_url) as client:
        refused = answer(client, "ws-one", "pre", "ab", {"get_unstuck": "4", "hopes": "Learn <b>git</b>",
                                                          "automate": "7"})
        assert refused.status_code == 422
        page = refused.text
        assert 'id="code-error">Use at least 6 letters or digits' in page
        assert 'id="q-find_help-error">Please answer this question.' in page
        assert 'id="q-automate-error">Give a number from 1 to 5.' in page
        assert 'value="ab"' in page and "Learn &lt;b&gt;git&lt;/b&gt;</textarea>" in page
        assert re.search(r'name="q-get_unstuck" value="4" checked', page)
        both = answer(client, "ws-one", "pre", CODE, all_items(3))
        assert both.status_code == 303
        data = {**dict(re.findall(r'name="(csrf_token|client_id)" value="([^"]+)"',
                                  client.get("/workshops/ws-one/survey/pre").text)),
                "code": "a phrase of mine", "anonymous": "yes", **{f"q-{k}": v for k, v in all_items(3).items()}}
        mixed = client.post("/workshops/ws-one/survey/pre", data=data, follow_redirects=False)
        assert mixed.status_code == 422 and "You chose to answer anonymously: leave the code empty" in mixed.text
        assert 'name="anonymous" value="yes" checked' in mixed.text
        again = answer(client, "ws-one", "pre", "blue bicycle 42", all_items(5, hopes="Second try"))
        assert again.status_code == 422
        assert "This code has already been used for this survey of this workshop." in again.text
        assert "Second try</textarea>" in again.text
        no_csrf = client.post("/workshops/ws-one/survey/pre", data={"code": CODE}, follow_redirects=False)
        assert no_csrf.status_code == 403
        assert client.get("/workshops/nope/survey/pre").status_code == 404
        assert client.get("/workshops/ws-one/survey/during").status_code == 404
    assert len(responses(sqlite_url)) == 1


def test_a_form_sent_twice_is_stored_once(sqlite_url: str, tmp_path: Path):
    publish_workshop(sqlite_url, tmp_path)
    with client_for(sqlite_url) as client:
        page = client.get("/workshops/ws-one/survey/pre").text
        data = {**dict(re.findall(r'name="(csrf_token|client_id)" value="([^"]+)"', page)), "code": CODE,
                **{f"q-{k}": v for k, v in all_items(4).items()}}
        for _ in range(2):
            assert client.post("/workshops/ws-one/survey/pre", data=data, follow_redirects=False).status_code == 303
    assert len(responses(sqlite_url)) == 1


def test_versions_old_answers_keep_their_form_and_only_matching_items_pair(db_url: str, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):
    publish_workshop(db_url, tmp_path)
    database = Database(db_url)

    def set_items(text: str) -> None:
        with database.write() as session:
            survey_store.set_items(session, workshop_store.find_workshop(session, "ws-one"), text)

    likert = "labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]"
    set_items(f"- {{id: ws_conf, type: likert, text: I can teach this to a colleague., {likert}}}\n")
    with client_for(db_url) as client:
        assert answer(client, "ws-one", "pre", CODE, all_items(2, ws_conf="1")).status_code == 303
    # The organisers reword their item and the bank gets a version 2 with `confident` reworded.
    set_items(f"- {{id: ws_conf, type: likert, text: I could teach this to a colleague., {likert}}}\n")
    post_v1 = bank.for_phase("post")
    reworded = {**post_v1.definition, "questions": [
        {**q, "text": "I am confident with the tools taught here."} if q["id"] == "confident" else q
        for q in post_v1.definition["questions"]]}
    v2 = bank.BankSurvey(post_v1.id, 2, reworded)
    real = bank.for_phase
    monkeypatch.setattr(bank, "for_phase", lambda phase: v2 if phase == "post" else real(phase))
    with client_for(db_url) as client:
        assert answer(client, "ws-one", "post", CODE, all_items(4, ws_conf="5", recommend="8")).status_code == 303
    pre, post = responses(db_url)
    assert (pre.bank_version, post.bank_version) == (1, 2)
    pre_form, post_form = forms(db_url)
    assert pre_form.id == pre.form_id and post_form.id == post.form_id
    assert [q["text"] for q in pre_form.definition["questions"] if q["id"] == "ws_conf"] == [
        "I can teach this to a colleague."]  # the old answer keeps the question it answered
    with database.read() as session:
        report = build_report(survey_store.report_input(session, [workshop_store.find_workshop(session, "ws-one")]))
    database.dispose()
    assert [i.id for i in report.items] == ["find_help", "get_unstuck", "automate", "reproducible"]
    assert len(report.notes) == 2 and report.versions == [("pre", 1, 1), ("post", 2, 1)]


def seed_service(db_url: str, tmp_path: Path) -> None:
    """Registrations, attendance and the survey answers of surveysupport.PAIRS (all on bank version 1)."""
    publish_workshop(db_url, tmp_path, capacity=3)
    database = Database(db_url)
    with database.write() as session:
        for i in range(5):  # 3 seated, 2 waiting
            workshop_store.register(session, "ws-one", workshop_store.Form(
                name=f"Person {i}", email=f"person{i}@example.org", affiliation="Uni", career_stage="senior"))
    with database.write() as session:
        token = session.scalar(select(Registration.token)
                               .where(Registration.email == "person1@example.org"))
        workshop_store.cancel(session, token)  # person 3 is promoted
    with database.write() as session:
        first, second = workshop_store.sessions_of(session, workshop_store.find_workshop(session, "ws-one").id)
        workshop_store.sign_in(session, first.sign_in_code, "person0@example.org")
        workshop_store.sign_in(session, first.sign_in_code, "person2@example.org")
        workshop_store.sign_in(session, second.sign_in_code, "person0@example.org")
    with database.write() as session:
        workshop = workshop_store.find_workshop(session, "ws-one")
        for n, (code, fh0, fh1, au0, au1, co0, co1, rec, hopes, improve) in enumerate(PAIRS):
            phrase = f"learner {code} phrase"
            pre = {k: v for k, v in {"find_help": fh0, "automate": au0, "confident": co0, "hopes": hopes}.items() if v}
            post = {k: v for k, v in {"find_help": fh1, "automate": au1, "confident": co1, "recommend": rec,
                                      "improve": improve}.items() if v}
            survey_store.submit(session, workshop, "pre", phrase, pre, f"pre-{n}")
            survey_store.submit(session, workshop, "post", phrase, post, f"post-{n}")
        survey_store.submit(session, workshop, "pre", None, {"find_help": 3}, "anon-1")
        survey_store.submit(session, workshop, "post", None, {"find_help": 5, "recommend": 3}, "anon-2")
    database.dispose()


def test_report_from_seeded_service_data_matches_the_data(db_url: str, tmp_path: Path):
    seed_service(db_url, tmp_path)
    with Database(db_url).read() as session:
        report = build_report(survey_store.report_input(session, [workshop_store.find_workshop(session, "ws-one")]))
    assert report.headcounts == {"registered": 5, "seated": 3, "waiting": 1, "cancelled": 1, "attended_any": 2}
    assert [s["attended"] for s in report.workshops[0].headcounts["per_session"]] == [2, 1]
    c = report.responses
    assert (c.pre, c.post, c.pre_anonymous, c.post_anonymous, c.paired) == (7, 7, 1, 1, 6)
    find_help, automate, confident = report.items
    assert (find_help.n, find_help.before, find_help.after) == (6, [1, 2, 1, 1, 1], [0, 1, 1, 3, 1])
    assert (find_help.higher, find_help.same, find_help.lower) == (3, 2, 1)
    assert (automate.n, automate.enough) == (3, False)
    assert (confident.n, confident.before, confident.after) == (6, [1, 2, 1, 1, 1], [0, 0, 1, 3, 2])
    assert report.recommend.counts == [0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 2] and report.recommend.nps is None
    html = render.report_html(report)
    for i in range(5):  # no personal data
        assert f"Person {i}" not in html and f"person{i}@example.org" not in html
    assert "Uni<" not in html and "learner p1 phrase" not in html


def test_report_pages_check_access_and_download(sqlite_url: str, tmp_path: Path):
    seed_service(sqlite_url, tmp_path)
    publish_workshop(sqlite_url, tmp_path, "ws-two")
    for name in ("teacher", "stranger"):
        add_user(sqlite_url, name, lessons=[])
    database = Database(sqlite_url)
    with database.write() as session:
        workshop_store.grant(session, "teacher", "ws-one", "instructor")
    database.dispose()
    with client_for(sqlite_url) as client:
        anonymous = client.get("/workshops/ws-one/report", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
        login(client, "stranger")
        assert client.get("/workshops/ws-one/report").status_code == 403
        assert client.get("/workshops/ws-one/report.pdf").status_code == 403
    with client_for(sqlite_url) as client:
        login(client, "teacher")
        page = client.get("/workshops/ws-one/report")
        assert page.status_code == 200 and "Impact report" in page.text
        assert 'href="/survey-assets/report.css"' in page.text and client.get("/survey-assets/report.css").status_code == 200
        assert "n = 6: 3 answered higher after the workshop, 2 the same, 1 lower." in " ".join(page.text.split())
        offline = client.get("/workshops/ws-one/report.html")
        assert offline.headers["content-disposition"] == 'attachment; filename="ws-one-report.html"'
        assert external_references(offline.text) == []
        pdf = client.get("/workshops/ws-one/report.pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        # Across workshops: only those the viewer may see.
        assert client.get("/workshops/ws-one/report?also=ws-two").status_code == 403
        # The organisers' form is for organisers, not instructors.
        assert client.get("/workshops/ws-one/survey/items").status_code == 403
    database = Database(sqlite_url)
    with database.write() as session:
        workshop_store.grant(session, "teacher", "ws-two", "instructor")
    database.dispose()
    with client_for(sqlite_url) as client:
        login(client, "teacher")
        across = client.get("/workshops/ws-one/report?also=ws-two")
        assert across.status_code == 200 and "<h1>2 workshops</h1>" in across.text
        assert "Impact report across 2 workshops" in across.text
        assert 'href="/workshops/ws-one/report.pdf?also=ws-two"' in across.text
        assert "2 workshops" in client.get("/workshops/ws-one/report.html?also=ws-two").text


def test_organisers_set_the_workshops_own_questions_with_messages(sqlite_url: str, tmp_path: Path):
    publish_workshop(sqlite_url, tmp_path, own_questions=True)
    add_user(sqlite_url, "organiser", lessons=[])
    database = Database(sqlite_url)
    with database.write() as session:
        workshop_store.grant(session, "organiser", "ws-one", "organiser")
    database.dispose()
    with client_for(sqlite_url) as client:
        login(client, "organiser")
        page = client.get("/workshops/ws-one/survey/items")
        assert page.status_code == 200 and "The workshop file adds: “The pace of the sessions suited me.”" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        bad = "- {id: recommend, type: text, text: Again}\n- {id: x, type: likert, text: X, phase: later}\n"
        refused = client.post("/workshops/ws-one/survey/items", data={"csrf_token": token, "items": bad})
        assert refused.status_code == 422
        assert "questions[2].phase: one of pre, post, both" in refused.text
        assert "- {id: recommend, type: text, text: Again}" in refused.text  # what was typed is kept
        clash = client.post("/workshops/ws-one/survey/items",
                            data={"csrf_token": token, "items": "- {id: recommend, type: text, text: Again}\n"})
        assert clash.status_code == 422 and "already used by the built-in post-workshop survey" in clash.text
        good = client.post("/workshops/ws-one/survey/items",
                           data={"csrf_token": token, "items": "- {id: ws_goal, type: text, text: Your goal?, phase: pre}\n"})
        assert good.status_code == 200 and "Saved." in good.text
        survey = client.get("/workshops/ws-one/survey/pre").text
        assert "Your goal?" in survey and "Which system does your laptop run?" not in survey


def run(*args: str):
    return CliRunner().invoke(main, ["feedback", *args], catch_exceptions=False)


def test_report_command_writes_html_and_pdf_and_keeps_the_old_file_on_errors(sqlite_url: str, tmp_path: Path):
    from pypdf import PdfReader

    seed_service(sqlite_url, tmp_path)
    out = tmp_path / "report.html"
    result = run("report", "ws-one", "--out", str(out), "--db", sqlite_url)
    assert result.exit_code == 0, result.output
    assert "7 answers before, 7 after, 6 paired" in result.output
    html = out.read_text(encoding="utf-8")
    assert external_references(html) == [] and "Workshop ws-one" in html
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a private temporary one
    pdf = tmp_path / "report.pdf"
    assert run("report", "ws-one", "--out", str(pdf), "--db", sqlite_url).exit_code == 0
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert "n = 6: 3 answered higher after the workshop, 2 the same, 1 lower." in text
    missing = run("report", "nope", "--out", str(out), "--db", sqlite_url)
    assert missing.exit_code == 1 and "there is no workshop 'nope'" in missing.output
    assert out.read_text(encoding="utf-8") == html  # the earlier report is intact
    wrong = run("report", "ws-one", "--out", str(tmp_path / "report.docx"), "--db", sqlite_url)
    assert wrong.exit_code == 2 and "written as .html or .pdf" in wrong.output
    publish_workshop(sqlite_url, tmp_path, "ws-two")
    both = run("report", "ws-one", "ws-two", "--out", str(out), "--db", sqlite_url)
    assert both.exit_code == 0 and "2 workshop(s)" in both.output
    assert "2 workshops" in out.read_text(encoding="utf-8")


def test_survey_bank_command_lists_shows_and_installs(sqlite_url: str):
    listed = run("survey-bank")
    assert listed.exit_code == 0
    assert "pre-workshop  version 1  7 questions (5 agreement items)  Before the workshop" in listed.output
    assert "codev-interview  version 1" in listed.output
    shown = run("survey-bank", "--show", "post-workshop")
    assert shown.exit_code == 0 and "version: 1\nid: post-workshop" in shown.output
    assert run("survey-bank", "--show", "nope").exit_code == 2
    installed = run("survey-bank", "--install", "codev-interview", "--db", sqlite_url)
    assert installed.exit_code == 0 and "as questionnaire /q/codev-interview" in installed.output
    assert in_db(sqlite_url, lambda s: s.scalar(select(Questionnaire.slug))) == "codev-interview"
    with client_for(sqlite_url) as client:
        assert "Co-development interview about a lesson draft" in client.get("/q/codev-interview").text



def test_a_workshop_file_with_wrong_questions_gets_a_clear_message(sqlite_url: str, tmp_path: Path):
    from workshopsupport import workshop_yaml

    path = tmp_path / "ws-bad.yaml"
    path.write_text(workshop_yaml("ws-bad") + "surveys:\n  questions:\n    - {id: x, type: colour, text: X}\n",
                    encoding="utf-8")
    database = Database(sqlite_url)
    database.migrate()
    with database.write() as session:
        workshop_store.publish(session, path)
    database.dispose()
    add_user(sqlite_url, "coordinator", role="admin")
    with client_for(sqlite_url) as client:
        page = client.get("/workshops/ws-bad/survey/pre")
        assert page.status_code == 503 and "own questions have a mistake" in page.text
        assert "/workshops/ws-bad/survey/items" in page.text
        login(client, "coordinator")
        items = client.get("/workshops/ws-bad/survey/items")
        assert "surveys.questions[1] (x).type: one of" in items.text
