"""The worker pool (lessonkit.parallel): the collector's state around it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from lessonkit import parallel
from testsupport import ROOT

_SCRIPT = """
import gc, json
from lessonkit import parallel

parallel.workers = lambda: 2
gc.enable()
before = gc.get_freeze_count()
seen = []
def task(i):
    return gc.isenabled(), gc.get_freeze_count() > 0

def progress(n):
    seen.append((gc.isenabled(), gc.get_freeze_count() > 0))

results = parallel.map_pages(task, parallel.MIN_PAGES, progress)
print(json.dumps({"workers": sorted(set(map(tuple, results))), "while": sorted(set(seen)),
                  "after": [gc.isenabled(), gc.get_freeze_count() == before], "count": len(results)}))
"""


def test_workers_collect_their_garbage_and_the_parent_gets_its_collector_back():
    """Workers run with the collector on (the inherited heap frozen); the parent, which only gathers
    results, has it paused meanwhile, and both are as they were afterwards (run in a process of its own:
    forking is used only without other threads, and a test worker has some)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=True)
    found = json.loads(out.stdout)
    assert found["count"] == parallel.MIN_PAGES
    assert found["workers"] == [[True, True]]  # collector on, the parent's heap frozen
    assert found["while"] == [[False, True]]
    assert found["after"] == [True, True]
