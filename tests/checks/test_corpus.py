"""Every lesson of the shared corpus is checked without a crash; the upstream broken image links
listed in the corpus README are found; the counts per rule are printed in the test summary."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from lessonkit.checks import check_lesson
from lessonkit.readers import read_lesson
from testsupport import CORPUS


def corpus_roots() -> list[Path]:
    roots = []
    for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]:
        name, fmt = line.split("\t")[:2]
        if fmt in ("workbench", "styles"):
            root = CORPUS / name
            roots.append(root / "bin/boilerplate" if name == "carpentries__styles" else root)
    return roots


def upstream_broken_links() -> list[tuple[str, str, str]]:
    """(lesson, file, link) of the links the corpus README lists as broken upstream."""
    section = (CORPUS / "README.md").read_text().split("only the following are broken in the upstream")[1]
    section = section.split("\n## ")[0]
    found = []
    for m in re.finditer(r"^\* `([^/`]+)/([^`]+)` → `([^`]+)`", section, re.M):
        found.append((m.group(1), m.group(2), m.group(3)))
    return found


def test_whole_corpus_is_checked_and_upstream_broken_links_are_found(record_property):
    counts: Counter = Counter()
    by_lesson: dict[str, list] = {}
    for root in corpus_roots():
        lesson = read_lesson(root)
        assert lesson.format in ("workbench", "styles"), root
        diagnostics = list(lesson.report) + check_lesson(lesson)
        counts.update(d.rule for d in diagnostics)
        by_lesson[root.name if root.name != "boilerplate" else "carpentries__styles"] = diagnostics
    record_property("corpus-rule-counts", dict(counts))
    broken = upstream_broken_links()
    assert len(broken) == 6
    for lesson, path, link in broken:
        hits = [d for d in by_lesson[lesson] if d.rule == "link-target-missing" and d.path == path and link in d.message]
        assert hits, (lesson, path, link)
    # the case mismatch is explained as one
    [case] = [d for d in by_lesson["carpentries-incubator__data-science-ai-senior-researchers"]
              if "overfitting.jpg" in d.message]
    assert "case-sensitive" in case.message
    assert counts["link-target-missing"] > 100 and len(counts) >= 15
