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


def save(path: Path, text: str) -> None:
    """Save ``text`` as many editors do, by renaming a finished file over the old one, so that a build
    running meanwhile (``lessonkit serve``) reads the old text or the new, never a file cut short."""
    import os
    import tempfile

    # An editor's swap-file name, which the watcher ignores: only the rename is a change.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".swp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


def copy_lesson(source: Path, target: Path) -> Path:
    """A private copy of a lesson (fixture or corpus) for a test to build or edit."""
    import shutil

    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lessonkit", "site"))
    return target


def writable_corpus_copy(name: str, target: Path) -> Path | None:
    """A writable copy of the corpus lesson ``name`` (the corpus itself is read-only); None without it."""
    import shutil
    import stat

    source = CORPUS / name
    if not source.is_dir():
        return None
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def gapminder_first_episodes(target: Path) -> Path | None:
    """swcarpentry__r-novice-gapminder cut to its first two episodes (CI time stays modest), with a small
    data table of our own where episode 2's shell chunks expect one (the corpus ships no data files)."""
    import csv
    import re

    lesson = writable_corpus_copy("swcarpentry__r-novice-gapminder", target)
    if lesson is None:
        return None
    config = lesson / "config.yaml"
    config.write_text(re.sub(r"episodes: *\n(- .*\n)+", "episodes:\n- 01-rstudio-intro.Rmd\n- 02-project-intro.Rmd\n",
                             config.read_text()))
    for extra in lesson.glob("episodes/*.Rmd"):
        if not extra.name.startswith(("01-", "02-")):
            extra.unlink()
    (lesson / "episodes/data").mkdir(exist_ok=True)
    with open(lesson / "episodes/data/gapminder_data.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["country", "year", "pop", "continent", "lifeExp", "gdpPercap"])
        writer.writerows([["Testland", 1952 + 5 * i, 1000 + i, "Asia", 50 + i, 700 + i] for i in range(11)])
    return lesson


def large_lesson(target: Path, copies: int) -> Path:
    """The Workbench fixture with ``copies`` more episodes (enough for the worker pool of
    lessonkit.parallel: ``copies >= MIN_PAGES``); every fifth copy has a broken link and anchor."""
    lesson = copy_lesson(FIXTURES / "workbench", target)
    source = (lesson / "episodes/counting-cells.md").read_text()
    names = []
    for i in range(copies):
        name = f"copy-{i:02d}.md"
        text = source.replace("Seeding density matters", f"Seeding density matters ({i})")
        if i % 5 == 0:
            text += f"\n[a link to nowhere](missing-{i}.md) and [an anchor](counting-cells.md#no-such-anchor-{i})\n"
        (lesson / "episodes" / name).write_text(text)
        names.append(name)
    config = lesson / "config.yaml"
    config.write_text(config.read_text().replace("episodes:\n", "episodes:\n" + "".join(f"- {n}\n" for n in names)))
    return lesson

