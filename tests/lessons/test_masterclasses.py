"""The two masterclasses in lessons/: the structure issue 6 asks for, checked from the lesson model."""

from __future__ import annotations

import re

import pytest
import yaml

from lessonkit.markdown.parser import parse, slugify
from lessonkit.model import Block, CodeChunk, Markdown
from lessonkit.readers import read_lesson
from testsupport import ROOT

LESSONS = ROOT / "lessons"
NAMES = ["intro-data-science-ai", "managing-computational-projects"]


@pytest.fixture(scope="module", params=NAMES)
def lesson(request):
    path = LESSONS / request.param
    assert path.is_dir(), f"{path} is missing"
    lesson = read_lesson(path)
    assert not lesson.report.items, [d.format() for d in lesson.report.items]
    return lesson


def glossary(lesson) -> dict[str, str]:
    """Glossary terms (slug -> term) from the definition list in learners/reference.md."""
    page = next(p for p in lesson.learners if p.slug == "reference")
    terms = {}
    for node, _ in page.walk():
        if isinstance(node, Markdown):
            tokens = parse(node.text, {})
            for index, token in enumerate(tokens):
                if token.type == "dt_open":
                    term = tokens[index + 1].content.strip()
                    terms[slugify(term)] = term
    return terms


def links(page) -> list[str]:
    found = []
    for node, _ in page.walk():
        texts = [node.text] if isinstance(node, Markdown) else []
        if isinstance(node, Block) and node.title:
            texts.append(node.title)
        for text in texts:
            for token in parse(text, {}):
                for child in token.children or []:
                    if child.type == "link_open":
                        found.append(str(child.attrGet("href")))
    return found


def test_seven_or_more_episodes_with_complete_structure(lesson):
    assert len(lesson.episodes) >= 7
    for page in lesson.episodes:
        where = page.source
        assert page.title and page.teaching and page.exercises is not None, where
        kinds = [b.kind for b in page.blocks()]
        for kind in ("questions", "objectives", "keypoints", "discussion", "instructor"):
            assert kind in kinds, (where, kind)
        challenges = page.blocks("challenge")
        assert len(challenges) >= 2, where
        for challenge in challenges:
            assert any(isinstance(c, Block) and c.kind == "solution" for c in challenge.children), \
                (where, challenge.line)
        assert not [b for b in page.blocks() if not b.known], where
        questions = page.blocks("questions")[0]
        assert "- " in questions.children[0].text  # a list of questions


def test_learner_and_instructor_pages(lesson):
    slugs = {p.slug for p in lesson.learners}
    assert {"setup", "reference"} <= slugs
    assert [p.slug for p in lesson.instructors] == ["instructor-notes"]
    assert len(lesson.profiles) == 2
    for profile in lesson.profiles:
        assert len(" ".join(n.text for n, _ in profile.walk() if isinstance(n, Markdown)).split()) > 80


def test_glossary_defines_every_term_the_episodes_link_to_and_each_term_is_used(lesson):
    terms = glossary(lesson)
    assert len(terms) >= 30
    used: set[str] = set()
    for page in lesson.episodes:
        for href in links(page):
            if "reference.md#" in href:
                anchor = href.split("#", 1)[1]
                assert anchor in terms, (page.source, href)
                used.add(anchor)
    episode_text = " ".join(n.text.lower() for p in lesson.episodes for n, _ in p.walk() if isinstance(n, Markdown))
    unused = [t for s, t in terms.items() if s not in used and t.lower() not in episode_text]
    assert unused == []


def test_licence_citation_and_code_of_conduct(lesson):
    root = lesson.root
    licence = (root / "LICENSE.md").read_text()
    assert "creativecommons.org/licenses/by/4.0" in licence
    assert (root / "CODE_OF_CONDUCT.md").is_file()
    citation = yaml.safe_load((root / "CITATION.cff").read_text())
    assert citation["cff-version"].startswith("1.2") and citation["title"] and citation["authors"]
    assert lesson.citation is not None and lesson.citation.text


def test_original_diagrams_with_alt_text_and_credits(lesson):
    root = lesson.root
    svgs = sorted((root / "episodes/fig").glob("*.svg"))
    assert len(svgs) >= 4
    licence = (root / "LICENSE.md").read_text()
    text = " ".join(n.text for p in lesson.episodes for n, _ in p.walk() if isinstance(n, Markdown))
    for svg in svgs:
        content = svg.read_text()
        assert re.search(r"<title\b", content) and re.search(r"<desc\b", content), svg.name
        assert not re.search(r"(href|src)=\"https?://", content), svg.name  # nothing remote
        assert svg.name in licence, f"{svg.name} has no credit in LICENSE.md"
        used = re.findall(r"!\[[^\]]*\]\(fig/" + re.escape(svg.name) + r"\)(\{[^}]*\})?", text)
        assert used, f"{svg.name} is not used in any episode"
        for attributes in used:
            alt = re.search(r"alt=[\"']([^\"']+)", attributes or "")
            assert alt and len(alt.group(1).split()) >= 5, f"{svg.name} needs meaningful alt text"


def test_ai_lesson_runs_python_on_bundled_data_with_alt_text_on_figures():
    lesson = read_lesson(LESSONS / "intro-data-science-ai")
    chunks = [n for p in lesson.episodes for n, _ in p.walk() if isinstance(n, CodeChunk)]
    assert len(chunks) >= 15 and {c.engine for c in chunks} == {"python"}
    code = "\n".join(c.code for c in chunks)
    for forbidden in ("fetch_", "urlopen", "requests.", "http://", "https://", "download"):
        assert forbidden not in code, forbidden
    for chunk in chunks:
        if re.search(r"\bplt\.|\.plot\(|sns\.", chunk.code) and chunk.option("eval", True) is not False:
            assert chunk.option("fig.alt"), (chunk.label, chunk.line)
    requirements = (lesson.root / "requirements.txt").read_text()
    for package in ("scikit-learn", "pandas", "matplotlib"):
        assert package in requirements
    assert "intro-data-science-ai/requirements.txt" in (LESSONS / "requirements.txt").read_text()


def test_ai_lesson_folds_its_code_and_keeps_every_chunk_short():
    """Issue 16: code collapsed by default for a non-programming audience, no chunk over 15 lines."""
    lesson = read_lesson(LESSONS / "intro-data-science-ai")
    assert lesson.config.extra.get("fold_code") is True
    chunks = [(p.source, n) for p in lesson.episodes for n, _ in p.walk() if isinstance(n, CodeChunk)]
    long = [(source, c.label, len(c.code.rstrip("\n").splitlines())) for source, c in chunks
            if len(c.code.rstrip("\n").splitlines()) > 15]
    assert long == []
    labels = [c.label for _, c in chunks]
    assert len(labels) == len(set(labels)) and None not in labels


def test_both_lessons_are_alpha_and_the_profiles_name_the_same_people():
    profiles = {}
    for name in NAMES:
        lesson = read_lesson(LESSONS / name)
        assert lesson.config.life_cycle == "alpha"
        for page in lesson.profiles:
            profiles.setdefault(page.title.split(",")[0], set()).add(page.title)
    assert all(len(titles) == 1 for titles in profiles.values()), profiles
    assert "Dr Amara Okafor" in profiles
    catalogue = yaml.safe_load((LESSONS / "catalogue.yaml").read_text())
    assert "co-developed" not in catalogue["description"] and "Suggested order" in catalogue["description"]
