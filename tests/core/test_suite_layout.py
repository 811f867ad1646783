"""The test suite itself: pytest imports test files by their base name (rootdir-relative 'prepend'
mode, no packages), so two test files with one name make the whole run fail to collect."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_test_files_have_unique_names():
    tests = Path(__file__).resolve().parents[1]
    names = Counter(path.name for path in tests.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
