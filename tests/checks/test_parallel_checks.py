"""A clean check of a large lesson runs the page rules on every core: the diagnostics and the anchor
summaries the lesson-wide link rule uses are the ones a check in one process finds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lessonkit import parallel
from testsupport import ROOT, large_lesson


def _large_lesson(tmp_path: Path) -> Path:
    return large_lesson(tmp_path / "lesson", parallel.MIN_PAGES + 4)


_SCRIPT = """
import json, sys
from pathlib import Path
from lessonkit.checks.registry import Checker
from lessonkit.readers import read_lesson
from lessonkit import parallel

def check():
    checker = Checker()
    found = sorted(d.format() for d in checker.check(read_lesson(Path(sys.argv[1]))))
    return found, checker.summaries

forked = []
real_map = parallel.map_pages
def spying(task, count, progress=None):
    forked.append(count >= parallel.MIN_PAGES and parallel.can_fork() and parallel.workers() > 1)
    return real_map(task, count, progress)
parallel.map_pages = spying
found, summaries = check()
parallel.map_pages = lambda task, count, progress=None: [task(i) for i in range(count)]
serial_found, serial_summaries = check()
print(json.dumps({"forked": any(forked), "same": found == serial_found and summaries == serial_summaries,
                  "found": serial_found}))
"""


def test_parallel_page_checks_find_what_one_process_finds(tmp_path: Path):
    """In a process of its own: forking is used only without other threads, and a test worker has some."""
    lesson = _large_lesson(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(lesson)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["forked"], "the check did not use workers (the machine has fewer than 2 cores?)"
    assert result["same"]
    assert sum("link-target-missing" in d for d in result["found"]) >= 10
    assert any("no-such-anchor" in d for d in result["found"])
