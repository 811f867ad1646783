"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LESSONKIT_CORPUS", ROOT.parent / "shared" / "corpus"))
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


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert (CORPUS / "INDEX.tsv").is_file(), f"the shared lesson corpus is missing at {CORPUS}"
    return CORPUS
