"""Exports escape every field in every format (issue #11 items 4 and 9)."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from feedbacksupport import add_user, client_for, login, seed, widget_payload
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from lessonkit.feedback import export

WJ = "\u2060"
# What GitHub-flavoured Markdown adds to CommonMark that could turn text into markup.
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TEMPLATE_TAGS = {"h2", "p", "strong", "code", "blockquote", "hr", "br", "em"}
HOSTILE = [
    "x` @maintainer ![pixel](https://evil.example/p.png) [click](https://evil.example) `",
    "``` <img src=x onerror=alert(1)> ```",
    "<script>alert(1)</script>",
    "see #12 and @org/team, mail a@b.org, www.evil.example, https://evil.example/x",
    "| a | b |\n|---|---|\n| c | d |",
    "*em* **strong** ~~del~~ [^1] \\` &amp; &#64;x",
    "=cmd|' /C calc'!A0",
]


def row(**fields) -> dict:
    base = {"id": 7, "lesson": "demo", "page": "intro", "page_title": "Intro", "section": "why",
            "section_title": "Why", "rating": 4, "category": "unclear", "comment": "Fine.", "source": "review",
            "round": "Draft", "reviewer": "Rev", "status": "new", "assignee": "", "created_at": "2026-12-01T09:00:00Z",
            "updated_at": "2026-12-01T09:00:00Z", "client_id": "abcdefgh"}
    base.update(fields)
    return base


def tags(markdown: str) -> set[str]:
    return set(re.findall(r"<([a-z][a-z0-9]*)", MD.render(markdown)))


def visible_text(markdown: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", MD.render(markdown))).replace(WJ, "")


def no_live_references(markdown: str) -> None:
    """No mention, #reference or autolink outside code spans (GitHub makes none inside them)."""
    rendered = re.sub(r"<code>.*?</code>", " ", MD.render(markdown), flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
    assert not re.search(r"[@#][\w-]", text), text  # GitHub finds mentions and #refs in the rendered text
    source = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", " ", markdown)
    assert "://" not in source and not re.search(r"(?i)www\.", source), source  # GFM's autolink triggers


@pytest.mark.parametrize("field", ["lesson", "page", "page_title", "section", "section_title", "comment", "round",
                                   "reviewer", "category", "created_at"])
@pytest.mark.parametrize("value", HOSTILE)
def test_every_markdown_field_is_escaped(field, value):
    markdown = export.to_markdown([row(**{field: value})])
    assert tags(markdown) <= TEMPLATE_TAGS, MD.render(markdown)
    assert "<a" not in MD.render(markdown) and "<img" not in MD.render(markdown)
    no_live_references(markdown)
    assert " ".join(value.split()) in " ".join(visible_text(markdown).split())


_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: _TEXT for name in ("lesson", "page", "page_title", "section", "section_title",
                                                      "comment", "round", "reviewer")}))
def test_markdown_export_of_any_text_has_only_the_templates_markup(fields):
    fields = {k: v for k, v in fields.items() if v.strip() or k not in ("lesson", "page")}
    markdown = export.to_markdown([row(**fields)])
    assert tags(markdown) <= TEMPLATE_TAGS, MD.render(markdown)
    no_live_references(markdown)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_escaped_text_reads_as_written(value):
    assume_text = " ".join(value.split())
    shown = " ".join(visible_text(export.md_text(value)).split())
    assert shown == assume_text


@given(_TEXT)
def test_code_spans_hold_any_backticks(value):
    span = export.md_code(value)
    rendered = MD.renderInline(span)
    if " ".join(value.split()):
        assert rendered.startswith("<code>") and rendered.endswith("</code>") and rendered.count("<code>") == 1
        assert html.unescape(rendered[6:-7]).strip() == " ".join(value.split()).strip()


FORMULAS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\uff1d1+1", "  =1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("before", ["", "ok;", "ok,", "ok\t", "ok\n", "ok\r\n", "a; b;"])
def test_csv_neutralises_a_formula_in_every_cell_segment(before, formula):
    text = export.to_csv([row(comment=before + formula, page_title=before + formula, client_id=before + formula)])
    [parsed] = list(csv.DictReader(io.StringIO(text)))
    for name in ("comment", "page_title", "client_id"):
        for segment in re.split(r"[;,\t\r\n]", parsed[name]):
            assert not re.match(r"[ \u00a0]*[=+\-@\uff1d\uff0b\uff0d\uff20]", segment), (name, parsed[name])
        assert parsed[name].replace("'", "") == (before + formula).replace("\r\n", "\n") or \
            parsed[name].replace("'", "") == before + formula


@given(st.lists(_TEXT, min_size=1, max_size=5))
@example(["'"]).via("a lone apostrophe: the test's own undo removed it")
@example(["'=1", "a, =b"])
def test_csv_quotes_every_cell_and_keeps_the_text(values):
    rows = [row(comment=value, reviewer=value) for value in values]
    text = export.to_csv(rows)
    parsed = list(csv.reader(io.StringIO(text)))
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(parsed)
    assert again.getvalue() == text  # every cell was quoted
    for value, line in zip(values, parsed[1:], strict=True):
        cell = line[export.COLUMNS.index("comment")]
        assert cell == export.csv_cell(value)  # the CSV round trip keeps the neutralised text exactly
        assert cell.replace("'", "") == value.replace("'", "")  # neutralising only adds apostrophes
        assert not re.search(r"(^|[;,\t\r\n])[ \u00a0]*[=+\-@\uff1d\uff0b\uff0d\uff20]", cell)  # no formula


def test_json_export_is_plain_json():
    rows = [row(comment=value) for value in HOSTILE]
    assert [r["comment"] for r in json.loads(export.to_json(rows))["feedback"]] == HOSTILE


def test_the_widget_section_is_an_identifier_not_free_text(db_url):
    """Issue #11 item 4: a backtick in ``section`` broke out of the export's code span."""
    seed(db_url)
    with client_for(db_url) as client:
        hostile = client.post("/api/v1/feedback", json=widget_payload(section=HOSTILE[0]))
        spaced = client.post("/api/v1/feedback", json=widget_payload(section="why bother"))
        fine = client.post("/api/v1/feedback", json=widget_payload(section="why-bother:2.a"))
    assert hostile.status_code == 422 and "section" in hostile.json()["fields"]
    assert spaced.status_code == 422
    assert fine.status_code == 201


def test_exports_through_the_service_escape_stored_text(db_url):
    seed(db_url)
    add_user(db_url, "author")
    with client_for(db_url) as client:
        for value in HOSTILE:
            assert client.post("/api/v1/feedback", json=widget_payload(
                comment=value, page_title=value[:300], section_title=value[:300])).status_code == 201
        login(client, "author")
        markdown = client.get("/triage/export.md").text
        table = client.get("/triage/export.csv").text
    assert tags(markdown) <= TEMPLATE_TAGS
    no_live_references(markdown)
    for line in csv.reader(io.StringIO(table)):
        for cell in line:
            for segment in re.split(r"[;,\t\r\n]", cell):
                assert not re.match(r"[ \u00a0]*[=+\-@]", segment), cell
