"""Citations: the markdown-it plugin, citeproc formatting, reference lists, the lesson-wide page
and the citation-undefined / citation-unused rules."""

from __future__ import annotations

import json
import subprocess
import sys

from credit.creditsupport import BIB, lesson_with
from lessonkit.build import Builder, BuildOptions
from lessonkit.checks import check_lesson
from lessonkit.markdown.citations import CitationItem, citation_uses, parse_bracketed
from lessonkit.readers import read_lesson
from lessonkit.site.markdown_html import render_markdown


def build(root, tmp_path):
    out = tmp_path / "site"
    result = Builder(root, BuildOptions(out=out)).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return out


def rules(root, *names):
    lesson = read_lesson(root)
    return [d for d in list(lesson.report) + check_lesson(lesson) if d.rule in names]


def test_bracketed_syntax_items_prefix_locator_suffix_and_suppressed_author():
    items = parse_bracketed("see @obermeyer2019, pp. 4-7, emphasis added; -@zech2018")
    assert items == [
        CitationItem("obermeyer2019", prefix="see", suffix="emphasis added", locator="4-7", label="page"),
        CitationItem("zech2018", suppress_author=True),
    ]
    assert parse_bracketed("@a, chap. 3") == [CitationItem("a", locator="3", label="chapter")]
    assert parse_bracketed("not a citation") is None
    uses = list(citation_uses("Data [@uci1998]: 1,797 images.", 1))
    assert [u.key for u in uses] == ["uci1998"]  # a colon after the bracket is not a definition
    assert parse_bracketed("e-mail a@b.org; @c") is None  # every part must hold a key


def test_links_emails_and_code_are_not_citations():
    html = render_markdown("[@key](https://example.org) and a@b.org and `@decorator` and [see @k]",
                           {"citations": None})
    assert '<a href="https://example.org">@key</a>' in html
    assert "a@b.org" in html and "<code>@decorator</code>" in html
    assert "[see @k]" in html  # without a bibliography, shown as written


def test_citation_uses_have_file_lines_and_columns():
    text = "Intro\n\nSome text [@a; @b]\nand @c here, not me@mail.org"
    uses = list(citation_uses(text, 10, {"citations": True}))
    assert [(u.key, u.line, u.column, u.narrative) for u in uses] == [
        ("a", 12, 12, False), ("b", 12, 16, False), ("c", 13, 5, True)]
    # without a bibliography a bare @c is text
    assert [u.key for u in citation_uses(text, 10)] == ["a", "b"]


def test_citations_render_with_references_list_doi_links_and_lesson_page(tmp_path):
    root = lesson_with(tmp_path, "## Bias\n\nBias is real [@obermeyer2019, p. 450; see @turingway2022].\n\n"
                                 "@obermeyer2019 showed it [-@obermeyer2019].\n",
                       {"references.bib": BIB})
    out = build(root, tmp_path)
    page = (out / "introduction.html").read_text()
    assert ('<a class="citation" href="#ref-obermeyer2019">(Obermeyer et al., 2019, p. 450; '
            "see The Turing Way Community, 2022)</a>") in page
    assert '<a href="#ref-obermeyer2019">Obermeyer et al. (2019)</a>' in page  # narrative
    assert '<a class="citation" href="#ref-obermeyer2019">(2019)</a>' in page  # suppressed author
    references = page[page.index('<section class="references"'):]
    assert '<h2 id="references">References</h2>' in references
    assert '<li id="ref-obermeyer2019" class="reference">Obermeyer, Z., Powers, B., Vogeli, C., &amp; ' \
           "Mullainathan, S. (2019)." in references
    assert '<a href="https://doi.org/10.1126/science.aax2342">' in references
    # A "https://doi.org/" prefix in the .bib is not doubled.
    assert '<a href="https://doi.org/10.5281/zenodo.3233853">' in references
    assert references.index("ref-obermeyer2019") < references.index("ref-turingway2022")  # APA order
    lesson_page = (out / "references.html").read_text()
    assert 'id="ref-turingway2022"' in lesson_page and 'id="ref-obermeyer2019"' in lesson_page
    assert 'href="references.html"' in (out / "index.html").read_text()  # in the resources menu
    assert 'id="ref-obermeyer2019"' in (out / "instructor" / "references.html").read_text()
    # A page that cites nothing has no reference list.
    assert 'class="references"' not in (out / "setup.html").read_text()


def test_csl_json_bibliography_and_configured_path_and_style(tmp_path):
    items = [{"id": "Zech2018", "type": "article-journal", "title": "Variable generalization performance",
              "author": [{"family": "Zech", "given": "John R."}], "issued": {"date-parts": [[2018]]},
              "container-title": "PLOS Medicine", "DOI": "10.1371/journal.pmed.1002683"}]
    root = lesson_with(tmp_path, "Confounding [@Zech2018].", {"refs/works.json": json.dumps(items)},
                       config_extra="bibliography: refs/works.json\ncitation_style: american-medical-association")
    out = build(root, tmp_path)
    page = (out / "introduction.html").read_text()
    assert '<a class="citation" href="#ref-zech2018">' in page
    assert "Zech JR" in page  # the AMA style's reference format
    assert rules(root, "citation-undefined", "citation-unused", "citation-bibliography") == []


