"""Helpers for the hostile-lesson tests: lessons made at run time, and lessonkit run in a
subprocess under a memory limit (RLIMIT_AS), a CPU limit and a wall-clock timeout, its peak
memory (the child's own ``ru_maxrss``, from ``wait4``) checked after it ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Limits every hostile build and check runs under: a hostile lesson must not need more than a
#: normal one. The small lesson builds within 256 MiB of address space and 1.6 s of CPU; every case
#: of the corpus used 0.5-2.2 s of CPU and under 50 MiB of memory (docs/security.md has the table).
#: The CPU limit is CPU time, so a loaded machine does not make it fail; the wall-clock timeout is a
#: safety net for a run that waits rather than computes.
MEMORY_BYTES = 512 * 2**20
CPU_SECONDS = 10
WALL_SECONDS = 120
#: Peak resident memory a run may have used (checked after it ends; RLIMIT_AS is the hard stop).
PEAK_RSS_BYTES = 200 * 2**20

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


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system time of the process and the children it waited for
    peak_rss_bytes: int = 0

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_lessonkit(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """``python -m lessonkit ARGS`` under the limits; never a traceback, never an internal error."""
    environment = {**os.environ, "LESSONKIT_NO_EXECUTE": "1", **(env or {})}
    environment.pop("LESSONKIT_DEBUG", None)
    run = _run_limited([sys.executable, "-m", "lessonkit", *args], cwd, environment)
    assert run.returncode != -signal.SIGXCPU and run.returncode != -signal.SIGKILL, \
        f"CPU limit ({CPU_SECONDS} s) or timeout ({WALL_SECONDS} s) reached: {run.output[-2000:]}"
    assert run.peak_rss_bytes <= PEAK_RSS_BYTES, f"peak memory {run.peak_rss_bytes / 2**20:.0f} MiB"
    assert "Traceback" not in run.output, run.output
    assert "internal error" not in run.output, run.output
    assert "MemoryError" not in run.output and "RecursionError" not in run.output, run.output
    assert run.returncode in (0, 1, 2), (run.returncode, run.output[-2000:])
    return run


#: Runs the command under the limits and writes its exit status, CPU time and peak memory. It is a small
#: process of its own because a process's peak memory (``ru_maxrss``) starts at its parent's size on
#: fork and survives exec: measured straight from the test process, it would report pytest's memory.
_LIMITED = """
import json, os, resource, subprocess, sys
memory, cpu, report = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def limits():
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU, then SIGKILL
child = subprocess.Popen(sys.argv[4:], preexec_fn=limits)
_, status, usage = os.wait4(child.pid, 0)
with open(report, "w") as handle:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024], handle)
"""


def _run_limited(command: list[str], cwd: Path | None, environment: dict[str, str]) -> Run:
    """Run ``command`` under the limits; ``wait4`` gives its own CPU time and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "usage.json"
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen([sys.executable, "-c", _LIMITED, str(MEMORY_BYTES), str(CPU_SECONDS),
                                        str(report), *command], cwd=cwd, env=environment, stdout=stdout,
                                       stderr=stderr, start_new_session=True)
            try:
                process.wait(timeout=WALL_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        returncode, cpu, peak = json.loads(report.read_text()) if report.is_file() else (-signal.SIGKILL, 0.0, 0)
        return Run(returncode, out.read_text(errors="replace"), err.read_text(errors="replace"), cpu, peak)


def build(lesson: Path, out: Path, *more: str) -> Run:
    return run_lessonkit("build", str(lesson), "--out", str(out), "--no-execute", *more)


def check(lesson: Path, *more: str) -> Run:
    return run_lessonkit("check", str(lesson), *more)


def diagnosed(run: Run, location: str, rule: str) -> bool:
    """Whether ``run`` printed a diagnostic of ``rule`` at ``location`` (``file`` or ``file:line``)."""
    return any(f"[{rule}]" in line and line.startswith(location + ":") for line in run.output.splitlines())
