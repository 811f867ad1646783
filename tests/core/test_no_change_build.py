"""The no-change build (issue #13): recognised from stat() alone, with the same result, and never
when anything the build reads or is asked to do changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import lessonkit.readers as readers
from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from testsupport import FIXTURES, copy_lesson


def _age(folder: Path, seconds: int = 3600) -> None:
    """Make every file look written an hour ago (a fresh edit is not trusted from its stat)."""
    old = os.stat(folder).st_mtime_ns - seconds * 1_000_000_000
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, ns=(old, old), follow_symlinks=False)


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    _age(lesson)
    return lesson


def build(lesson: Path, out: Path, **options):
    return Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(enabled=False), **options)).build()


def test_second_build_reads_nothing(lesson: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    first = build(lesson, out)
    assert first.ok and first.unchanged == 0
    monkeypatch.setattr(readers, "read_lesson", lambda *a, **k: pytest.fail("the lesson was read"))
    again = build(lesson, out)
    assert again.ok and again.unchanged == first.html_pages and again.html_pages == first.html_pages
    assert [d.rule for d in again.diagnostics] == [d.rule for d in first.diagnostics]


@pytest.mark.parametrize("change", ["edit", "add", "delete", "options", "output", "hidden-file"])
def test_any_change_builds_again(lesson: Path, tmp_path: Path, change: str):
    out = tmp_path / "out"
    assert build(lesson, out).ok
    options = {}
    if change == "edit":
        page = lesson / "episodes/counting-cells.md"
        page.write_text(page.read_text().replace("Seeding density matters", "Seeding density is crucial"))
    elif change == "add":
        (lesson / "episodes" / "fig").mkdir(exist_ok=True)
        (lesson / "episodes" / "fig" / "new.png").write_bytes(b"\x89PNG\r\n")
    elif change == "delete":
        (lesson / "CODE_OF_CONDUCT.md").unlink()
    elif change == "options":
        options = {"strict": True}
    elif change == "hidden-file":  # read by the credit checks
        (lesson / ".zenodo.json").write_text('{"title": "Counting cells"}\n')
    elif change == "output":
        (out / ".lessonkit-site").write_text("token: someone-else\n")
    again = build(lesson, out, **options)
    assert again.unchanged == 0
    if change == "edit":
        assert "Seeding density is crucial" in (out / "counting-cells.html").read_text()


def test_a_fresh_edit_is_not_trusted_from_its_stat(lesson: Path, tmp_path: Path, monkeypatch):
    """Same size, same modification time, different bytes: a file changed within the racy window
    (RACY_NS before the manifest was written) is never trusted from its stat alone."""
    from lessonkit import manifest
    from lessonkit.readers import page_cache

    out = tmp_path / "out"
    page = lesson / "episodes/counting-cells.md"
    text = page.read_text()
    page.write_text(text)
    stamp = page.stat().st_mtime_ns
    assert build(lesson, out).ok
    page.write_text(text.replace("Seeding density", "SEEDING density"))  # same size
    os.utime(page, ns=(stamp, stamp))  # and the same modification time
    # However long the build took, the edit counts as made within the window (as on a fast machine).
    window = time.time_ns() - stamp + 10**9
    monkeypatch.setattr(manifest, "RACY_NS", window)
    monkeypatch.setattr(page_cache, "RACY_NS", window)  # the page cache applies the same rule to each page
    again = build(lesson, out)
    assert again.unchanged == 0 and "SEEDING density" in (out / "counting-cells.html").read_text()


def test_a_command_run_inside_the_lesson_recognises_no_change(lesson: Path):
    """``python -m lessonkit build`` from the lesson folder: the build swaps ``site/`` in, which changes the
    working folder's mtime (on sys.path, but not lessonkit's environment), and it rewrites the output's
    lock file beside ``site/`` (not part of the lesson)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "lessonkit", "build", ".", "--no-execute"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    first = subprocess.run(command, cwd=lesson, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(command, cwd=lesson, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "Up to date" in again.stderr + again.stdout, again.stderr + again.stdout


def test_a_changed_kernel_environment_builds_a_lesson_with_code_again(lesson: Path, tmp_path: Path, monkeypatch):
    from lessonkit.execute import options

    out = tmp_path / "out"
    monkeypatch.setattr(options, "execution_signature", lambda *a: "R 4.2, ggplot2 3.4")
    first = build(lesson, out)
    assert first.ok and first.execution.chunks > 0
    assert build(lesson, out).unchanged == first.html_pages
    monkeypatch.setattr(options, "execution_signature", lambda *a: "R 4.2, ggplot2 3.5")
    assert build(lesson, out).unchanged == 0


def test_a_lesson_without_code_never_asks_for_the_kernel_environments(tmp_path: Path, monkeypatch):
    """Asking R and Jupyter what is installed costs more than the whole no-change build may."""
    from lessonkit.execute import options

    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    for page in [*lesson.glob("episodes/*.Rmd"), *lesson.glob("episodes/files/*.Rmd")]:
        page.unlink()
    config = lesson / "config.yaml"
    config.write_text(config.read_text().replace("- rmarkdown-chunks.Rmd\n", ""))
    for page in lesson.glob("episodes/*.md"):  # code blocks, but no executable chunks
        page.write_text(page.read_text().replace("```{python", "```{.python").replace("```{r", "```{.r"))
    _age(lesson)
    out = tmp_path / "out"
    first = build(lesson, out)
    assert first.ok and first.execution.chunks == 0, [d.format() for d in first.diagnostics]
    monkeypatch.setattr(options, "execution_signature", lambda *a: pytest.fail("asked for the environments"))
    assert build(lesson, out).unchanged == first.html_pages
