"""Every Workbench lesson of the shared corpus builds, with one page per episode in
config order and as many challenge, solution, callout and instructor blocks in the
output as in the source.

Source blocks are counted by a deliberately simple scanner (fence lines outside code
blocks, following R Markdown child documents), independent of lessonkit's parser.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from testsupport import corpus_lessons

LESSONS = corpus_lessons("workbench")
KINDS = ("challenge", "solution", "callout", "instructor")
OPEN = re.compile(r"^\s*:{3,}\s*\{?\s*\.?([A-Za-z][\w-]*)")
CODE = re.compile(r"^\s*(`{3,}|~{3,})")
CHILD = re.compile(r"""child\s*=\s*['"]([^'"]+)['"]""")


def source_counts(path: Path, seen: set[Path] | None = None) -> Counter:
    seen = seen or set()
    if path in seen or not path.is_file():
        return Counter()
    seen.add(path)
    counts: Counter = Counter()
    fence = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        code = CODE.match(line)
        if fence:
            if code and code.group(1)[0] == fence[0] and len(code.group(1)) >= len(fence) and \
                    line.strip() == code.group(1):
                fence = None
            continue
        if code:
            child = CHILD.search(line)
            if child and line.lstrip().startswith("```{"):
                counts += source_counts((path.parent / child.group(1)).resolve(), seen)
            fence = code.group(1)
            continue
        opened = OPEN.match(line)
        if opened:
            counts[opened.group(1).lower()] += 1
    return counts


def configured_episodes(lesson: Path) -> list[str]:
    config = yaml.safe_load((lesson / "config.yaml").read_text()) or {}
    if config.get("overview") and not (lesson / "episodes").is_dir():
        return []
    listed = config.get("episodes") or sorted(
        p.name for p in (lesson / "episodes").iterdir() if p.suffix in (".md", ".Rmd"))
    return [name for name in listed if (lesson / "episodes" / name).is_file()]


def output_counts(page: Path) -> Counter:
    doc = Document.load(page)
    counts: Counter = Counter()
    for section in doc.find_all("section", cls="callout"):
        kinds = section.classes - {"callout"} or {"callout"}
        counts.update(kinds)
    for details in doc.find_all("details", cls="collapsible"):
        counts.update(details.classes - {"collapsible"})
    for details in doc.find_all("details", cls="instructor-note"):  # collapsed in the instructor view (#15)
        counts.update(details.classes - {"callout", "instructor-note"})
    return counts


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.name for p in LESSONS])
def test_corpus_lesson_builds_faithfully(lesson: Path, tmp_path: Path):
    out = tmp_path / "site"
    # Structure only: the corpus has no data files, so code is shown, not run (R lessons that run for
    # real are tests/execution/test_r_corpus.py).
    result = Builder(lesson, BuildOptions(out=out, cache=tmp_path / "cache",
                                          execution=ExecutionOptions(enabled=False))).build()
    assert result.ok, [d.format() for d in result.diagnostics if d.severity >= 2]
    episodes = configured_episodes(lesson)
    slugs = [name.rsplit(".", 1)[0] for name in episodes]
    nav = (out / "assets/nav.js").read_text()
    assert re.findall(r'"s": "([^"]+)"', nav) == slugs  # one page per episode, in config order
    for name, slug in zip(episodes, slugs, strict=True):
        assert (out / f"{slug}.html").is_file()
        expected = source_counts(lesson / "episodes" / name)
        got = output_counts(out / "instructor" / f"{slug}.html")
        for kind in KINDS:
            assert got[kind] == expected[kind], (name, kind, got[kind], expected[kind])
        learner = output_counts(out / f"{slug}.html")
        assert learner["instructor"] == 0
        assert learner["challenge"] == expected["challenge"] or expected["instructor"]


def test_corpus_has_workbench_lessons():
    assert len(LESSONS) == 18
