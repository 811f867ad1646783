"""Benchmark: check every lesson of the shared corpus (read + all rules), as `lessonkit check` does.

    python benchmarks/check_corpus.py

Prints the wall time of reading and checking each lesson and of the whole corpus (target: under 10 s),
best of three runs, in one process (so imports are not counted; `time lessonkit check` adds them).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
CORPUS = next((Path(c) for c in (os.environ.get("LESSONKIT_CORPUS"), ROOT.parent / "shared" / "corpus",
                                 "/work/shared/corpus") if c and (Path(c) / "INDEX.tsv").is_file()),
              ROOT.parent / "shared" / "corpus")

from lessonkit.checks import check_lesson  # noqa: E402
from lessonkit.readers import read_lesson  # noqa: E402


def lessons() -> list[Path]:
    found = []
    for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]:
        name, fmt = line.split("\t")[:2]
        if fmt in ("workbench", "styles"):
            found.append(CORPUS / name / "bin/boilerplate" if name == "carpentries__styles" else CORPUS / name)
    return found


def main() -> None:
    roots = lessons()
    best = None
    per_lesson: dict[str, float] = {}
    total_diagnostics = 0
    for _ in range(3):
        started = time.perf_counter()
        count = 0
        for root in roots:
            t0 = time.perf_counter()
            lesson = read_lesson(root)
            count += len(lesson.report) + len(check_lesson(lesson))
            per_lesson[root.name] = min(per_lesson.get(root.name, 1e9), time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        total_diagnostics = count
    for name, seconds in sorted(per_lesson.items(), key=lambda item: -item[1])[:5]:
        print(f"  {name:60} {seconds * 1000:7.1f} ms")
    print(f"Checked {len(roots)} lessons ({total_diagnostics} diagnostics) in {best:.2f} s (best of 3; target < 10 s)")


HOSTILE = {  # text that makes a backtracking scanner quadratic or worse
    "open brackets": "[", "unclosed links": "[a](", "backticks": "`a", "link then brace": "![x](y){",
    "unclosed html links": "<a href='x", "nested brackets": "[[a]", "long destination": "](aaaa",
    "headings": "#" * 7 + " x\n", "table rows": "|-", "comments": "<!--",
}


def linear() -> None:
    """The scanner's time on hostile text of 1x and 4x the size: linear time means a ratio near 4."""
    from lessonkit.checks.scan import scan

    for name, unit in HOSTILE.items():
        times = []
        for size in (25_000, 100_000):
            text = unit * (size // len(unit))
            t0 = time.perf_counter()
            scan(text, 1)
            times.append(time.perf_counter() - t0)
        print(f"  {name:24} {times[0] * 1000:7.1f} ms -> {times[1] * 1000:7.1f} ms for 4x the text "
              f"(x{times[1] / max(times[0], 1e-6):.1f})")


if __name__ == "__main__":
    main()
    print("Hostile input, 25,000 then 100,000 characters on one line:")
    linear()
