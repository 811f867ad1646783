"""Helpers for the hostile-lesson tests: lessons made at run time, and lessonkit run in a
subprocess under a memory limit (RLIMIT_AS), a CPU limit and a wall-clock timeout."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Limits every hostile build and check runs under. A normal small lesson needs about 300 MiB of
#: address space; a hostile one must not need more than a normal one.
MEMORY_BYTES = 768 * 2**20
CPU_SECONDS = 60
WALL_SECONDS = 120

EPISODE = "---\ntitle: {title}\nteaching: 5\nexercises: 0\n---\n\nSome text.\n"


def make_lesson(root: Path, files: dict[str, str | bytes] | None = None, episodes: list[str] | None = None) -> Path:
    """A small Workbench lesson at ``root``; ``files`` adds or replaces files (relative paths)."""
    root.mkdir(parents=True, exist_ok=True)
    names = episodes if episodes is not None else ["intro.md"]
    listing = "".join(f"- {name}\n" for name in names)
    base: dict[str, str | bytes] = {
        "config.yaml": f"title: Hostile\ncarpentry: incubator\nlife_cycle: pre-alpha\nepisodes:\n{listing}",
        "index.md": "---\nsite: sandpaper::sandpaper_site\n---\n\nA lesson.\n",
    }
    for name in names:
        if "/" not in name and not name.startswith(".."):
            base[f"episodes/{name}"] = EPISODE.format(title=name)
    base.update(files or {})
    for rel, content in base.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_lessonkit(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """``python -m lessonkit ARGS`` under the limits; never a traceback, never an internal error."""
    environment = {**os.environ, "LESSONKIT_NO_EXECUTE": "1", **(env or {})}
    environment.pop("LESSONKIT_DEBUG", None)
    completed = subprocess.run([sys.executable, "-m", "lessonkit", *args], cwd=cwd, env=environment,
                               capture_output=True, text=True, preexec_fn=_limits, timeout=WALL_SECONDS)
    run = Run(completed.returncode, completed.stdout, completed.stderr)
    assert "Traceback" not in run.output, run.output
    assert "internal error" not in run.output, run.output
    assert "MemoryError" not in run.output and "RecursionError" not in run.output, run.output
    assert run.returncode in (0, 1, 2), (run.returncode, run.output[-2000:])
    return run


def build(lesson: Path, out: Path, *more: str) -> Run:
    return run_lessonkit("build", str(lesson), "--out", str(out), "--no-execute", *more)


def check(lesson: Path, *more: str) -> Run:
    return run_lessonkit("check", str(lesson), *more)


def diagnosed(run: Run, location: str, rule: str) -> bool:
    """Whether ``run`` printed a diagnostic of ``rule`` at ``location`` (``file`` or ``file:line``)."""
    return any(f"[{rule}]" in line and line.startswith(location + ":") for line in run.output.splitlines())
