"""Three corpus lessons exist twice: the styles source before its maintainers moved it to the
Workbench (``__legacy``) and the maintainers' Workbench version. Our migration of the former is
compared with the latter: episode lists and block counts per episode. Every difference is one
the maintainers made by hand; docs/migration.md describes each of them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lessonkit.migrate import migrate
from lessonkit.model import Block
from lessonkit.readers import read_lesson
from testsupport import CORPUS

# episode of our migration -> (the maintainers' episode, {block kind: (ours, theirs)}) for every difference.
EXPECTED = {
    "swcarpentry__python-novice-inflammation": {
        "01-intro": ("01-intro", {"instructor": (0, 1)}),
        "07-cond": ("07-cond", {"instructor": (0, 1)}),
    },
    "swcarpentry__r-novice-gapminder": {
        "01-rstudio-intro": ("01-rstudio-intro", {"instructor": (0, 1)}),
        "03-seeking-help": ("03-seeking-help", {"instructor": (0, 1)}),
        "04-data-structures-part1": ("04-data-structures-part1", {"solution": (19, 15)}),
        "05-data-structures-part2": ("05-data-structures-part2",
                                     {"callout": (1, 2), "challenge": (5, 4), "solution": (5, 4)}),
        "12-plyr": (None, {}),
        "13-dplyr": ("12-dplyr", {}),
        "14-tidyr": ("13-tidyr", {}),
        "15-knitr-markdown": ("14-knitr-markdown", {}),
        "16-wrap-up": ("15-wrap-up", {}),
    },
    "carpentries-incubator__managing-computational-projects": {
        "01-introduction": ("21_Definitions", {"callout": (2, 0), "checklist": (1, 0), "discussion": (1, 3),
                                               "keypoints": (1, 0), "objectives": (1, 0), "questions": (1, 0),
                                               "spoiler": (0, 1)}),
        "02-motivation": ("22_contentAndMotivation", {"instructor": (0, 1), "keypoints": (1, 0), "objectives": (1, 0),
                                                      "questions": (1, 0), "solution": (1, 0), "spoiler": (0, 1)}),
        "03-overview": ("22_contentAndMotivation", {"objectives": (1, 0), "questions": (1, 0)}),
        "04-reproducibility": ("23_Ensuring-reproducibility", {"objectives": (1, 0), "questions": (1, 0)}),
        "05-versioncontrol": ("23_Ensuring-reproducibility", {"objectives": (1, 0), "questions": (1, 0)}),
        "06-ITtools": (None, {}),
        "07-setup": ("24_SettingUp", {"callout": (0, 1), "challenge": (0, 1), "discussion": (0, 1),
                                      "objectives": (1, 0), "questions": (1, 0)}),
        "08-collaborativeworking": ("24_SettingUp", {"challenge": (0, 1), "instructor": (0, 1), "objectives": (1, 0),
                                                     "questions": (1, 0), "solution": (1, 0), "spoiler": (0, 1)}),
        "09-rdm": ("25_RDM", {"calllout": (1, 0), "callout": (4, 6), "challenge": (0, 2), "discussion": (0, 1),
                              "objectives": (1, 0), "questions": (1, 0), "solution": (0, 2), "testimonial": (1, 2)}),
        "10-documentation": (None, {}),
        "11-rigour": (None, {}),
        "12-analysis": ("26_Coding", {"challenge": (0, 1), "instructor": (0, 2), "objectives": (1, 0),
                                      "questions": (1, 0), "solution": (0, 1), "warnings": (0, 1)}),
        "13-codereview": ("26_Coding", {"objectives": (1, 0), "questions": (1, 0), "solution": (1, 0),
                                        "spoiler": (0, 1)}),
        "14-codemodularity": ("26_Coding", {}),
        "15-publication": ("27_publications", {"callout": (0, 1), "challenge": (0, 2), "instructor": (0, 2),
                                               "objectives": (1, 0), "questions": (1, 0), "solution": (0, 1),
                                               "testimonial": (0, 1)}),
        "16-open": (None, {}),
        "17-citation": ("27_publications", {"objectives": (1, 0), "questions": (1, 0)}),
    },
}


def blocks_by_source(page) -> dict[str, Counter]:
    """Block kinds of a maintainers' page, per file they were read from (child documents included)."""
    found: dict[str, Counter] = {}
    for node, parents in page.walk():
        if isinstance(node, Block):
            source = node.source or (parents[0].source if parents else None) or page.source
            found.setdefault(Path(source).stem, Counter())[node.kind] += 1
    return found


def compare(name: str, tmp_path: Path) -> dict[str, tuple[str | None, dict]]:
    migrate(CORPUS / f"{name}__legacy", tmp_path / "ours")
    ours = read_lesson(tmp_path / "ours")
    theirs = read_lesson(CORPUS / name)
    by_title = {p.title: p for p in theirs.episodes}
    children = {stem: (page.slug, counts) for page in theirs.episodes
                for stem, counts in blocks_by_source(page).items() if stem != page.slug}
    differences: dict[str, tuple[str | None, dict]] = {}
    for page in ours.episodes:
        mine = Counter(b.kind for b in page.blocks())
        if page.slug in children:  # merged into a bigger episode as a child document
            where, counts = children[page.slug]
        elif page.title in by_title:
            where, counts = by_title[page.title].slug, Counter(b.kind for b in by_title[page.title].blocks())
        else:
            differences[page.slug] = (None, {})
            continue
        diff = {k: (mine[k], counts[k]) for k in sorted(set(mine) | set(counts)) if mine[k] != counts[k]}
        if diff or where != page.slug:
            differences[page.slug] = (where, diff)
    return differences


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_migration_matches_the_maintainers_version_except_their_edits(name: str, tmp_path: Path):
    assert compare(name, tmp_path) == EXPECTED[name]
