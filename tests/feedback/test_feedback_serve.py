"""``lessonkit feedback serve`` as a real process, and the crash path of the load benchmark on a small load.

These check behaviour only (every acknowledged submission survives SIGKILL and
is stored once); the throughput figures come from running the benchmark itself.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from feedbacksupport import free_port, in_thread, seed, widget_payload

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "feedback_load.py"


def start(db_url: str, *extra: str) -> tuple[subprocess.Popen, int]:
    """``lessonkit feedback serve`` on a free port (another, if something else takes the port first)."""
    for _ in range(3):
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "lessonkit", "feedback", "serve", "--db", db_url,
                                    "--port", str(port), "--log-level", "warning", *extra],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            except httpx.HTTPError:
                time.sleep(0.1)
                continue
            if health.status_code == 200 and health.json().get("database") == db_url.split(":")[0]:
                return process, port
            time.sleep(0.1)
        if process.poll() is None:
            process.kill()
        output = process.communicate()[0]
        if "address already in use" not in output:
            raise AssertionError(f"the service did not start:\n{output}")
    raise AssertionError("no free port for the service")


def test_serve_answers_and_stops_cleanly(db_url):
    seed(db_url)
    process, port = start(db_url, "--allow-origin", "http://127.0.0.1:9", "--rate-limit", "2/60")
    try:
        home = httpx.get(f"http://127.0.0.1:{port}/")
        assert home.status_code == 200 and "Lesson feedback" in home.text
        statuses = [httpx.post(f"http://127.0.0.1:{port}/api/v1/feedback", json=widget_payload(),
                               headers={"Origin": "http://127.0.0.1:9"}).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "listening on http://127.0.0.1:" in output


def test_serve_reports_a_database_it_cannot_open(tmp_path):
    result = subprocess.run([sys.executable, "-m", "lessonkit", "feedback", "serve", "--db",
                             "postgresql://nobody@127.0.0.1:1/none", "--port", str(free_port())],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr and "Traceback" not in result.stderr


def load_benchmark():
    spec = importlib.util.spec_from_file_location("feedback_load", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_sigkill_during_load_loses_no_acknowledged_submission(db_url, tmp_path):
    bench = load_benchmark()
    result = in_thread(bench.benchmark, "db", db_url, tmp_path, count=400, clients=20, kill_after=0.3)
    assert result["verify"]["ok"], result["verify"]
    assert result["verify"]["stored"] == 400
    crash = result["crash"]
    assert crash["killed_after_acks"] >= 120
    assert crash["acked_before_kill_present"]["ok"], crash
    assert crash["acked_before_kill_present"]["missing"] == 0
    assert crash["final"]["ok"] and crash["final"]["stored"] == 400, crash


def test_four_workers_store_each_submission_once_and_share_one_limit(postgres, tmp_path):
    """Issue #11 item 16 on a small load: ``serve --workers 4`` over one PostgreSQL, SIGKILL to all four."""
    bench = load_benchmark()
    db_url = postgres.create_database()
    result = in_thread(bench.benchmark, "pg-4w", db_url, tmp_path, count=300, clients=12, kill_after=0.3, workers=4)
    assert result["verify"]["ok"] and result["verify"]["stored"] == 300, result["verify"]
    # How many workers served is the kernel's choice (one awake worker may accept every connection), so it is
    # reported by benchmarks/feedback_load.py, not asserted; sharing one limit across processes is asserted
    # deterministically in test_feedback_access.py::test_rate_limits_hold_across_workers.
    assert result["workers_that_served"] >= 1, result
    crash = result["crash"]
    assert crash["acked_before_kill_present"]["ok"], crash
    assert crash["final"]["ok"] and crash["final"]["stored"] == 300, crash
    limits = in_thread(bench.limits_phase, "pg-4w", db_url, tmp_path, workers=4, limit=15, addresses=2, clients=8)
    assert limits["ok"], limits
    assert limits["workers_that_served"] >= 1, limits
    assert set(limits["accepted_per_address"].values()) == {15}  # not 15 per worker
