"""contributors.yaml and illustrations.yaml: schema validation with file:line, CRediT roles with
the nearest suggestion, ORCID check digits, SPDX ids, licence compatibility, alt text, duplicates,
disagreement with CITATION.cff / .zenodo.json, and the pages and credit lines they make."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credit.creditsupport import lesson_with
from lessonkit.build import Builder, BuildOptions
from lessonkit.checks import check_lesson
from lessonkit.credit.vocab import orcid_valid
from lessonkit.readers import read_lesson
from testsupport import CORPUS

TURING = CORPUS / "alan-turing-institute__data-training-for-bioscience" / "illustrations-from-review-sprint"
IMAGE_MD = '![Research with AI](fig/ai.jpg){alt="A person and a robot reading research papers together"}'
GOOD_ILLUSTRATION = """illustrations:
  - file: episodes/fig/ai.jpg
    title: AI for research
    creators: [Scriberia, The Turing Way Community]
    source: https://doi.org/10.5281/zenodo.6560477
    licence: CC-BY-4.0
    alt: A person and a robot reading research papers together
"""
CONTRIBUTORS = """people:
  - name: Ada Lovelace
    orcid: 0000-0002-1825-0097
    affiliation: Analytical Engine Society
    ror: 052gg0110
    roles: [conceptualization, writing-original-draft]
    contributions: [content]
    author: true
groups:
  - name: Review sprint participants
    size: 10
    description: Reviewed the first draft in a review-and-illustration sprint.
    roles: [writing-review-editing]
related:
  - title: The earlier lesson
    url: https://example.org/earlier
    licence: CC-BY-4.0
    year: 2022
"""


def found(root: Path, *rule_ids: str):
    lesson = read_lesson(root)
    return [d for d in list(lesson.report) + check_lesson(lesson) if d.rule in rule_ids]


def image_lesson(tmp_path: Path, illustrations: str, text: str = IMAGE_MD, files: dict | None = None) -> Path:
    root = lesson_with(tmp_path, text, {"illustrations.yaml": illustrations, **(files or {})})
    (root / "episodes" / "fig").mkdir(exist_ok=True)
    shutil.copy(TURING / "ai-for-research.jpg", root / "episodes" / "fig" / "ai.jpg")
    return root


def test_orcid_check_digit():
    assert orcid_valid("0000-0002-1825-0097") and orcid_valid("https://orcid.org/0000-0001-5109-3700")
    assert orcid_valid("0000-0002-1694-233X")
    assert not orcid_valid("0000-0002-1825-0098") and not orcid_valid("0000-0002-1825")


def test_reused_image_without_licence_is_an_error_and_the_build_fails(tmp_path):
    root = image_lesson(tmp_path, GOOD_ILLUSTRATION.replace("    licence: CC-BY-4.0\n", ""))
    [diagnostic] = found(root, "illustration-licence-missing")
    assert (diagnostic.path, diagnostic.line, diagnostic.severity.name) == ("illustrations.yaml", 2, "ERROR")
    assert "has no licence" in diagnostic.message and "SPDX" in diagnostic.fix
    result = Builder(root, BuildOptions(out=tmp_path / "site")).build()
    assert not result.ok and any(d.rule == "illustration-licence-missing" for d in result.diagnostics)
    run = subprocess.run([sys.executable, "-m", "lessonkit", "check", str(root)], capture_output=True, text=True)
    assert run.returncode == 1 and "illustrations.yaml:2" in run.stdout and "Traceback" not in run.stderr


def test_figure_without_entry_and_alt_text_that_differs(tmp_path):
    other = '![Noise](fig/other.jpg){alt="Something else"}'
    text = IMAGE_MD.replace("A person and a robot", "Two robots") + "\n\n" + other
    root = image_lesson(tmp_path, GOOD_ILLUSTRATION, text)
    shutil.copy(TURING / "data-mining.jpg", root / "episodes" / "fig" / "other.jpg")
    [missing] = found(root, "illustration-missing")
    assert (missing.path, missing.line, missing.column) == ("episodes/introduction.md", 9, 1)
    assert "episodes/fig/other.jpg" in missing.message
    [alt] = found(root, "illustration-alt")
    assert (alt.path, alt.line) == ("episodes/introduction.md", 7)
    assert "differs" in alt.message and "A person and a robot" in alt.fix


def test_non_commercial_image_in_a_cc_by_lesson_conflicts(tmp_path):
    root = image_lesson(tmp_path, GOOD_ILLUSTRATION.replace("CC-BY-4.0", "CC-BY-NC-4.0"))
    [conflict] = found(root, "illustration-licence-conflict")
    assert conflict.line == 6 and "forbids commercial use" in conflict.message
    # An adapted share-alike image too; an unmodified one is fine.
    sa = image_lesson(tmp_path / "sa", GOOD_ILLUSTRATION.replace("CC-BY-4.0", "CC-BY-SA-4.0"))
    assert found(sa, "illustration-licence-conflict") == []
    adapted = image_lesson(tmp_path / "adapted",
                           GOOD_ILLUSTRATION.replace("CC-BY-4.0", "CC-BY-SA-4.0") + "    modified: true\n")
    assert len(found(adapted, "illustration-licence-conflict")) == 1


def test_unknown_spdx_id_duplicate_figure_and_missing_file(tmp_path):
    text = GOOD_ILLUSTRATION.replace("CC-BY-4.0", "CC-BY-4") + GOOD_ILLUSTRATION.split("\n", 1)[1].replace(
        "CC-BY-4.0", "CC0-1.0") + "  - file: episodes/fig/gone.png\n    title: Gone\n"
    root = image_lesson(tmp_path, text)
    [unknown] = found(root, "credit-licence-unknown")
    assert unknown.line == 6 and "Did you mean 'CC-BY-4.0'?" in unknown.fix
    [duplicate] = found(root, "credit-duplicate")
    assert duplicate.line == 8 and "different licence" in duplicate.message
    [gone] = found(root, "illustration-file-missing")
    assert gone.line == 14


def test_contributors_unknown_role_bad_orcid_duplicate_and_no_role(tmp_path):
    text = """people:
  - name: Ada Lovelace
    orcid: 0000-0002-1825-0098
    roles: [conceptualisation, writting-original-draft]
    contributions: [contnet]
  - name: Ada  Lovelace
    roles: [software]
  - name: Charles Babbage