def test_undefined_key_is_an_error_with_location_and_suggestion(tmp_path):
    root = lesson_with(tmp_path, "Bias [@obermeyr2019] and @obermeyer2019 and @turingway2022.",
                       {"references.bib": BIB})
    [found] = rules(root, "citation-undefined")
    assert found.severity.name == "ERROR"
    assert (found.path, found.line, found.column) == ("episodes/introduction.md", 7, 7)
    assert "Did you mean @obermeyer2019?" in found.fix


def test_unused_entry_is_a_warning_at_its_line(tmp_path):
    root = lesson_with(tmp_path, "Bias [@obermeyer2019].", {"references.bib": BIB})
    [found] = rules(root, "citation-unused")
    assert found.severity.name == "WARNING"
    assert (found.path, found.line) == ("references.bib", 12)
    assert "turingway2022" in found.message


def test_citation_without_bibliography_and_missing_configured_file(tmp_path):
    root = lesson_with(tmp_path, "Bias [@obermeyer2019]; an @handle stays text.")
    [found] = rules(root, "citation-undefined")
    assert "has no bibliography" in found.message and found.line == 7
    root2 = lesson_with(tmp_path / "b", "Text.", config_extra="bibliography: missing.bib")
    [missing] = rules(root2, "citation-bibliography")
    assert missing.path == "config.yaml" and "does not exist" in missing.message


def test_broken_bibtex_and_duplicate_keys_are_diagnostics_not_tracebacks(tmp_path):
    duplicate = BIB + "\n@article{obermeyer2019,\n  title = {Again},\n  year = {2019}\n}\n"
    root = lesson_with(tmp_path, "Bias [@obermeyer2019] [@turingway2022].", {"references.bib": duplicate})
    [found] = rules(root, "citation-duplicate")
    assert found.line == 20 and "first on line 1" in found.message
    root2 = lesson_with(tmp_path / "b", "Bias [@x].", {"references.bib": "@article{x, title = {unclosed\n"})
    diagnostics = rules(root2, "citation-bibliography")
    assert diagnostics and diagnostics[0].path == "references.bib"
    broken_json = lesson_with(tmp_path / "c", "Bias [@x].", {"r.json": "[{\"id\": \"x\",}]"},
                              config_extra="bibliography: r.json")
    [bad] = rules(broken_json, "citation-bibliography")
    assert bad.line == 1 and "invalid JSON" in bad.message
    run = subprocess.run([sys.executable, "-m", "lessonkit", "check", str(root2)], capture_output=True, text=True)
    assert run.returncode == 1 and "Traceback" not in run.stderr + run.stdout


def test_lesson_csl_file_outside_the_lesson_or_with_a_dtd_is_not_used(tmp_path):
    secret = tmp_path / "secret.csl"
    secret.write_text("<style/>")
    root = lesson_with(tmp_path, "Bias [@obermeyer2019] [@turingway2022].", {
        "references.bib": BIB,
        "evil.csl": '<?xml version="1.0"?><!DOCTYPE style [<!ENTITY x SYSTEM "file:///etc/passwd">]><style>&x;</style>',
    }, config_extra="citation_style: evil.csl")
    [warning] = rules(root, "citation-bibliography")
    assert warning.severity.name == "WARNING" and "evil.csl" in warning.message
    out = build(root, tmp_path)
    page = (out / "introduction.html").read_text()
    assert "(Obermeyer et al., 2019)" in page and "root:" not in page  # APA, nothing from /etc/passwd
    (root / "config.yaml").write_text((root / "config.yaml").read_text().replace("evil.csl", "../secret.csl"))
    assert rules(root, "citation-bibliography")[0].severity.name == "WARNING"


def test_formatted_citations_are_kept_in_the_cache_folder_for_the_next_build(tmp_path, monkeypatch):
    from lessonkit.credit import bibliography

    root = lesson_with(tmp_path, "Bias [@obermeyer2019, p. 450] and [@turingway2022].", {"references.bib": BIB})
    first = (build(root, tmp_path / "one") / "introduction.html").read_text()
    assert (root / ".lessonkit" / "citations.msgpack").is_file()
    bibliography._MEMOS.clear()  # as in a new process

    def no_citeproc(*args, **kwargs):
        raise AssertionError("citeproc-py was asked again")

    monkeypatch.setattr(bibliography, "_format_entries", no_citeproc)
    monkeypatch.setattr(bibliography.PageCitations, "_cite", no_citeproc)
    (root / "episodes" / "introduction.md").write_text((root / "episodes" / "introduction.md").read_text() + "\nMore.\n")
    second = (build(root, tmp_path / "two") / "introduction.html").read_text()
    assert second.count("(Obermeyer et al., 2019, p. 450)") == first.count("(Obermeyer et al., 2019, p. 450)") == 1
    assert 'id="ref-turingway2022"' in second
