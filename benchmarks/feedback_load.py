"""Load benchmark for the feedback service: nothing accepted is lost.

For each database (SQLite in a temporary folder, and a throwaway PostgreSQL
server started like the tests start it), this script

1. starts ``lessonkit feedback serve`` as a subprocess on 127.0.0.1,
2. sends N widget submissions (default 10,000) from C concurrent clients
   (default 50), each submission with its own client id, and reports the
   throughput and the latency percentiles of the answered requests;
3. verifies in the database that every submission is stored exactly once;
4. runs the crash scenario: starts another N submissions, kills the server
   with SIGKILL part-way, checks that every submission acknowledged before the
   kill is in the database (and, for SQLite, that ``PRAGMA integrity_check``
   passes), restarts the server on the same database and lets the clients
   retry what was not acknowledged (retries reuse the client id, so they never
   duplicate), then verifies again that each of the N is stored exactly once.

All traffic goes to 127.0.0.1; every loop is bounded in count and time.

    python benchmarks/feedback_load.py                      # both databases
    python benchmarks/feedback_load.py --db sqlite -n 2000  # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from lessonkit.feedback import lessons
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Feedback

# The throwaway PostgreSQL server is test scaffolding: it lives with the tests, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "feedback"))
from pgtemp import TemporaryPostgres

LESSON = "load-test"
ORIGIN = "http://127.0.0.1:8000"
REQUEST_TIMEOUT = 30.0
RUN_DEADLINE = 900.0  # seconds: no load phase runs longer than this


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``lessonkit feedback serve`` in a subprocess."""

    def __init__(self, db_url: str, port: int, log: Path) -> None:
        self.db_url, self.port, self.log = db_url, port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the service; a restart uses the same port, so clients find it again."""
        command = [sys.executable, "-m", "lessonkit", "feedback", "serve", "--db", self.db_url, "--host",
                   "127.0.0.1", "--port", str(self.port), "--rate-limit", "off", "--log-level", "warning"]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode}; see {self.log}:\n"
                                   + self.log.read_text()[-2000:])
            try:
                health = httpx.get(self.url + "/api/v1/health", timeout=1)
                if health.status_code == 200 and health.json().get("database") == self.db_url.split(":")[0]:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the service did not answer within 60 s")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Load:
    payloads: list[dict]
    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failed_attempts: int = 0
    elapsed: float = 0.0


def make_payloads(count: int, run: str) -> list[dict]:
    return [{"client_id": f"{run}-{i:06d}-{uuid.uuid4().hex[:12]}", "lesson": LESSON, "page": f"episode-{i % 12}",
             "page_title": f"Episode {i % 12}", "section": f"section-{i % 5}", "section_title": f"Section {i % 5}",
             "rating": 1 + i % 5, "comment": f"Load test comment {i}: " + "words " * (i % 40)}
            for i in range(count)]


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection.

    The benchmark measures the service, so its clients must cost far less than
    the server: this plain asyncio client uses a small fraction of the CPU time
    of a general-purpose client library on the same load.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nOrigin: {ORIGIN}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        try:
            self.writer.write(head.encode() + body)
            await self.writer.drain()
            status_line = await self.reader.readuntil(b"\r\n")
            length, close = 0, False
            while True:
                line = await self.reader.readuntil(b"\r\n")
                if line == b"\r\n":
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            data = await self.reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return int(status_line.split()[1]), data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_load(port: int, load: Load, clients: int, on_ack=None) -> None:
    """Send every payload until acknowledged; a failed attempt is retried with the same client id."""
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for payload in load.payloads:
        queue.put_nowait(payload)
    deadline = time.monotonic() + RUN_DEADLINE

    async def client() -> None:
        connection = Connection("127.0.0.1", port)
        try:
            while True:
                try:
                    payload = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                backoff = 0.05
                while True:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the load did not finish in time")
                    started = time.perf_counter()
                    try:
                        status, body = await asyncio.wait_for(connection.post_json("/api/v1/feedback", payload),
                                                              REQUEST_TIMEOUT)
                    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                        connection.close()
                        load.failed_attempts += 1
                        await asyncio.sleep(backoff)
                        backoff = min(1.0, backoff * 2)
                        continue
                    load.statuses[status] = load.statuses.get(status, 0) + 1
                    if status in (200, 201):
                        load.latencies.append(time.perf_counter() - started)
                        load.acked.add(payload["client_id"])
                        if on_ack is not None:
                            on_ack(len(load.acked))
                        break
                    if status < 500 and status != 429:
                        raise RuntimeError(f"refused: {status} {body[:300]!r}")
                    load.failed_attempts += 1
                    await asyncio.sleep(backoff)
                    backoff = min(1.0, backoff * 2)
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    load.elapsed = time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def verify(db_url: str, expected: set[str], prefix: str) -> dict:
    """Every expected client id stored exactly once (and nothing else with this run's prefix)."""
    database = Database(db_url)
    try:
        with database.read() as session:
            rows = session.execute(select(Feedback.client_id, func.count()).where(
                Feedback.client_id.like(prefix + "-%")).group_by(Feedback.client_id)).all()
            integrity = None
            if database.is_sqlite:
                integrity = session.execute(text("PRAGMA integrity_check")).scalar()
    finally:
        database.dispose()
    counts = dict(rows)
    duplicates = sum(1 for c in counts.values() if c > 1)
    missing = len(expected - set(counts))
    unexpected = len(set(counts) - expected)
    return {"stored": len(counts), "expected": len(expected), "missing": missing, "duplicates": duplicates,
            "unexpected": unexpected, "integrity": integrity,
            "ok": missing == 0 and duplicates == 0 and unexpected == 0 and integrity in (None, "ok")}


def prepare(db_url: str) -> None:
    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        lessons.add_or_update_lesson(session, LESSON, "Load test lesson", [ORIGIN])
    database.dispose()


def benchmark(name: str, db_url: str, work: Path, count: int, clients: int, kill_after: float) -> dict:
    prepare(db_url)
    server = Server(db_url, free_port(), work / f"{name}-server.log")
    result: dict = {"database": name, "submissions": count, "clients": clients}
    try:
        # 1. Throughput and latency.
        server.start()
        load = Load(make_payloads(count, "load"))
        asyncio.run(run_load(server.port, load, clients))
        result["throughput_per_s"] = round(len(load.acked) / load.elapsed, 1)
        result["seconds"] = round(load.elapsed, 2)
        result["latency_ms"] = {q: round(1000 * percentile(load.latencies, p), 1)
                                for q, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))}
        result["statuses"] = load.statuses
        result["failed_attempts"] = load.failed_attempts
        result["verify"] = verify(db_url, {p["client_id"] for p in load.payloads}, "load")

        # 2. SIGKILL in the middle of the load.
        crash = Load(make_payloads(count, "crash"))
        kill_at = int(count * kill_after)
        acked_at_kill: set[str] = set()
        state = {"killed": False}

        def on_ack(acked: int) -> None:
            if not state["killed"] and acked >= kill_at:
                state["killed"] = True
                server.kill()
                acked_at_kill.update(crash.acked)

        async def crash_run() -> None:
            task = asyncio.create_task(run_load(server.port, crash, clients, on_ack))
            while not state["killed"]:
                if task.done():
                    break
                await asyncio.sleep(0.01)
            if state["killed"]:
                # Server is dead: check the database as the kill left it, then restart.
                state["after_kill"] = await asyncio.to_thread(
                    verify_subset, db_url, acked_at_kill, "crash")
                await asyncio.to_thread(server.start)
            await task

        asyncio.run(crash_run())
        result["crash"] = {
            "killed_after_acks": len(acked_at_kill),
            "acked_before_kill_present": state.get("after_kill"),
            "failed_attempts_during_outage": crash.failed_attempts,
            "statuses": crash.statuses,
            "final": verify(db_url, {p["client_id"] for p in crash.payloads}, "crash"),
        }
    finally:
        server.stop()
    return result


