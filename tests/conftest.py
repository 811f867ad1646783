"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from testsupport import CORPUS

# No property test is timed: Hypothesis's per-example deadline (200 ms) fails tests on a loaded machine
# (performance is measured in benchmarks/, never in tests).
settings.register_profile("lessonkit", deadline=None)
settings.load_profile("lessonkit")

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def corpus() -> Path:
    assert (CORPUS / "INDEX.tsv").is_file(), f"the shared lesson corpus is missing at {CORPUS}"
    return CORPUS


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium through Playwright, one per test worker (Playwright allows one
    sync API instance per thread, so every module shares this one). Imported here, not at the
    top, so that the unit tests run without Playwright installed."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), "browser tests need Debian's chromium (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
