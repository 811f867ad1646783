"""Paths and helpers shared by the tests (import this, never conftest)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _find_corpus() -> Path:
    """The shared lesson corpus: $LESSONKIT_CORPUS, else ../shared/corpus beside the project."""
    candidates = [os.environ.get("LESSONKIT_CORPUS"), ROOT.parent / "shared" / "corpus", "/work/shared/corpus"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "INDEX.tsv").is_file():
            return Path(candidate)
    return ROOT.parent / "shared" / "corpus"


CORPUS = _find_corpus()
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def corpus_lessons(fmt: str) -> list[Path]:
    """Corpus lesson folders of one format ('workbench' or 'styles'), from the corpus index."""
    index = CORPUS / "INDEX.tsv"
    lessons = []
    for line in index.read_text().splitlines()[1:]:
        name, lesson_format = line.split("\t")[:2]
        if lesson_format == fmt:
            lessons.append(CORPUS / name)
    return lessons
