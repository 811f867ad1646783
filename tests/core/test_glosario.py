"""Glosario links (config.yaml ``glosario:``): ``{{ glosario.slug }}`` becomes a link to the term in the
page's language, from a copy in the lesson or a download kept in the user's cache; the checks report
unknown slugs, placeholders in lessons without Glosario, and a glossary that cannot be had.

The download is served by a local HTTP server (nothing leaves localhost); the glossary text is ours."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit import glosario
from lessonkit.build import Builder, BuildOptions
from lessonkit.checks import check_lesson
from lessonkit.execute import ExecutionOptions
from lessonkit.readers import read_lesson

GLOSSARY = """\
- slug: variable
  en:
    term: variable
    def: A name that refers to a [value](#value) in a *program*.
  de:
    term: Variable
    def: Ein Name, der auf einen Wert verweist.
- slug: loop
  en:
    term: loop
    def: A block of code run again and again.
- slug: not_an_entry
"""

EPISODE = """\
---
title: Einführung
teaching: 5
exercises: 0
---

Eine {{ glosario.variable }} und eine {{glosario.loop}} und {{ glosario.varable }}.

`{{ glosario.variable }}` bleibt Code, und [ein Link](<https://example.org/{{ glosario.loop }}>) bleibt ein Link.
"""


def _lesson(root: Path, setting: str, lang: str = "de", episode: str = EPISODE) -> Path:
    (root / "episodes").mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(
        f"carpentry: incubator\ntitle: Glosario\nlang: {lang}\n{setting}episodes:\n- intro.md\n", encoding="utf-8")
    (root / "episodes" / "intro.md").write_text(episode, encoding="utf-8")
    return root


def _build(lesson: Path, out: Path) -> Document:
    result = Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(enabled=False))).build()
    assert result.ok
    return Document((out / "intro.html").read_text(encoding="utf-8"))


def _prose(page: Document) -> str:
    return next(p.text() for p in page.find_all("p") if p.text().startswith("Eine"))


def _found(lesson: Path, rule: str) -> list:
    read = read_lesson(lesson)
    return [d for d in list(read.report) + check_lesson(read) if d.rule == rule]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test has its own user cache and no network (the memo of loaded glossaries is emptied)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv(glosario.URL_VARIABLE, "http://127.0.0.1:9/glossary.yml")  # discard port: refused
    monkeypatch.delenv(glosario.OFFLINE_VARIABLE, raising=False)
    glosario._MEMO.clear()
    yield
    glosario._MEMO.clear()


class _Server:
    """glossary.yml over HTTP on localhost; counts the requests."""

    def __init__(self, text: str):
        self.text, self.requests = text, 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                body = owner.text.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/glossary.yml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = _Server(GLOSSARY)
    yield running
    running.close()


def test_placeholders_link_terms_in_the_page_language_from_a_copy_in_the_lesson(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "glosario: glossary.yml\n")
    (lesson / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    page = _build(lesson, tmp_path / "out")
    links = page.find_all("a", cls="glosario")
    assert [(a.attrs["href"], a.text()) for a in links] == [
        ("https://glosario.carpentries.org/de/#variable", "Variable"),
        ("https://glosario.carpentries.org/en/#loop", "loop"),  # no German entry: the English one
    ]
    assert links[0].attrs["title"] == "Ein Name, der auf einen Wert verweist."
    assert "lang" not in links[0].attrs and links[1].attrs["lang"] == "en"
    paragraph = _prose(page)
    assert "und varable." in paragraph and "{{" not in paragraph  # unknown slug: the word, unlinked
    assert page.find("code").text() == "{{ glosario.variable }}"  # code is code
    assert any("example.org" in a.attrs.get("href", "") for a in page.find_all("a"))


def test_english_tooltip_is_plain_text(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "glosario: glossary.yml\n", lang="en")
    (lesson / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    link = _build(lesson, tmp_path / "out").find("a", cls="glosario")
    assert link.attrs["title"] == "A name that refers to a value in a program."


def test_check_reports_unknown_slugs_where_they_are_with_a_suggestion(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "glosario: glossary.yml\n")
    (lesson / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    [found] = _found(lesson, "glosario-term-unknown")
    assert (found.path, found.line, found.column) == ("episodes/intro.md", 7, 61)
    assert "'varable'" in found.message and "Did you mean variable?" in found.fix


def test_placeholders_without_glosario_are_shown_as_written_and_reported(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "")
    page = _build(lesson, tmp_path / "out")
    assert page.find("a", cls="glosario") is None
    assert "Eine {{ glosario.variable }} und" in _prose(page)
    found = _found(lesson, "glosario-disabled")
    assert [(d.line, d.column) for d in found] == [(7, 6), (7, 39), (7, 61)]  # not the ones in code or a URL
    assert "glosario: true" in found[0].fix


def test_download_is_kept_in_the_user_cache_and_used_offline(tmp_path: Path, server, monkeypatch):
    monkeypatch.setenv(glosario.URL_VARIABLE, server.url)
    lesson = _lesson(tmp_path / "lesson", "glosario: true\n")
    page = _build(lesson, tmp_path / "out")
    assert page.find("a", cls="glosario").attrs["href"].endswith("/de/#variable")
    assert server.requests == 1
    assert _found(lesson, "glosario-unavailable") == []
    server.close()  # the network is gone; a new process (memo emptied) uses the kept copy
    glosario._MEMO.clear()
    page = _build(lesson, tmp_path / "out2")
    assert page.find("a", cls="glosario").text() == "Variable"
    cached = list((tmp_path / "user-cache" / "lessonkit" / "glosario").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".msgpack"  # plain data, keyed to this user


def test_a_tampered_download_cache_is_ignored(tmp_path: Path, server, monkeypatch):
    monkeypatch.setenv(glosario.URL_VARIABLE, server.url)
    lesson = _lesson(tmp_path / "lesson", "glosario: true\n")
    _build(lesson, tmp_path / "out")
    [cached] = (tmp_path / "user-cache" / "lessonkit" / "glosario").iterdir()
    cached.write_bytes(cached.read_bytes().replace(b"Variable", b"Vaaaaaaa"))
    glosario._MEMO.clear()
    assert _build(lesson, tmp_path / "out2").find("a", cls="glosario").text() == "Variable"
    assert server.requests == 2  # fetched again


def test_no_network_and_no_copy_warns_once_and_links_unchecked(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "glosario: true\n")
    page = _build(lesson, tmp_path / "out")
    assert next(a.attrs["href"] for a in page.find_all("a", cls="glosario")).endswith("/de/#variable")
    [found] = _found(lesson, "glosario-unavailable")
    assert (found.path, found.line) == ("config.yaml", 4)
    assert "127.0.0.1:9" in found.message and "copy of glossary.yml" in found.fix
    assert _found(lesson, "glosario-term-unknown") == []  # nothing to check against


def test_offline_setting_never_downloads(tmp_path: Path, server, monkeypatch):
    monkeypatch.setenv(glosario.URL_VARIABLE, server.url)
    monkeypatch.setenv(glosario.OFFLINE_VARIABLE, "1")
    lesson = _lesson(tmp_path / "lesson", "glosario: true\n")
    [found] = _found(lesson, "glosario-unavailable")
    assert "LESSONKIT_OFFLINE=1" in found.message and server.requests == 0


@pytest.mark.parametrize("value, words", [
    ("../outside.yml", "climbs out"), ("/etc/passwd", "absolute path"),
    ("missing.yml", "No such file"), ("bad.yml", "not valid YAML"), ("map.yml", "list of entries")])
def test_bad_copies_are_errors_at_the_config_line(tmp_path: Path, value: str, words: str):
    lesson = _lesson(tmp_path / "lesson", f"glosario: {value}\n")
    (tmp_path / "outside.yml").write_text(GLOSSARY, encoding="utf-8")
    (lesson / "bad.yml").write_text("- slug: [unclosed\n", encoding="utf-8")
    (lesson / "map.yml").write_text("variable: a name\n", encoding="utf-8")
    [found] = _found(lesson, "glosario-file")
    assert (found.path, found.line) == ("config.yaml", 4) and words in found.message


def test_a_symlinked_copy_outside_the_lesson_is_not_read(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "glosario: glossary.yml\n")
    (tmp_path / "secret.yml").write_text(GLOSSARY, encoding="utf-8")
    (lesson / "glossary.yml").symlink_to(tmp_path / "secret.yml")
    result = Builder(lesson, BuildOptions(out=tmp_path / "out", execution=ExecutionOptions(enabled=False))).build()
    assert not result.ok and not (tmp_path / "out").exists()  # an error: nothing published
    assert any("leads outside the lesson" in d.message for d in _found(lesson, "glosario-file"))


def test_editing_the_copy_rebuilds_the_pages(tmp_path: Path):
    lesson = _lesson(tmp_path / "lesson", "glosario: glossary.yml\n")
    (lesson / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    out = tmp_path / "out"
    assert _build(lesson, out).find("a", cls="glosario").text() == "Variable"
    (lesson / "glossary.yml").write_text(GLOSSARY.replace("term: Variable", "term: Die Variable"), encoding="utf-8")
    assert _build(lesson, out).find("a", cls="glosario").text() == "Die Variable"


def test_setting_values():
    assert glosario.setting({}) is False and glosario.setting({"glosario": False}) is False
    assert glosario.setting({"glosario": True}) is True and glosario.setting({"glosario": "true"}) is True
    assert glosario.setting({"glosario": "terms/glossary.yml"}) == "terms/glossary.yml"
