"""Small translated lessons for tests: the same lesson written in German or Japanese (our own text)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from testsupport import FIXTURES

TEXTS = {
    "de": {
        "title": "Zellen zählen", "episode": "Zählkammern", "second": "Verdünnungen",
        "para": "Eine Zählkammer hat ein Gitter aus neun Quadraten.", "heading": "Warum zählen wir",
        "question": "Wie zählt man Zellen?", "objective": "Eine Zählkammer benutzen.",
        "challenge": "Zählen Sie die Zellen im Quadrat.", "solution": "Es sind vierzig Zellen.",
        "note": "Mikroskope vorher einschalten.", "keypoint": "Mindestens zwei Quadrate zählen.",
        "setup": "Installieren Sie ein Tabellenprogramm.", "profile": "Priya arbeitet im Labor.",
        "alt": "Ein Gitter aus neun Quadraten", "caption": "Das Gitter",
    },
    "ja": {
        "title": "細胞を数える", "episode": "計算盤", "second": "希釈",
        "para": "計算盤には九つの正方形の格子があります。", "heading": "なぜ数えるのか",
        "question": "細胞はどのように数えますか？", "objective": "計算盤を使う。",
        "challenge": "正方形の中の細胞を数えなさい。", "solution": "細胞は四十個です。",
        "note": "顕微鏡を先に準備する。", "keypoint": "少なくとも二つの正方形を数える。",
        "setup": "表計算ソフトをインストールしてください。", "profile": "プリヤは研究室で働いています。",
        "alt": "九つの正方形の格子", "caption": "格子",
    },
}


def make_lesson(root: Path, lang: str) -> Path:
    t = TEXTS[lang]
    (root / "episodes/fig").mkdir(parents=True)
    (root / "learners").mkdir()
    (root / "instructors").mkdir()
    (root / "profiles").mkdir()
    shutil.copy(FIXTURES / "workbench/episodes/fig/grid.svg", root / "episodes/fig/grid.svg")
    (root / "config.yaml").write_text(
        f"carpentry: incubator\ntitle: '{t['title']}'\nlife_cycle: beta\nlicense: CC-BY 4.0\n"
        f"source: https://github.com/example/lesson\ncontact: team@example.org\nlang: {lang}\n"
        "episodes:\n- one.md\n- two.md\nlearners:\n- setup.md\ninstructors:\n- instructor-notes.md\n"
        "profiles:\n- learner.md\n", encoding="utf-8")
    (root / "index.md").write_text(f"---\nsite: sandpaper::sandpaper_site\n---\n\n{t['para']}\n", encoding="utf-8")
    episode = (
        f"---\ntitle: {t['episode']}\nteaching: 10\nexercises: 5\n---\n\n"
        f"::: questions\n- {t['question']}\n:::\n\n::: objectives\n- {t['objective']}\n:::\n\n"
        f"## {t['heading']}\n\n{t['para']}[^1]\n\n![{t['caption']}](fig/grid.svg){{alt='{t['alt']}'}}\n\n"
        "```python\nprint(40)\n```\n\n```output\n40\n```\n\n```error\nZeroDivisionError\n```\n\n"
        "```warning\nRuntimeWarning\n```\n\n"
        f"::: challenge\n\n{t['challenge']}\n\n:::: solution\n{t['solution']}\n::::\n\n"
        f":::: hint\n{t['solution']}\n::::\n\n:::\n\n"
        f"::: callout\n{t['para']}\n:::\n\n::: discussion\n{t['para']}\n:::\n\n::: caution\n{t['para']}\n:::\n\n"
        f"::: checklist\n- {t['para']}\n:::\n\n::: prereq\n{t['para']}\n:::\n\n::: testimonial\n{t['para']}\n:::\n\n"
        f"::: spoiler\n{t['para']}\n:::\n\n::: instructor\n{t['note']}\n:::\n\n"
        f"::: keypoints\n- {t['keypoint']}\n:::\n\n[^1]: {t['para']}\n"
    )
    (root / "episodes/one.md").write_text(episode, encoding="utf-8")
    (root / "episodes/two.md").write_text(episode.replace(t["episode"], t["second"]), encoding="utf-8")
    (root / "learners/setup.md").write_text(f"---\ntitle: {t['heading']}\n---\n\n{t['setup']}\n", encoding="utf-8")
    (root / "instructors/instructor-notes.md").write_text(f"---\ntitle: {t['note']}\n---\n\n{t['note']}\n",
                                                          encoding="utf-8")
    (root / "profiles/learner.md").write_text(f"---\ntitle: Priya\n---\n\n{t['profile']}\n", encoding="utf-8")
    (root / "LICENSE.md").write_text(f"---\ntitle: Lizenz\n---\n\n{t['para']}\n", encoding="utf-8")
    dated(*root.rglob("*.md"))
    return root


#: When the sample lesson's pages last changed (their "Last updated" date): 2026-12-01 00:00 UTC.
STAMP = 1796083200


def dated(*paths: Path) -> None:
    """Give ``paths`` the modification time :data:`STAMP`, so that a page's date does not depend on the
    day the test runs (a file edited by a test just after midnight is of the next day)."""
    for path in paths:
        os.utime(path, (STAMP, STAMP))
