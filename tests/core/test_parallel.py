"""The worker pool (lessonkit.parallel): the collector's state around it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from lessonkit import parallel
from testsupport import ROOT, large_lesson

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


_BUILD = """
import json, sys
from pathlib import Path
from lessonkit import parallel
from lessonkit.build import Builder, BuildOptions

lesson, work = Path(sys.argv[1]), Path(sys.argv[2])
parallel.workers = lambda: 2
builder = Builder(lesson, BuildOptions(out=work / "out", cache=work / "cache"))
first = builder.build()
state = builder.states[lesson]
records = sorted(p.stem for p in (work / "cache/records").glob("*.msgpack"))
episodes = {state.infos[p.source].key for p in builder.published[0].lesson.episodes
            if not state.infos[p.source].files}  # (figures made by code are written from the body)
bodiless = sorted(k for k, r in state.records.memory.items() if r.body is None)
# The same builder, the episodes in another order: every page's pager changes, no page's body, so
# the pages are written again from the bodies the workers wrote.
config = lesson / "config.yaml"
lines = config.read_text().splitlines(keepends=True)
first_copy, last_copy = lines.index("- copy-00.md\\n"), lines.index("- copy-51.md\\n")
lines[first_copy], lines[last_copy] = lines[last_copy], lines[first_copy]
config.write_text("".join(lines))
second = builder.build()
# A clean build in one process of the reordered lesson, to compare with.
parallel.map_pages = lambda task, count, progress=None: [task(i) for i in range(count)]
clean = Builder(lesson, BuildOptions(out=work / "clean", cache=work / "clean-cache", persist=False)).build()
tree = lambda root: {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
                     if p.is_file() and p.name != ".lessonkit-site"}
print(json.dumps({"ok": [first.ok, second.ok, clean.ok], "rendered": [first.pages_rendered, second.pages_rendered],
                  "records": records, "keys": sorted(i.key for i in state.infos.values()), "bodiless": bodiless, "episodes": sorted(episodes),
                  "pages": len(state.infos), "same": tree(work / "out") == tree(work / "clean")}))
"""


def test_workers_write_the_records_they_render_and_a_later_build_reads_them_back(tmp_path):
    """A clean build that saves its state has each worker write the records (rendered bodies) of the
    pages it renders to the cache, instead of sending them back to be written one after another; the
    main process keeps only what the gathering pages need. A later build in the same process that
    must write pages again without rendering them (the episodes reordered: new pagers) reads those
    bodies back, and its output is byte for byte a clean one-process build's."""
    lesson = large_lesson(tmp_path / "lesson", 52)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", _BUILD, str(lesson), str(tmp_path)], capture_output=True, text=True,
                         env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["ok"] == [True, True, True]
    assert found["rendered"][0] == found["pages"] and found["rendered"][1] < found["pages"]
    assert found["records"] == found["keys"]  # every page's record is on disk, and nothing else
    # ... written by the workers; the main process read back only the bodies a gathering page shows
    # (the home page's own text, setup, the instructor notes page) and the figure its code made, none
    # of the other episodes'
    assert len(found["episodes"]) >= 52 and set(found["episodes"]) <= set(found["bodiless"])
    assert found["same"]


def test_a_record_a_worker_cannot_write_goes_back_with_its_body(tmp_path):
    """A worker whose record cannot be written (a full disk, a cache folder that is a file) sends the
    body back as before, and the main process keeps it; a written one comes back without it, and is
    read back from the folder when asked for."""
    from lessonkit.site.body import RenderedBody
    from lessonkit.site.records import PageRecord, RecordStore

    body = RenderedBody("<p>Counted.</p>", overview={"questions": "<ul><li>How?</li></ul>"})
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    unwritable = RecordStore(blocked / "records", "signature")
    unwritable.direct = True
    back = unwritable.write_from_worker(PageRecord("k1", body, b"[]", {("aio", "learner"): b"<section>"}))
    assert back.body == body
    store = RecordStore(tmp_path / "records", "signature")
    assert store.write_from_worker(PageRecord("k2", body)).body == body  # not direct: nothing written
    store.direct = True
    back = store.write_from_worker(PageRecord("k2", body, b"[]", {("aio", "learner"): b"<section>"}))
    assert back.body is None and back.fragments == {("aio", "learner"): b"<section>"}
    store.add(back)
    assert store.get("k2", body=False).body is None  # what the gathering pages need, without the body
    assert store.get("k2").body == body  # read back from the folder