def verify_subset(db_url: str, acked: set[str], prefix: str) -> dict:
    """Right after the kill: every acknowledged submission is stored once; SQLite passes integrity_check."""
    report = verify(db_url, acked, prefix)
    # Submissions stored but not yet acknowledged when the server died are allowed ("unexpected" here).
    report["ok"] = report["missing"] == 0 and report["duplicates"] == 0 and report["integrity"] in (None, "ok")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", "--submissions", type=int, default=10_000)
    parser.add_argument("-c", "--clients", type=int, default=50)
    parser.add_argument("--kill-after", type=float, default=0.4, help="kill the server after this share of acks")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args()
    if args.submissions < 1 or args.clients < 1 or not 0 < args.kill_after < 1:
        parser.error("submissions and clients must be positive; --kill-after between 0 and 1")
    results = []
    with tempfile.TemporaryDirectory(prefix="lessonkit-load-") as tmp:
        work = Path(tmp)
        if args.db in ("sqlite", "both"):
            results.append(benchmark("sqlite", f"sqlite:///{work / 'feedback.sqlite3'}", work, args.submissions,
                                     args.clients, args.kill_after))
        if args.db in ("postgresql", "both"):
            with TemporaryPostgres(fsync=True) as postgres:
                results.append(benchmark("postgresql", postgres.create_database("feedback_load"), work,
                                         args.submissions, args.clients, args.kill_after))
    ok = True
    print(f"{'database':<11} {'subs':>6} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'stored once':>11} {'kill: acked kept':>16} {'after restart':>13}")
    for r in results:
        crash = r["crash"]
        kept = crash["acked_before_kill_present"]
        print(f"{r['database']:<11} {r['submissions']:>6} {r['clients']:>7} {r['throughput_per_s']:>8} "
              f"{r['latency_ms']['p50']:>7} {r['latency_ms']['p99']:>7} {r['verify']['ok']!s:>11} "
              f"{(str(kept['ok']) + ' (' + str(crash['killed_after_acks']) + ')') if kept else 'no kill':>16} "
              f"{crash['final']['ok']!s:>13}")
        ok = ok and r["verify"]["ok"] and bool(kept and kept["ok"]) and crash["final"]["ok"]
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
