"""``lessonkit feedback`` commands: exit codes, messages, and what they change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedbacksupport import client_for, in_db, widget_payload
from sqlalchemy import select

from lessonkit.build import Builder, BuildOptions
from lessonkit.cli import main
from lessonkit.feedback import lessons
from lessonkit.feedback.models import Invitation, LessonPage, Questionnaire, User
from testsupport import FIXTURES

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "lessonkit" / "feedback" / "questionnaires"


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["feedback", *args], input=stdin, catch_exceptions=False)


def build_lesson(tmp_path: Path, feedback_url: str, name: str = "cells") -> Path:
    lesson = tmp_path / name
    shutil.copytree(FIXTURES / "workbench", lesson)
    with (lesson / "config.yaml").open("a") as config:
        config.write(f"feedback_url: '{feedback_url}'\n")
    result = Builder(lesson, BuildOptions(out=tmp_path / f"{name}-site", cache=tmp_path / f"{name}-cache")).build()
    assert result.ok, result.diagnostics
    return tmp_path / f"{name}-site"


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("serve", "create-user", "add-lesson", "open-round", "invite", "revoke", "close-round",
                    "load-questionnaire", "export", "migrate", "set-password", "grant"):
        assert command in result.output
    top = CliRunner().invoke(main, ["--help"])
    assert "feedback" in top.output


def test_coordinator_workflow(sqlite_url, tmp_path):
    db = ["--db", sqlite_url]
    created = run("create-user", "coord", "--admin", "--password-stdin", *db, stdin="long enough pw\n")
    assert created.exit_code == 0 and "created admin coord" in created.output
    site = build_lesson(tmp_path, "http://127.0.0.1:8100")
    added = run("add-lesson", "cells", "--title", "Cells", "--site", "https://Example.org/cells/",
                "--from-site", str(site), *db)
    assert added.exit_code == 0, added.output
    assert "sites https://example.org" in added.output and "3 episodes read" in added.output
    opened = run("open-round", "cells", "--title", "Draft review", *db)
    assert opened.exit_code == 0 and opened.output.strip() == "opened review round 1"
    invited = run("invite", "1", "--name", "Dr Reviewer", "--base-url", "https://feedback.example/", *db)
    assert invited.exit_code == 0
    link = invited.output.strip().splitlines()[-1]
    assert link.startswith("https://feedback.example/invite/") and len(link.rsplit("/", 1)[1]) >= 43
    with client_for(sqlite_url) as client:
        assert client.get(link.removeprefix("https://feedback.example")).status_code == 200
    revoked = run("revoke", "1", *db)
    assert revoked.exit_code == 0
    assert in_db(sqlite_url, lambda s: s.get(Invitation, 1).revoked_at) is not None
    closed = run("close-round", "1", *db)
    assert closed.exit_code == 0
    assert run("invite", "1", "--name", "Late", *db).exit_code == 1
    roles = in_db(sqlite_url, lambda s: [(u.username, u.role) for u in s.scalars(select(User))])
    assert roles == [("coord", "admin")]
    pages = in_db(sqlite_url, lambda s: [(p.slug, p.title, p.sections[:1])
                                         for p in lessons.pages_of(s, "cells")])
    assert pages[0][0] == "counting-cells" and pages[0][1] == "Counting Cells"
    assert ["why-count", "Why count cells?"] in in_db(
        sqlite_url, lambda s: s.get(LessonPage, ("cells", "counting-cells")).sections)


def test_load_questionnaire(sqlite_url, tmp_path):
    loaded = run("load-questionnaire", str(EXAMPLE / "masterclass-interview.yaml"), "--db", sqlite_url)
    assert loaded.exit_code == 0 and "served at /q/masterclass-interview" in loaded.output
    again = run("load-questionnaire", str(EXAMPLE / "masterclass-interview.yaml"), "--db", sqlite_url)
    assert again.exit_code == 0 and again.output.startswith("updated")
    assert in_db(sqlite_url, lambda s: len(list(s.scalars(select(Questionnaire))))) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: T\nquestions:\n  - {id: a, type: essay, text: A}\n")
    refused = run("load-questionnaire", str(bad), "--db", sqlite_url)
    assert refused.exit_code == 1 and "questions[1] (a).type" in refused.output
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert run("load-questionnaire", str(binary), "--db", sqlite_url).exit_code == 1


def test_export_command(sqlite_url, tmp_path):
    run("add-lesson", "demo", "--db", sqlite_url)
    with client_for(sqlite_url) as client:
        client.post("/api/v1/feedback", json=widget_payload(category="unclear"))
        client.post("/api/v1/feedback", json=widget_payload(page="other"))
    as_json = run("export", "--format", "json", "--page", "other", "--db", sqlite_url)
    assert as_json.exit_code == 0 and json.loads(as_json.output)["count"] == 1
    out = tmp_path / "issues.md"
    written = run("export", "--format", "md", "--category", "unclear", "-o", str(out), "--db", sqlite_url)
    assert written.exit_code == 0 and out.read_text().startswith("## Unclear\\: Introduction")
    assert run("export", "--status", "maybe", "--db", sqlite_url).exit_code == 2


@pytest.mark.parametrize(("args", "code", "message"), [
    (["open-round", "nope", "--title", "x"], 1, "there is no lesson 'nope'"),
    (["add-lesson", "bad id!"], 1, "not a lesson id"),
    (["add-lesson", "ok", "--site", "ftp://x"], 1, "not a web origin"),
    (["revoke", "42"], 1, "no invitation 42"),
    (["close-round", "7"], 1, "no review round 7"),
    (["invite", "notanumber", "--name", "x"], 2, "not a valid integer"),
    (["serve", "--rate-limit", "fast"], 2, "not a rate"),
    (["serve", "--allow-origin", "example.org"], 2, "not a web origin"),
    (["open-round", "x"], 2, "Missing option '--title'"),
])
def test_errors_are_clear_and_exit_codes_right(sqlite_url, args, code, message):
    result = run(*args, "--db", sqlite_url)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_database_urls(tmp_path):
    assert run("migrate", "--db", "mysql://x/y").exit_code == 2
    missing_folder = run("migrate", "--db", f"sqlite:///{tmp_path / 'no' / 'such.db'}")
    assert missing_folder.exit_code == 2 and "does not exist" in missing_folder.output
    unreachable = run("migrate", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert unreachable.exit_code == 1 and "cannot open the database" in unreachable.output


def test_passwords_are_checked_and_can_be_changed(sqlite_url):
    assert run("create-user", "ada", "--password-stdin", "--db", sqlite_url, stdin="short\n").exit_code == 1
    assert run("create-user", "ada", "--password-stdin", "--db", sqlite_url, stdin="first password\n").exit_code == 0
    assert run("create-user", "ada", "--password-stdin", "--db", sqlite_url,
               stdin="first password\n").exit_code == 1  # exists
    changed = run("set-password", "ada", "--password-stdin", "--db", sqlite_url, stdin="second password\n")
    assert changed.exit_code == 0
    from feedbacksupport import login

    with client_for(sqlite_url) as client:
        login(client, "ada", "second password")
    assert run("set-password", "ghost", "--password-stdin", "--db", sqlite_url,
               stdin="second password\n").exit_code == 1


def test_default_database_is_a_file_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LESSONKIT_FEEDBACK_DB", raising=False)
    assert run("migrate").exit_code == 0
    assert (tmp_path / "feedback.sqlite3").is_file()


def test_read_site_refuses_a_folder_that_is_not_a_built_site(tmp_path):
    with pytest.raises(lessons.LessonError):
        lessons.read_site(tmp_path)
    result = run("add-lesson", "x", "--from-site", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'f.db'}")
    assert result.exit_code == 1 and "not a site built by lessonkit build" in result.output


def test_authors_lessons_from_the_command_line(sqlite_url):
    db = ["--db", sqlite_url]
    assert run("add-lesson", "demo", *db).exit_code == 0 and run("add-lesson", "other", *db).exit_code == 0
    created = run("create-user", "ada", "--password-stdin", "--lesson", "demo", *db, stdin="long enough pw\n")
    assert created.exit_code == 0 and "created author ada for demo" in created.output
    granted = run("grant", "ada", "other", *db)
    assert granted.exit_code == 0 and "ada triages: demo, other" in granted.output
    withdrawn = run("grant", "ada", "demo", "--withdraw", *db)
    assert withdrawn.exit_code == 0 and "ada triages: other" in withdrawn.output
    unknown = run("grant", "ada", "nope", *db)
    assert unknown.exit_code == 1 and "there is no lesson 'nope'" in unknown.output
    nobody = run("grant", "ghost", "demo", *db)
    assert nobody.exit_code == 1 and "no user called 'ghost'" in nobody.output


def test_serve_options_are_checked():
    bad_url = run("serve", "--public-url", "feedback.example.org")
    assert bad_url.exit_code == 2 and "not a web origin" in bad_url.output
    bad_rate = run("serve", "--login-account-rate-limit", "lots")
    assert bad_rate.exit_code == 2 and "not a rate" in bad_rate.output
