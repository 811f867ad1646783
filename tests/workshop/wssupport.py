"""Small lessons with schedules and time marks, written by the tests (import this, never conftest)."""

from __future__ import annotations

import textwrap
from pathlib import Path

CONFIG = """\
carpentry: incubator
title: "Fixture masterclass"
life_cycle: alpha
license: CC-BY 4.0
source: https://github.com/example/fixture
contact: team@example.org
created: '2026-01-01'
episodes:
- 01-intro.md
- 02-methods.md
- 03-pitfalls.md
learners:
- setup.md
schedules:
  masterclass-3h:
    title: "Three-hour live masterclass"
    description: "One afternoon; the rest is self-study."
    episodes:
      - 01-intro.md
      - file: 02-methods.md
        self_study: [going-further]
      - 03-pitfalls.md
    breaks:
      - after: 02-methods.md
        minutes: 15
        title: "Coffee"
  short:
    title: "Taster"
    episodes:
      - 01-intro.md
"""

EPISODES = {
    "01-intro.md": """\
        ---
        title: "Introduction"
        teaching: 25
        exercises: 10
        ---

        ## Why this matters {minutes=15}

        Some teaching.

        ::: {.challenge minutes=5}
        ## Challenge 1: First thoughts

        What would you ask?

        :::: solution
        Ask about the data.
        ::::
        :::

        ## Definitions {minutes=10}

        Words.

        ::: {.discussion minutes=5}
        ## Your experience

        Talk about it.
        :::
        """,
    "02-methods.md": """\
        ---
        title: "Methods"
        teaching: 40
        exercises: 20
        ---

        ## Splitting data {#splitting minutes=20}

        Teaching about splits.

        ```python
        ## not a heading {minutes=99}
        ```

        ::: {.challenge minutes=10}
        ## Challenge: split by patient

        Which split leaks?

        :::: solution
        The random one.
        ::::
        :::

        ## Going further {minutes=20}

        For self-study.

        ::: {.challenge minutes=10}
        ## Challenge: nested cross-validation

        Explain it.
        :::
        """,
    "03-pitfalls.md": """\
        ---
        title: "Pitfalls"
        teaching: 30
        exercises: 15
        ---

        No time marks in this episode: its front matter gives its time.

        ## Leakage

        ::: challenge
        ## Challenge: spot the leak

        Where is it?

        :::: solution
        In the preprocessing.
        ::::
        :::
        """,
}


OVERVIEW = """
::: questions
- What is this about?
:::

::: objectives
- Say what this is about.
:::
"""


def with_overview(text: str) -> str:
    """An episode with the questions, objectives and key points every episode has."""
    if not text.startswith("---\n") or "::: questions" in text:
        return text
    end = text.index("\n---\n", 4) + len("\n---\n")
    return text[:end] + OVERVIEW + text[end:] + "\n::: keypoints\n- It is about this.\n:::\n"


def write_lesson(root: Path, config: str = CONFIG, episodes: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(config)
    (root / "episodes").mkdir(exist_ok=True)
    for name, text in (EPISODES if episodes is None else episodes).items():
        (root / "episodes" / name).write_text(with_overview(textwrap.dedent(text)))
    (root / "learners").mkdir(exist_ok=True)
    (root / "learners" / "setup.md").write_text("---\ntitle: Setup\n---\n\nInstall a web browser. "
                                                  "See [the introduction](../episodes/01-intro.md).\n")
    (root / "index.md").write_text("---\nsite: sandpaper::sandpaper_site\n---\n\nA fixture lesson for schedules.\n")
    for name in ("LICENSE.md", "CODE_OF_CONDUCT.md"):
        (root / name).write_text(f"---\ntitle: {name[:-3]}\n---\n\nText.\n")
    (root / "CITATION.cff").write_text("cff-version: 1.2.0\ntitle: Fixture\nauthors:\n  - name: Team\n")
    return root


WORKSHOP = """\
title: "Fixture masterclass, three-hour version"
slug: fixture-masterclass-2027
description: "An afternoon on *machine learning* for group leaders."
language: en
audience: "Group leaders in the life sciences"
prerequisites:
  - "No programming needed"
lessons:
  - path: ../lesson
    schedule: masterclass-3h
sessions:
  - date: 2027-03-14
    start: "13:00"
    end: "15:30"
    timezone: Europe/London
venue:
  name: "Seminar room 1"
  address: "1 Example Street, London"
  latitude: 51.52
  longitude: -0.13
instructors:
  - name: "Ada Lovelace"
    orcid: 0000-0002-1825-0097
    affiliation: "Example Institute"
helpers:
  - name: "Charles Babbage"
contact:
  name: "Workshop team"
  email: workshops@example.org
capacity: 30
registration:
  url: https://example.org/register
  opens: 2027-01-10
  closes: 2027-03-07
code_of_conduct: https://docs.carpentries.org/policies/coc/
surveys:
  pre: https://example.org/pre
  post: https://example.org/post
notes: https://example.org/notes
"""


def write_workshop(folder: Path, text: str = WORKSHOP, lesson: bool = True) -> Path:
    """A workshop file in folder/workshops/ with the fixture lesson in folder/lesson."""
    if lesson and not (folder / "lesson").is_dir():
        write_lesson(folder / "lesson")
    (folder / "workshops").mkdir(parents=True, exist_ok=True)
    path = folder / "workshops" / "workshop.yaml"
    path.write_text(text)
    return path