"""
    root = lesson_with(tmp_path, "Text.", {"contributors.yaml": text})
    by_rule = {d.rule: d for d in found(root, "credit-orcid", "credit-role-unknown", "credit-contribution-unknown",
                                        "credit-duplicate", "credit-role-missing")}
    assert by_rule["credit-orcid"].line == 3
    assert by_rule["credit-role-unknown"].line == 4
    assert "Did you mean 'writing-original-draft'?" in by_rule["credit-role-unknown"].fix
    assert "Did you mean 'content'?" in by_rule["credit-contribution-unknown"].fix
    assert by_rule["credit-duplicate"].line == 6 and "first on line 2" in by_rule["credit-duplicate"].message
    assert by_rule["credit-role-missing"].line == 8 and by_rule["credit-role-missing"].severity.name == "WARNING"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("people:\n  - name: A\n    role: [software]\n", 3, "unknown field 'role'"),
    ("people:\n  - orcid: 0000-0002-1825-0097\n", 2, "'name' is required"),
    ("people: [\n", 2, "invalid YAML"),
    ("people:\n  - name: A\n    name: B\n", 3, "appears twice"),
    ("- just a list\n", 1, "should be of type object"),
    ("groups:\n  - name: G\n    size: many\n", 3, "'many' should be of type integer"),
])
def test_malformed_contributors_file_is_reported_at_its_line(tmp_path, text, line, words):
    root = lesson_with(tmp_path, "Text.", {"contributors.yaml": text})
    diagnostics = found(root, "credit-file")
    assert diagnostics, text
    assert diagnostics[0].line == line and words in diagnostics[0].message
    run = subprocess.run([sys.executable, "-m", "lessonkit", "check", str(root)], capture_output=True, text=True)
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr


def test_malformed_illustrations_file(tmp_path):
    root = lesson_with(tmp_path, "Text.", {"illustrations.yaml": "illustrations:\n  - title: No file\n"})
    [problem] = found(root, "credit-file")
    assert problem.line == 2 and "'file' is required" in problem.message
    root2 = lesson_with(tmp_path / "b", "Text.", {"illustrations.yaml": "just text\n"})
    assert found(root2, "credit-file")[0].line == 1


def test_citation_cff_and_zenodo_json_that_disagree_with_the_contributors(tmp_path):
    zenodo = json.dumps({"creators": [{"name": "Somebody, Else"}]}, indent=2)
    root = lesson_with(tmp_path, "Text.", {"contributors.yaml": CONTRIBUTORS, ".zenodo.json": zenodo})
    cff = root / "CITATION.cff"
    cff.write_text(cff.read_text().replace("title:", "title: Another title\nold-title:", 1))
    mismatches = {(d.path, "title" in d.message): d for d in found(root, "credit-metadata-mismatch")}
    assert "Another title" in mismatches["CITATION.cff", True].message
    mismatches = {d.path: d for d in mismatches.values() if "title" not in d.message}
    assert "The lesson authors" in mismatches["CITATION.cff"].message  # the scaffold's CITATION.cff
    assert mismatches["CITATION.cff"].line > 0
    assert mismatches[".zenodo.json"].line == 2 and "Lovelace, Ada" in mismatches[".zenodo.json"].message


def test_pages_credit_line_contributors_image_credits_and_cite(tmp_path):
    root = image_lesson(tmp_path, GOOD_ILLUSTRATION, files={"contributors.yaml": CONTRIBUTORS})
    result = Builder(root, BuildOptions(out=tmp_path / "site")).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    site = tmp_path / "site"
    episode = (site / "introduction.html").read_text()
    assert ('<figcaption>Research with AI <span class="figure-credit"><a href="https://doi.org/10.5281/zenodo.6560477">'
            "“AI for research”</a> by Scriberia and The Turing Way Community, "
            '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</span></figcaption>') in episode
    assert 'alt="A person and a robot reading research papers together"' in episode  # alt unchanged
    contributors = (site / "contributors.html").read_text()
    assert '<a class="orcid" href="https://orcid.org/0000-0002-1825-0097"' in contributors
    assert '<a href="https://ror.org/052gg0110">Analytical Engine Society</a>' in contributors
    assert '<th scope="row">Writing – review &amp; editing</th><td>Review sprint participants</td>' in contributors
    assert "(10 people)" in contributors and "The earlier lesson" in contributors
    assert contributors.count("Reviewed the first draft in a review-and-illustration sprint.") == 1
    credits = (site / "image-credits.html").read_text()
    assert '<img src="fig/ai.jpg"' in credits and "Scriberia" in credits
    assert '<img src="../fig/ai.jpg"' in (site / "instructor" / "image-credits.html").read_text()
    cite = (site / "citation.html").read_text()
    assert "Lovelace, A. (" in cite and "@misc{" in cite and 'author = &quot;Lovelace, Ada&quot;' in cite
    index = (site / "index.html").read_text()
    # The footer cites the lesson from contributors.yaml (the scaffold's CITATION.cff names others).
    assert '<span class="citation">Lovelace, A. (' in index and "The lesson authors" not in index
    for href in ("contributors.html", "image-credits.html", "citation.html"):
        assert f'href="{href}"' in index


def test_credit_files_and_bibliography_leading_outside_the_lesson_are_not_read(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("people:\n  - name: Not From The Lesson\n    roles: [software]\n")
    root = lesson_with(tmp_path / "l", "Bias [@x].")
    (root / "contributors.yaml").unlink()  # the scaffold's own
    (root / "contributors.yaml").symlink_to(secret)
    (root / "references.bib").symlink_to(secret)
    diagnostics = found(root, "credit-file", "citation-bibliography")
    assert {d.path for d in diagnostics} == {"contributors.yaml", "references.bib"}
    assert all("outside the lesson" in d.message for d in diagnostics)
    result = Builder(root, BuildOptions(out=tmp_path / "site")).build()
    assert not result.ok
