"""The command's entry point (lessonkit.entry): a no-change ``lessonkit build`` answered before click is
imported, exactly as the click command line answers it; everything else goes to the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lessonkit import entry, manifest
from lessonkit.build import Builder, BuildOptions
from lessonkit.scaffold import create_lesson
from testsupport import FIXTURES, ROOT, copy_lesson


def _clean_lesson(target: Path) -> Path:
    """A lesson with nothing to report (what ``lessonkit new`` writes), files aged."""
    create_lesson(target, title="Counting cells", author="Ada Lovelace")
    return _aged(target)


def _aged(lesson: Path) -> Path:
    past = time.time() - 3600  # older than the manifest's racy-clean window
    for path in lesson.rglob("*"):
        os.utime(path, (past, past))
    return lesson


def _run(*args: str, how: str) -> subprocess.CompletedProcess:
    """``lessonkit ARGS`` through the entry point (``python -m lessonkit``) or straight through click."""
    code = "import sys; from lessonkit.cli import main; sys.argv[0] = 'lessonkit'; main()"
    command = [sys.executable, "-m", "lessonkit", *args] if how == "entry" else [sys.executable, "-c", code, *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("LESSONKIT_DEBUG", None)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def _same(a: subprocess.CompletedProcess, b: subprocess.CompletedProcess) -> None:
    timing = re.compile(r"\d+ ms\b")
    assert (a.returncode, a.stdout, timing.sub("", a.stderr)) == (b.returncode, b.stdout, timing.sub("", b.stderr))


@pytest.mark.parametrize("extra", [[], ["-q"], ["--strict", "--no-execute", "--timeout=30", "-j", "2", "--keep-going"]])
def test_a_no_change_build_says_what_the_command_line_says(tmp_path: Path, extra: list[str]):
    lesson = _clean_lesson(tmp_path / "lesson")
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", str(lesson), "-o", str(out), "--cache-dir", str(cache), *extra]
    first = _run(*args, how="click")
    assert first.returncode == 0, first.stderr
    quick, slow = _run(*args, how="entry"), _run(*args, how="click")
    _same(quick, slow)
    assert ("Up to date" in quick.stderr) == ("-q" not in extra)


def test_the_no_change_answer_imports_neither_click_nor_the_renderers(tmp_path: Path):
    lesson = _clean_lesson(tmp_path / "lesson")
    out = tmp_path / "out"
    assert _run("build", str(lesson), "--out", str(out), "-q", how="click").returncode == 0  # (its sys.path)
    script = ("import json, sys; from lessonkit import entry; code = entry.quick_build(sys.argv[1:]); "
              "print(json.dumps([code, sorted(m for m in ('click', 'rich', 'jinja2', 'markdown_it', 'pygments', "
              "'subprocess') if m in sys.modules)]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script, "build", str(lesson), "--out", str(out), "-q"],
                          capture_output=True, text=True, env=env, check=True)
    assert json.loads(done.stdout) == [0, []]


@pytest.mark.parametrize("args", [
    ["check", "."], ["build", "--help"], ["build", ".", "--bogus"], ["build", ".", "-qo", "out"],
    ["build", ".", "--timeout", "0"], ["build", ".", "--timeout", "x"], ["build", ".", "."],
    ["build", "no-such-folder"], ["build", ".", "--out", "a", "--out", "b"], ["build", ".", "--out"],
    ["build", ".", "--", "x"], ["build", ".", "--prerendered", "."], ["build", ".", "--quiet=yes"], [],
])
def test_anything_but_the_common_options_goes_to_the_command_line(args: list[str], tmp_path: Path, monkeypatch):
    monkeypatch.chdir(copy_lesson(FIXTURES / "workbench", tmp_path / "lesson"))
    assert entry.parse_build(args) is None
    assert entry.quick_build(args) is None


def test_options_are_read_as_click_reads_them(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(copy_lesson(FIXTURES / "workbench", tmp_path / "lesson"))
    found = entry.parse_build(["build", "--out=site2", "-q", "--timeout", "30", "-j", "3", "--cache-dir", "c"])
    assert found == {"path": Path("."), "out": Path("site2"), "quiet": True, "timeout": 30, "jobs": 3,
                     "cache_dir": Path("c")}


def test_a_changed_lesson_is_built_by_the_command_line_without_walking_it_twice(tmp_path: Path, monkeypatch):
    lesson = _aged(copy_lesson(FIXTURES / "workbench", tmp_path / "lesson"))
    out = tmp_path / "out"
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("Seeding density matters", "Seeding density is crucial"))
    args = ["build", str(lesson), "--out", str(out), "-q"]
    walks: list[Path] = []
    real = manifest.unchanged
    monkeypatch.setattr(manifest, "unchanged", lambda *a, **k: walks.append(a[1]) or real(*a, **k))
    assert entry.quick_build(args) is None
    assert len(manifest.KNOWN_CHANGED) == 1
    result = Builder(lesson, BuildOptions(out=out)).build()
    assert result.ok and result.pages_rendered == 1 and len(walks) == 1 and not manifest.KNOWN_CHANGED
    assert "Seeding density is crucial" in (out / "counting-cells.html").read_text()


def test_a_no_change_build_with_warnings_is_reported_by_the_command_line(tmp_path: Path):
    lesson = _clean_lesson(tmp_path / "lesson")
    page = next((lesson / "episodes").glob("*.md"))
    page.write_text(page.read_text() + "\n[a link to nowhere](no-such-page.md)\n")
    _aged(lesson)
    out = tmp_path / "out"
    args = ["build", str(lesson), "--out", str(out)]
    assert _run(*args, how="click").returncode == 0
    assert entry.quick_build(args) is None
    manifest.KNOWN_CHANGED.clear()
    _same(_run(*args, how="entry"), _run(*args, how="click"))
    assert "no-such-page.md" in _run(*args, how="entry").stderr


def test_the_options_read_before_click_are_the_build_commands_own():
    """entry.py names the common options of ``lessonkit build`` without importing click: each must be an
    option of the click command, a flag where it is read as a flag and taking a value where it takes one."""
    from lessonkit.cli.build import build

    options = {opt: param for param in build.params for opt in getattr(param, "opts", [])}
    for name in entry.FLAGS:
        assert name in options and options[name].is_flag, name
    for name in entry.VALUES:
        assert name in options and not options[name].is_flag, name
