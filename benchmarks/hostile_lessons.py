"""Time and memory of each hostile lesson of ``tests/hostile`` (issue #11, item 6).

    python benchmarks/hostile_lessons.py [--json FILE]

Each lesson of the corpus (``tests/hostile/test_hostile_corpus.py``) is built and checked by the
command line under the same limits as the tests (``tests/hostile/hostilesupport.py``), and the
CPU time, wall time and peak resident memory of each run are printed, beside the small well-formed
lesson the corpus starts from. CPU time is the process's own (and its reaped children's), so it
does not grow with the machine's load; wall time does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "hostile")]
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])

import hostilesupport  # noqa: E402
from test_hostile_corpus import CORPUS  # noqa: E402


def measure(args: list[str]) -> dict:
    started = time.perf_counter()
    run = hostilesupport.run_lessonkit(*args)
    return {"exit": run.returncode, "cpu_s": round(run.cpu_seconds, 2), "wall_s": round(time.perf_counter() - started, 2),
            "peak_rss_mib": round(run.peak_rss_bytes / 2**20, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        lessons = [("(well-formed lesson)", hostilesupport.make_lesson(work / "plain"))]
        lessons += [(case.name, case.make(work / case.name)) for case in CORPUS]
        for index, (name, lesson) in enumerate(lessons):
            built = measure(["build", str(lesson), "--out", str(work / f"out-{index}"), "--no-execute"])
            checked = measure(["check", str(lesson)])
            rows.append({"lesson": name, "build": built, "check": checked})
            print(f"{name:26} build: exit {built['exit']}, {built['cpu_s']:5.2f} s CPU, {built['wall_s']:5.2f} s, "
                  f"{built['peak_rss_mib']:5.1f} MiB | check: exit {checked['exit']}, {checked['cpu_s']:5.2f} s CPU, "
                  f"{checked['wall_s']:5.2f} s, {checked['peak_rss_mib']:5.1f} MiB", flush=True)
    limits = {"memory_mib": hostilesupport.MEMORY_BYTES // 2**20, "cpu_s": hostilesupport.CPU_SECONDS,
              "peak_rss_mib": hostilesupport.PEAK_RSS_BYTES // 2**20, "load_average": os.getloadavg()[0]}
    print(f"limits: address space {limits['memory_mib']} MiB, CPU {limits['cpu_s']} s, "
          f"peak memory {limits['peak_rss_mib']} MiB; load average {limits['load_average']:.1f}")
    if options.json:
        options.json.write_text(json.dumps({"limits": limits, "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
