"""#11.7 and #11.10: the output guard, the lock, stale staging folders and the atomic swap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostilesupport import build, make_lesson, run_lessonkit

from lessonkit import output
from lessonkit.output import MARKER, OutputBusy, OutputError, StagedOutput


def test_a_lesson_shipping_the_site_marker_cannot_make_build_replace_itself(tmp_path: Path):
    lesson = make_lesson(tmp_path / "lesson", {MARKER: "token: forged\n", ".git/HEAD": "ref: refs/heads/main\n"})
    run = run_lessonkit("build", ".", "--out", ".", "--no-execute", cwd=lesson)
    assert run.returncode == 1
    assert "[output-path]" in run.output and "lesson folder itself" in run.output
    assert (lesson / ".git/HEAD").read_text() == "ref: refs/heads/main\n"
    assert (lesson / "config.yaml").is_file() and not (lesson / "index.html").exists()


@pytest.mark.parametrize("name", [".git", "config.yaml", "_config.yml"])
def test_a_folder_holding_a_repository_or_a_lesson_is_never_replaced(tmp_path: Path, name: str):
    lesson = make_lesson(tmp_path / "lesson")
    other = tmp_path / "other"
    (other / name).mkdir(parents=True) if name == ".git" else (other.mkdir() or (other / name).write_text("x: 1\n"))
    (other / MARKER).write_text("token: forged\n")  # whatever markers it holds
    run = build(lesson, other)
    assert run.returncode == 1 and "[output-path]" in run.output and f"({name})" in run.output
    assert (other / name).exists() and not (other / "index.html").exists()


def test_an_ancestor_of_the_lesson_is_never_replaced(tmp_path: Path):
    lesson = make_lesson(tmp_path / "work" / "lesson")
    (tmp_path / "work" / MARKER).write_text("token: forged\n")
    run = build(lesson, tmp_path / "work")
    assert run.returncode == 1 and "contains the lesson" in run.output
    assert (lesson / "config.yaml").is_file()


def test_refusal_reasons():
    assert output.refusal(Path("/")) is not None
    assert output.refusal(Path.home()) is not None


def test_a_second_build_into_the_same_output_waits_or_says_so(tmp_path: Path):
    out = tmp_path / "out"
    first = StagedOutput(out)
    try:
        with pytest.raises(OutputBusy, match="another lessonkit build is writing to"):
            StagedOutput(out, wait=0)
        # the command line: a diagnostic and exit 1, never an internal error
        lesson = make_lesson(tmp_path / "lesson")
        run = run_lessonkit("build", str(lesson), "--out", str(out), "--no-execute",
                            env={"LESSONKIT_OUTPUT_WAIT": "0"})
        assert run.returncode == 1 and "[output-busy]" in run.output
    finally:
        first.abort()
    second = StagedOutput(out, wait=0)  # released by abort()
    second.write("index.html", "second")
    second.commit()
    assert (out / "index.html").read_text() == "second"
    StagedOutput(out, wait=0).abort()  # and by commit()


def test_concurrent_command_line_builds_into_one_output_all_succeed(tmp_path: Path):
    lesson = make_lesson(tmp_path / "lesson")
    out = tmp_path / "out"
    env = {**os.environ, "LESSONKIT_NO_EXECUTE": "1"}
    command = [sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(out), "--no-execute", "-q"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert not any("internal error" in text or "Traceback" in text for text in outputs)
    assert (out / "index.html").is_file()
    assert not list(tmp_path.glob(".out.staging-*"))


def test_staging_folders_of_killed_builds_are_removed(tmp_path: Path):
    out = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.staging-{int(dead.stdout)}"
    (stale / "fig").mkdir(parents=True)
    (stale / "fig" / "big.png").write_bytes(b"x" * 1000)
    alive = tmp_path / f".out.staging-{os.getppid()}"  # a live process (not under our lock) is left alone
    alive.mkdir()
    staged = StagedOutput(out)
    staged.write("index.html", "new")
    staged.commit()
    assert not stale.exists() and alive.exists()


def test_the_output_exists_at_every_instant_of_the_swap(tmp_path: Path, monkeypatch):
    assert output._renameat2() is not None, "renameat2 is in every glibc since 2.28 (CI runs Debian)"
    out = tmp_path / "out"
    first = StagedOutput(out)
    first.write("index.html", "one")
    first.commit()
    seen: list[bool] = []
    real_rename = os.rename

    def watching_rename(a, b):
        seen.append((out / "index.html").is_file())
        return real_rename(a, b)

    monkeypatch.setattr(output.os, "rename", watching_rename)
    second = StagedOutput(out)
    second.write("index.html", "two")
    second.commit()
    assert (out / "index.html").read_text() == "two"
    assert seen and all(seen)  # every rename happened while out/index.html was there


def test_the_swap_falls_back_to_renames_where_exchange_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(output, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    for text in ("one", "two"):
        staged = StagedOutput(out)
        staged.write("index.html", text)
        staged.commit()
    assert (out / "index.html").read_text() == "two"


def test_a_folder_not_made_by_lessonkit_is_still_refused(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not made by lessonkit"):
        StagedOutput(tmp_path / "out")
    output._Lock((tmp_path / "out").resolve(), wait=0).release()  # the lock was released after the refusal
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
