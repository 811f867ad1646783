"""The report as an offline HTML file (nothing external, accessible SVG with a table beside each chart,
the numbers of the seeded data set) and as PDF (read back with pypdf)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import lxml.html
from pypdf import PdfReader
from surveysupport import HEADCOUNTS, POST, PRE, external_references, seeded_responses

from lessonkit.feedback.surveys.render import report_html, report_pdf
from lessonkit.feedback.surveys.report import ReportInput, ResponseData, WorkshopData, build_report

MADE = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def seeded_html() -> str:
    report = build_report(ReportInput([WorkshopData("alpha", "Alpha workshop", HEADCOUNTS, seeded_responses())]))
    return report_html(report, MADE)


def table(element) -> dict[str, list[str]]:
    """The rows of the (first) table in or at ``element``: row heading -> cells."""
    return {row.xpath("th")[0].text_content().strip(): [td.text_content().strip() for td in row.xpath("td")]
            for row in element.xpath("(descendant-or-self::table)[1]/tbody/tr")}


def by_id(doc, element_id: str):
    return doc.get_element_by_id(element_id)


def by_class(doc, name: str) -> list:
    return doc.xpath(f"//*[contains(concat(' ', @class, ' '), ' {name} ')]")


def test_static_html_is_self_contained():
    html = seeded_html()
    assert external_references(html) == []
    assert html.count("<svg") == 3  # find_help, confident and recommend (automate: not enough answers)
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"] * 3  # namespaces only


def test_static_html_shows_the_seeded_numbers_and_small_number_rules():
    doc = lxml.html.fromstring(seeded_html())
    assert doc.xpath("//h1")[0].text_content() == "Alpha workshop"
    assert table(by_id(doc, "headcounts")) == {"Registered (ever)": ["14"], "Seated": ["10"], "On the waiting list": ["2"],
                                         "Cancelled": ["2"], "Attended at least one session": ["9"]}
    assert table(by_id(doc, "sessions-1")) == {"1. Morning": ["9"], "2. Afternoon": ["7"]}
    counts = table(by_id(doc, "response-counts"))
    assert counts["Before the workshop"] == ["9"] and counts["After the workshop"] == ["8"]
    assert counts["Learners with paired answers (before and after)"] == ["6"]
    find_help = by_id(doc, "item-1-section")
    assert find_help.xpath(".//h3")[0].text_content().startswith("When a technical problem stops me")
    assert table(find_help) == {"Strongly disagree": ["1", "0"], "Disagree": ["2", "1"],
                                    "Neither agree nor disagree": ["1", "1"], "Agree": ["1", "3"],
                                    "Strongly agree": ["1", "1"]}
    text = " ".join(find_help.text_content().split())
    assert "n = 6: 3 answered higher after the workshop, 2 the same, 1 lower." in text
    assert "%" not in text  # 6 < 10: counts only
    automate = " ".join(by_id(doc, "item-2-section").text_content().split())
    assert "Not enough paired answers to show a change (n = 3;" in automate
    assert not by_id(doc, "item-2-section").xpath(".//*[local-name()='svg'] | .//table")
    assert "worded differently" in by_class(doc, "lk-note")[0].text_content()
    assert [row[0] for row in table(by_id(doc, "recommend-table")).values()] == ["0", "0", "0", "1", "0", "0", "1", "1",
                                                                         "1", "2", "2"]
    nps = " ".join(by_id(doc, "nps").text_content().split())
    assert nps.startswith("No Net Promoter Score: with n = 8") and "4 answered 9–10" in nps
    answers = [li.text_content() for ul in by_class(doc, "lk-answers") for li in ul.xpath("li")]
    assert answers[:4] == ["Automate my plots", "Share my code", "Use git with my group", "Write tests"]
    assert "Slower pace\non day two" in answers


def test_charts_are_accessible_svg_with_a_table_beside_them():
    doc = lxml.html.fromstring(seeded_html())
    svgs = doc.xpath("//svg")
    assert svgs
    for svg in svgs:
        assert svg.get("role") == "img"
        title, desc = svg.find("title"), svg.find("desc")
        assert title is not None and desc is not None and "n = " in title.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        figure = svg.getparent()
        assert "lk-figure" in figure.get("class") and figure.xpath("table")
        assert not svg.xpath("descendant-or-self::*[@style]")  # works under the service's CSP
    desc = by_id(doc, "item-1-desc").text
    assert desc.startswith("Paired answers, n = 6. Before: Strongly disagree 1, Disagree 2,")
    # Patterns as well as colour: every level's fill is a pattern, and the legend names each level.
    patterns = by_id(doc, "item-1").xpath(".//pattern")
    assert len(patterns) == 5 and all(len(p) >= 2 for p in patterns[:4])
    legend = [t.text for t in by_id(doc, "item-1").xpath(".//text")]
    assert {"Strongly disagree", "Neither agree nor disagree", "Strongly agree"} <= set(legend)


def test_percentages_from_ten_answers_and_free_text_escaped():
    responses = []
    for i in range(10):
        responses.append(ResponseData("pre", f"c{i}", 1, PRE, {"find_help": 2}))
        responses.append(ResponseData("post", f"c{i}", 1, POST, {"find_help": 4 if i < 7 else 2, "recommend": 9,
                                                                 "improve": "<script>alert(1)</script>"}))
    html = report_html(build_report(ReportInput([WorkshopData("w", "W & co", None, responses)])), MADE)
    doc = lxml.html.fromstring(html)
    text = " ".join(by_id(doc, "item-1-section").text_content().split())
    assert "n = 10: 7 (70%) answered higher after the workshop, 3 (30%) the same, 0 (0%) lower." in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Registration and attendance figures are not available for this workshop." in html
    assert external_references(html) == []


def test_pdf_report_reads_back():
    report = build_report(ReportInput([WorkshopData("alpha", "Alpha workshop", HEADCOUNTS, seeded_responses())]))
    data = report_pdf(report, MADE)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Alpha workshop" in text and "Registration and attendance" in text
    assert "n = 6: 3 answered higher after the workshop, 2 the same, 1 lower." in text
    assert "Not enough paired answers to show a change (n = 3;" in text
    assert "No Net Promoter Score" in text


def test_nps_is_shown_from_thirty_answers():
    values = [10] * 12 + [9] * 8 + [8] * 4 + [5] * 6
    responses = [ResponseData("post", None, 1, POST, {"recommend": v}) for v in values]
    doc = lxml.html.fromstring(report_html(build_report(ReportInput([WorkshopData("w", "W", None, responses)])),
                                           MADE))
    nps = " ".join(by_id(doc, "nps").text_content().split())
    assert nps.startswith("Net Promoter Score: +47 (n = 30: 20 answered 9–10, 4 answered 7–8, 6 answered 0–6;")
