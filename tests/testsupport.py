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


def poll(check, timeout: float = 60.0, every: float = 0.05, what: str = "the condition"):
    """Wait until ``check()`` returns something true and return it: the tests' one way to wait for
    another process or thread (never a fixed sleep). Fails the test after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class ProcessLog:
    """Collects a child process's output lines in a thread, so a test can wait for a line."""

    def __init__(self, process):
        import threading

        self.process = process
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        poll(lambda: text in self.text, timeout, what=f"{text!r} in the output")


def copy_lesson(source: Path, target: Path) -> Path:
    """A private copy of a lesson (fixture or corpus) for a test to build or edit."""
    import shutil

    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lessonkit", "site"))
    return target
