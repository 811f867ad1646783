"""``lessonkit migrate``: styles lessons rewritten as Workbench lessons, faithfully and repeatably."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.diagnostics import Report
from lessonkit.execute import ExecutionOptions
from lessonkit.migrate import MigrationError, migrate
from lessonkit.migrate.links import rewrite_links
from lessonkit.migrate.migrate import prefer_rmarkdown_sources
from lessonkit.model import Block, CodeChunk, Markdown
from lessonkit.readers import read_lesson
from testsupport import CORPUS, FIXTURES, corpus_lessons

NO_EXECUTION = ExecutionOptions(enabled=False)


def styles_lessons() -> list[Path]:
    lessons = [p for p in corpus_lessons("styles") if p.name != "carpentries__styles"]
    # The styles template repository keeps its lesson skeleton in bin/boilerplate.
    return [*lessons, CORPUS / "carpentries__styles/bin/boilerplate"]


def normalise(text: str) -> str:
    text = re.sub(r"\]\([^)]*\)", "]()", text)  # link targets move with the files
    text = re.sub(r"\b(src|href)=([\"'])[^\"']*\2", r"\1=\2\2", text)
    text = re.sub(r"^\s*(`{3,}|~{3,}).*$", "```", text, flags=re.M)
    return " ".join(text.split())


def blocks(page) -> list[tuple[str, str, str]]:
    found = []
    for node, _ in page.walk():
        if isinstance(node, Block):
            text = "\n".join(n.text for n, _ in _walk(node.children) if isinstance(n, Markdown))
            code = "\n".join(n.code for n, _ in _walk(node.children) if isinstance(n, CodeChunk))
            found.append((node.kind, normalise(node.title or ""), normalise(text + "\n" + code)))
    return found


def _walk(nodes):
    for node in nodes:
        yield node, None
        if isinstance(node, Block):
            yield from _walk(node.children)


def migrated_pair(source: Path, tmp_path: Path):
    destination = tmp_path / "migrated"
    result = migrate(source, destination)
    assert result.ok, [d.format() for d in result.diagnostics if d.severity >= 2]
    original = read_lesson(source)
    prefer_rmarkdown_sources(original, Report())
    return original, read_lesson(destination), result


def test_fixture_round_trip_keeps_every_block(tmp_path: Path):
    original, migrated, result = migrated_pair(FIXTURES / "styles", tmp_path)
    assert migrated.format == "workbench" and not migrated.report.errors
    assert [p.slug for p in migrated.episodes] == [p.slug for p in original.episodes]
    assert [p.title for p in migrated.episodes] == [p.title for p in original.episodes]
    for before, after in zip(original.pages(), migrated.pages(), strict=False):
        assert blocks(after) == blocks(before), before.source
    assert [(p.slug, p.source) for p in migrated.learners] == [
        ("setup", "learners/setup.md"), ("reference", "learners/reference.md"), ("about", "learners/about.md"),
        ("discuss", "learners/discuss.md")]
    assert [p.source for p in migrated.instructors] == ["instructors/instructor-notes.md"]
    assert "migrate-unknown-block" in [d.rule for d in result.diagnostics]


def test_migrated_fixture_details(tmp_path: Path):
    migrate(FIXTURES / "styles", tmp_path / "out")
    episode = (tmp_path / "out/episodes/01-pipettes.md").read_text()
    assert episode.startswith("---\ntitle: Using Pipettes\nteaching: 10\nexercises: 5\n---\n")
    assert episode.index("::: questions") < episode.index("::: objectives") < episode.index("Pipettes are")
    assert episode.rstrip().endswith(":" * 48) and episode.rindex("::: keypoints") > episode.index("Plain paragraph")
    assert "```output\n40\n```" in episode and "{: ." not in episode
    assert "![A pipette](fig/pipette.svg)" in episode
    assert "[glossary](../learners/reference.md#pipette)" in episode
    assert "[next episode](02-plates.Rmd)" in episode
    assert "{{ page.unknown_thing }}" in episode  # kept verbatim (and reported)
    assert (tmp_path / "out/episodes/fig/pipette.svg").is_file()
    assert (tmp_path / "out/episodes/files/plate.csv").is_file()
    assert "[the plate layout](files/plate.csv)" in (tmp_path / "out/learners/setup.md").read_text()
    assert "[pipettes](episodes/01-pipettes.md)" in (tmp_path / "out/index.md").read_text()
    assert "```{r summary-chunk, echo=TRUE}" in (tmp_path / "out/episodes/03-analysis.Rmd").read_text()
    assert "matrix(1:96" in (tmp_path / "out/episodes/02-plates.Rmd").read_text()  # from the .Rmd source
    assert "[lab]: https://lab.example.org" in (tmp_path / "out/links.md").read_text()


def test_running_twice_gives_identical_output(tmp_path: Path):
    migrate(FIXTURES / "styles", tmp_path / "one")
    migrate(FIXTURES / "styles", tmp_path / "two")
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two


def test_destination_must_not_exist_unless_forced(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out/old.txt").write_text("old")
    with pytest.raises(MigrationError):
        migrate(FIXTURES / "styles", tmp_path / "out")
    assert (tmp_path / "out/old.txt").read_text() == "old"
    migrate(FIXTURES / "styles", tmp_path / "out", force=True)
    assert not (tmp_path / "out/old.txt").exists() and (tmp_path / "out/config.yaml").is_file()


def test_cli_exit_codes(tmp_path: Path):
    command = [sys.executable, "-m", "lessonkit", "migrate", str(FIXTURES / "styles"), str(tmp_path / "out")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and "Migrated" in first.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr
    not_styles = subprocess.run([sys.executable, "-m", "lessonkit", "migrate", str(FIXTURES / "workbench"),
                                 str(tmp_path / "x")], capture_output=True, text=True, timeout=120)
    assert not_styles.returncode == 2 and "not a styles lesson" in not_styles.stderr
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURES / "styles", broken)
    (broken / "_config.yml").write_text("title: [unclosed\n")
    failed = subprocess.run([sys.executable, "-m", "lessonkit", "migrate", str(broken), str(tmp_path / "y")],
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "_config.yml:1" in failed.stderr and not (tmp_path / "y").exists()
    assert "Traceback" not in failed.stderr


def test_link_rewriting_leaves_code_alone():
    text = "A [link](old.md) and `[code](old.md)`.\n\n```\n[x](old.md)\n```\n\n[ref]: old.md\n<a href=\"old.md\">a</a>"
    out = rewrite_links(text, lambda url: url.replace("old", "new"))
    assert out == ("A [link](new.md) and `[code](old.md)`.\n\n```\n[x](old.md)\n```\n\n[ref]: new.md\n"
                   "<a href=\"new.md\">a</a>")


def html_blocks(page: Path) -> Counter:
    doc = Document.load(page)
    counts: Counter = Counter()
    for section in doc.find_all("section", cls="callout"):
        counts.update(section.classes - {"callout"} or {"callout"})
    for details in doc.find_all("details", cls="collapsible"):
        counts.update(details.classes - {"collapsible"})
    return counts


@pytest.mark.parametrize("source", styles_lessons(), ids=lambda p: p.parent.parent.name if p.name == "boilerplate"
                         else p.name)
def test_corpus_lesson_migrates_faithfully(source: Path, tmp_path: Path):
    original, migrated, _ = migrated_pair(source, tmp_path)
    assert not migrated.report.errors, [d.format() for d in migrated.report.errors]
    assert [p.slug for p in migrated.episodes] == [p.slug for p in original.episodes]
    for before, after in zip(original.episodes, migrated.episodes, strict=True):
        assert after.title == before.title
        assert blocks(after) == blocks(before), before.source
    # Both build, into sites with the same episodes and the same blocks on each page.
    built = {}
    for name, root in (("styles", source), ("workbench", tmp_path / "migrated")):
        out = tmp_path / f"site-{name}"
        result = Builder(root, BuildOptions(out=out, cache=tmp_path / f"cache-{name}", execution=NO_EXECUTION)).build()
        assert result.ok, [d.format() for d in result.diagnostics if d.severity >= 2]
        built[name] = out
    for page in original.episodes:
        styles_page = html_blocks(built["styles"] / "instructor" / f"{page.slug}.html")
        workbench_page = html_blocks(built["workbench"] / "instructor" / f"{page.slug}.html")
        assert workbench_page == styles_page, page.slug


def test_link_rewriting_uses_the_checks_scanner():
    """The migration finds targets as lessonkit check does: link text over two lines, titles,
    angle brackets, HTML attributes; inline code, code blocks and comments are left alone."""
    text = ("![A plot over\ntwo lines](../fig/a.png \"Title\") [b](<my old.md>) <img src='old.png' alt=\"x\">\n"
            "<!-- [c](old.md) --> ``[d](old.md)``\n\n    [e](old.md)\n\n[f]: old.md \"t\"")
    out = rewrite_links(text, lambda url: url.replace("old", "new").replace("../fig", "fig"))
    assert out == ("![A plot over\ntwo lines](fig/a.png \"Title\") [b](<my new.md>) <img src='new.png' alt=\"x\">\n"
                   "<!-- [c](old.md) --> ``[d](old.md)``\n\n    [e](old.md)\n\n[f]: new.md \"t\"")
