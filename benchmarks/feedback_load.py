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

5. with ``--workers 4`` (the default run adds one such run on PostgreSQL):
   the same with ``serve --workers 4`` (four processes over one database; the
   SIGKILL goes to all of them), then the *limits* phase: a rate limit of
   L per hour, clients from A addresses (``X-Forwarded-For`` through
   ``--trust-proxy 127.0.0.1``) each sending 2L submissions spread over the
   four workers; it checks that each address got exactly L accepted (four
   per-process limits would have let up to 4L through) and that each accepted
   one is stored exactly once.

All traffic goes to 127.0.0.1; every loop is bounded in count and time.

    python benchmarks/feedback_load.py                      # both databases, then 4 workers on PostgreSQL
    python benchmarks/feedback_load.py --db sqlite -n 2000  # quicker
    python benchmarks/feedback_load.py --db postgresql --workers 4 -n 4000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from lessonkit.feedback import lessons
from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Feedback

# The throwaway PostgreSQL server is test scaffolding: it lives with the tests, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "feedback"))
from pgtemp import TemporaryPostgres

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_process import ServiceProcess, free_port

LESSON = "load-test"
ORIGIN = "http://127.0.0.1:8000"
REQUEST_TIMEOUT = 30.0
RUN_DEADLINE = 900.0  # seconds: no load phase runs longer than this
IDLE_CPU_SECONDS = 0.05  # more CPU than this during a phase: the worker answered requests


class Server(ServiceProcess):
    """``lessonkit service serve`` with ``workers`` processes (no rate limits unless ``extra`` sets them)."""

    def __init__(self, db_url: str, port: int, log: Path, workers: int = 1, extra: tuple[str, ...] = ()) -> None:
        super().__init__(db_url, port, log, ["--workers", str(workers), *(extra or ("--rate-limit", "off"))])


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

    async def post_json(self, path: str, payload: dict, forwarded_for: str | None = None) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        extra = f"X-Forwarded-For: {forwarded_for}\r\n" if forwarded_for else ""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nOrigin: {ORIGIN}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n")
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


def benchmark(name: str, db_url: str, work: Path, count: int, clients: int, kill_after: float,
              workers: int = 1) -> dict:
    prepare(db_url)
    server = Server(db_url, free_port(), work / f"{name}-server.log", workers=workers)
    result: dict = {"database": name, "submissions": count, "clients": clients, "workers": workers}
    try:
        # 1. Throughput and latency.
        server.start()
        load = Load(make_payloads(count, "load"))
        before = server.worker_cpu()
        asyncio.run(run_load(server.port, load, clients))
        result["workers_that_served"] = workers_that_served(before, server.worker_cpu())
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


async def run_limited(port: int, payloads: list[tuple[str, dict]], clients: int) -> dict[str, list[str]]:
    """Send each (address, payload) once (a 503 is sent again); returns the accepted client ids per address."""
    queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()
    for item in payloads:
        queue.put_nowait(item)
    accepted: dict[str, list[str]] = {}
    refused: dict[str, int] = {}
    deadline = time.monotonic() + RUN_DEADLINE

    async def client() -> None:
        connection = Connection("127.0.0.1", port)
        try:
            while not queue.empty():
                address, payload = queue.get_nowait()
                while True:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the limits phase did not finish in time")
                    try:
                        status, body = await asyncio.wait_for(
                            connection.post_json("/api/v1/feedback", payload, forwarded_for=address), REQUEST_TIMEOUT)
                    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                        connection.close()
                        continue
                    if status in (200, 201):
                        accepted.setdefault(address, []).append(payload["client_id"])
                    elif status == 429:
                        refused[address] = refused.get(address, 0) + 1
                    elif status < 500:
                        raise RuntimeError(f"refused: {status} {body[:300]!r}")
                    else:
                        continue
                    break
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return accepted


