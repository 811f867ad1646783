"""benchmarks/registration_load.py: its quick run passes on both databases (with the SIGKILL and the
restart), and its checks do catch a broken waiting list. The figures come from running it in full."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update
from workshopsupport import publish

from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Registration
from lessonkit.feedback.workshops import store

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "registration_load.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("registration_load", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_quick_run_keeps_every_invariant_through_a_sigkill(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, str(BENCHMARK), "--quick", "--json", str(out)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ALL CHECKS PASSED" in result.stdout
    runs = json.loads(out.read_text())
    assert [r["database"] for r in runs] == ["sqlite", "postgresql"]
    for run in runs:
        final = run["final"]
        assert run["ok"] and final["ok"] and final["problems"] == {}, run
        assert final["seated"] == 20 and final["rows"] == 200  # full, and everyone stored once
        assert run["kill"]["after_acks"] >= 80 and run["kill"]["check"]["ok"]
        assert run["seats_seen_max"] <= 20
        assert run["acknowledged"] + run["refused_as_already_stored"] == 200
        assert final["cancelled"] == run["cancellations_acknowledged"] > 0


def seeded(db_url: str, tmp_path: Path, module):
    """A real workshop filled through the store, and the benchmark's record of what was acknowledged."""
    wid = publish(db_url, tmp_path, module.SLUG, capacity=2)
    database = Database(db_url)
    acked = {}
    with database.write() as session:
        for i in range(4):
            row = store.register(session, module.SLUG, store.Form(name=f"P {i}", email=f"p{i}@example.org"))
            acked[row.email] = row.token
    database.dispose()
    run = module.Run(people=4, capacity=2, clients=2, cancel_share=0)
    return run, acked, wid


def test_the_checks_catch_over_capacity_lost_and_free_seats(sqlite_url, tmp_path):
    module = load_benchmark()
    run, acked, _wid = seeded(sqlite_url, tmp_path, module)
    assert module.check(sqlite_url, run, acked, set(), True)["ok"]
    database = Database(sqlite_url)
    with database.write() as session:  # break it: everyone seated
        session.execute(update(Registration).values(status="seated"))
    report = module.check(sqlite_url, run, acked, set(), True)
    assert not report["ok"] and report["problems"] == {"over capacity": True}
    with database.write() as session:  # a seat free while people wait, and an acknowledged one gone
        session.execute(update(Registration).values(status="waiting"))
        session.execute(update(Registration).where(Registration.email == "p0@example.org")
                        .values(token="another"))
    database.dispose()
    report = module.check(sqlite_url, run, acked, {"p1@example.org"}, True)
    assert set(report["problems"]) == {"seats free while people wait", "acknowledged registrations missing",
                                       "acknowledged cancellations lost"}
