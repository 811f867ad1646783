"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport import CORPUS


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert (CORPUS / "INDEX.tsv").is_file(), f"the shared lesson corpus is missing at {CORPUS}"
    return CORPUS