def limits_phase(name: str, db_url: str, work: Path, workers: int, limit: int, addresses: int,
                 clients: int) -> dict:
    """A rate limit of ``limit`` per hour per address, enforced once across ``workers`` processes."""
    server = Server(db_url, free_port(), work / f"{name}-limits.log", workers=workers,
                    extra=("--rate-limit", f"{limit}/3600", "--trust-proxy", "127.0.0.1"))
    sources = [f"203.0.113.{i + 1}" for i in range(addresses)]
    payloads = [(address, p) for i, p in enumerate(make_payloads(2 * limit * addresses, "limits"))
                for address in [sources[i % addresses]]]
    try:
        server.start()
        started = time.perf_counter()
        before = server.worker_cpu()
        accepted = asyncio.run(run_limited(server.port, payloads, clients))
        elapsed = time.perf_counter() - started
        served = workers_that_served(before, server.worker_cpu())
    finally:
        server.stop()
    refill = limit / 3600 * elapsed  # tokens that came back while the phase ran
    per_address = {address: len(accepted.get(address, [])) for address in sources}
    stored = verify(db_url, {cid for ids in accepted.values() for cid in ids}, "limits")
    within = all(limit <= n <= limit + int(refill) + 1 for n in per_address.values())
    return {"workers": workers, "workers_that_served": served, "limit_per_hour": limit, "addresses": addresses,
            "sent_per_address": 2 * limit, "accepted_per_address": per_address,
            "per_process_limits_would_allow_up_to": min(2 * limit, workers * limit),
            "seconds": round(elapsed, 2), "stored": stored, "ok": within and stored["ok"]}


def workers_that_served(before: dict[int, float], after: dict[int, float]) -> int:
    """How many of the server's processes did work (CPU time grew by more than an idle worker's) between two
    ``worker_cpu`` readings: evidence that the load, and the limit, really were spread over the workers."""
    return sum(1 for pid, seconds in after.items() if seconds - before.get(pid, seconds) > IDLE_CPU_SECONDS)


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
    parser.add_argument("--workers", type=int, default=0,
                        help="service processes (default: 1 for each database, then a 4-worker PostgreSQL run)")
    parser.add_argument("--kill-after", type=float, default=0.4, help="kill the server after this share of acks")
    parser.add_argument("--limit", type=int, default=200, help="the limits phase's rate limit (per hour)")
    parser.add_argument("--addresses", type=int, default=5, help="client addresses in the limits phase")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args()
    if args.submissions < 1 or args.clients < 1 or not 0 < args.kill_after < 1 or args.workers < 0:
        parser.error("submissions and clients must be positive; --kill-after between 0 and 1")
    runs = ([(db, args.workers) for db in ("sqlite", "postgresql") if args.db in (db, "both")] if args.workers
            else [(db, 1) for db in ("sqlite", "postgresql") if args.db in (db, "both")]
            + ([("postgresql", 4)] if args.db in ("postgresql", "both") else []))
    results, limits = [], []
    with tempfile.TemporaryDirectory(prefix="lessonkit-load-") as tmp:
        work = Path(tmp)
        for index, (db, workers) in enumerate(runs):
            name = f"{db}-{workers}w"
            if db == "sqlite":
                url = f"sqlite:///{work / f'feedback-{index}.sqlite3'}"
                results.append(benchmark(name, url, work, args.submissions, args.clients, args.kill_after, workers))
                if workers > 1:
                    limits.append(limits_phase(name, url, work, workers, args.limit, args.addresses, args.clients))
                continue
            with TemporaryPostgres(fsync=True) as postgres:
                url = postgres.create_database("feedback_load")
                results.append(benchmark(name, url, work, args.submissions, args.clients, args.kill_after, workers))
                if workers > 1:
                    limits.append(limits_phase(name, url, work, workers, args.limit, args.addresses, args.clients))
    ok = True
    print(f"{'run':<14} {'subs':>6} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'stored once':>11} {'kill: acked kept':>16} {'after restart':>13}")
    for r in results:
        crash = r["crash"]
        kept = crash["acked_before_kill_present"]
        print(f"{r['database']:<14} {r['submissions']:>6} {r['clients']:>7} {r['throughput_per_s']:>8} "
              f"{r['latency_ms']['p50']:>7} {r['latency_ms']['p99']:>7} {r['verify']['ok']!s:>11} "
              f"{(str(kept['ok']) + ' (' + str(crash['killed_after_acks']) + ')') if kept else 'no kill':>16} "
              f"{crash['final']['ok']!s:>13}")
        ok = ok and r["verify"]["ok"] and bool(kept and kept["ok"]) and crash["final"]["ok"]
    for phase in limits:
        print(f"limits, {phase['workers']} workers: {phase['limit_per_hour']}/hour per address, "
              f"{phase['sent_per_address']} sent from each of {phase['addresses']} addresses -> accepted "
              f"{sorted(set(phase['accepted_per_address'].values()))} per address (per-process limits: up to "
              f"{phase['per_process_limits_would_allow_up_to']}); {phase['workers_that_served']} workers "
              f"answered; stored once: {phase['stored']['ok']}; "
              f"ok: {phase['ok']}")
        ok = ok and phase["ok"]
    print(json.dumps({"runs": results, "limits": limits}, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "limits": limits}, indent=2) + "\n")
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
