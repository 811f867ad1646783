"""Load benchmark for workshop registration: the waiting list stays right under load and a crash.

For each database (SQLite in a temporary folder, and a throwaway PostgreSQL server started like
the tests start it), this script

1. publishes a workshop with C seats (default 50) and starts ``lessonkit service serve`` as a
   subprocess on 127.0.0.1 (e-mails go to an outbox folder);
2. registers N people (default 2,000) through the real registration form (a CSRF cookie and
   token per client, form POSTs) from K concurrent clients (default 50), while other clients
   cancel a share of the acknowledged registrations (default 20 %) through their private links;
3. part-way (default after 40 % of the registrations are acknowledged) kills the server with
   SIGKILL, checks in the database that everything acknowledged before the kill is there, and
   restarts the server on the same database and port; the clients retry what was not
   acknowledged (a retry of a registration that was stored but whose answer was lost is refused
   as a duplicate, so it is never stored twice);
4. checks the invariants in the database:
   * the seats taken never exceed the capacity (also sampled from the workshop page during the run),
   * nobody is both seated and waiting (one active registration per e-mail address),
   * every acknowledged registration is stored exactly once, with the private link it was given,
   * nothing acknowledged is lost: acknowledged cancellations are cancelled, the others are
     seated or waiting,
   * no seat is free while someone waits (promotion happened in the same transaction),
   * SQLite's ``PRAGMA integrity_check`` passes;
5. prints requests per second, p50/p95/p99 latency of the registration POSTs, and the counts;
   exits 1 when any invariant breaks.

All traffic goes to 127.0.0.1; every loop is bounded in count and time.

    python benchmarks/registration_load.py               # both databases, 2,000 people, 50 seats, 50 clients
    python benchmarks/registration_load.py --quick       # small numbers (the test runs this)
    python benchmarks/registration_load.py --db sqlite -n 5000 -c 100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select, text

from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Registration, ServiceWorkshop
from lessonkit.feedback.workshops import store

# The throwaway PostgreSQL server is test scaffolding: it lives with the tests, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "feedback"))
from pgtemp import TemporaryPostgres

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_process import ServiceProcess, free_port

SLUG = "load-workshop"
REQUEST_TIMEOUT = 30.0
RUN_DEADLINE = 900.0  # seconds: no phase runs longer than this
_CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
_COOKIE = re.compile(r"lk_csrf=([A-Za-z0-9_-]+)")
_PLACES = re.compile(rb'id="count-seated">(\d+)<')


def workshop_file(folder: Path, capacity: int) -> Path:
    today = date.today()
    path = folder / "load-workshop.yaml"
    path.write_text(f"""title: "Registration load test"
slug: {SLUG}
lessons:
  - lesson: intro-data-science-ai
    schedule: masterclass-3h
sessions:
  - date: {today + timedelta(days=30)}
    start: "13:00"
    end: "16:00"
    timezone: Europe/London
  - date: {today + timedelta(days=31)}
    start: "13:00"
    end: "16:00"
    timezone: Europe/London
contact:
  email: organisers@example.org
capacity: {capacity}
registration:
  opens: {today - timedelta(days=1)}
  closes: {today + timedelta(days=20)}
code_of_conduct: https://docs.carpentries.org/policies/coc/
""", encoding="utf-8")
    return path


class Server(ServiceProcess):
    """``lessonkit service serve`` with its outbox, no rate limits (the clients are one machine)."""

    def __init__(self, db_url: str, port: int, work: Path, name: str) -> None:
        self.work, self.name = work, name
        super().__init__(db_url, port, work / f"{name}-server.log",
                         ["--rate-limit", "off", "--form-rate-limit", "off", "--outbox", str(work / f"{name}-outbox")])


class Connection:
    """A minimal HTTP/1.1 keep-alive client (costs the machine far less than the server it measures)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookie = ""

    async def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        body = urlencode(form).encode() if form is not None else b""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        if self.cookie:
            head += f"Cookie: lk_csrf={self.cookie}\r\n"
        if form is not None:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        try:
            self.writer.write((head + "\r\n").encode() + body)
            await self.writer.drain()
            status_line = await self.reader.readuntil(b"\r\n")
            headers: dict[str, str] = {}
            while True:
                line = await self.reader.readuntil(b"\r\n")
                if line == b"\r\n":
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                headers[name] = (headers[name] + "\n" if name in headers else "") + value.strip()
            data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        except BaseException:
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        cookie = _COOKIE.search(headers.get("set-cookie", ""))
        if cookie:
            self.cookie = cookie[1]
        return int(status_line.split()[1]), headers, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Run:
    people: int
    capacity: int
    clients: int
    cancel_share: float
    acked: dict[str, str] = field(default_factory=dict)  # e-mail -> private-link token
    refused_duplicate: set[str] = field(default_factory=set)  # a retry found it stored already
    cancelled: set[str] = field(default_factory=set)  # e-mails whose cancellation was acknowledged
    latencies: list[float] = field(default_factory=list)  # registration POSTs answered 303
    cancel_latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    requests: int = 0
    failed_attempts: int = 0
    seats_seen_max: int = 0
    elapsed: float = 0.0


class Refused(RuntimeError):
    pass


async def _with_retries(connection: Connection, run: Run, deadline: float, attempt):
    """Call ``attempt()`` until it gives an answer that is not a 5xx or a broken connection."""
    backoff = 0.05
    while True:
        if time.monotonic() > deadline:
            raise RuntimeError("the load did not finish in time")
        try:
            status, headers, body = await asyncio.wait_for(attempt(), REQUEST_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            connection.close()
            run.failed_attempts += 1
            await asyncio.sleep(backoff)
            backoff = min(1.0, backoff * 2)
            continue
        run.requests += 1
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status >= 500 or status == 429:
            run.failed_attempts += 1
            await asyncio.sleep(backoff)
            backoff = min(1.0, backoff * 2)
            continue
        return status, headers, body


async def _csrf(connection: Connection, run: Run, deadline: float) -> str:
    status, _headers, body = await _with_retries(connection, run, deadline,
                                                 lambda: connection.request("GET", f"/workshops/{SLUG}"))
    match = _CSRF.search(body)
    if status != 200 or not match:
        raise Refused(f"the workshop page answered {status} without a form")
    return match[1].decode()


async def run_load(port: int, run: Run, on_ack=None) -> None:
    """Register everyone (retrying until answered); cancellers cancel a share of the acknowledged."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(run.people):
        queue.put_nowait(i)
    to_cancel: asyncio.Queue[str | None] = asyncio.Queue()
    deadline = time.monotonic() + RUN_DEADLINE
    rng = random.Random(18)
    cancellers = max(1, run.clients // 10)
    registrars = max(1, run.clients - cancellers)

    async def registrar() -> None:
        connection = Connection(port)
        try:
            token = await _csrf(connection, run, deadline)
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                email = f"person{i:05d}@example.org"
                form = {"csrf_token": token, "name": f"Person {i}", "email": email, "affiliation": "Load University",
                        "career_stage": "senior", "accessibility": "", "consent_contact": "yes"}
                started = time.perf_counter()
                status, headers, body = await _with_retries(
                    connection, run, deadline, lambda form=form: connection.request(
                        "POST", f"/workshops/{SLUG}/register", form))
                if status == 303:
                    run.latencies.append(time.perf_counter() - started)
                    link = re.match(r"/registration/([A-Za-z0-9_-]+)\?new=1$", headers.get("location", ""))
                    if not link:
                        raise Refused(f"unexpected redirect {headers.get('location')!r}")
                    run.acked[email] = link[1]
                    if on_ack is not None:
                        on_ack(len(run.acked))
                    if rng.random() < run.cancel_share:
                        to_cancel.put_nowait(email)
                elif status == 409 and b"already registered" in body:
                    run.refused_duplicate.add(email)  # stored by an attempt whose answer was lost
                elif status == 403:  # the CSRF cookie was lost with a broken connection: fetch another
                    token = await _csrf(connection, run, deadline)
                    queue.put_nowait(i)
                else:
                    raise Refused(f"registration refused: {status} {body[:300]!r}")
        finally:
            connection.close()

    async def canceller() -> None:
        connection = Connection(port)
        try:
            token = await _csrf(connection, run, deadline)
            while True:
                email = await to_cancel.get()
                if email is None:
                    return
                started = time.perf_counter()
                link = run.acked[email]
                status, _headers, body = await _with_retries(
                    connection, run, deadline, lambda link=link, token=token: connection.request(
                        "POST", f"/registration/{link}/cancel", {"csrf_token": token}))
                if status == 303:
                    run.cancel_latencies.append(time.perf_counter() - started)
                    run.cancelled.add(email)
                elif status == 403:
                    token = await _csrf(connection, run, deadline)
                    to_cancel.put_nowait(email)
                else:
                    raise Refused(f"cancellation refused: {status} {body[:300]!r}")
        finally:
            connection.close()

    started = time.perf_counter()
    cancelling = [asyncio.create_task(canceller()) for _ in range(cancellers)]
    await asyncio.gather(*(registrar() for _ in range(registrars)))
    for _ in cancelling:
        to_cancel.put_nowait(None)
    await asyncio.gather(*cancelling)
    run.elapsed = time.perf_counter() - started


async def watch_seats(server: Server, run: Run, stop: asyncio.Event) -> None:
    """Sample the seat count from the database while the load runs (the invariant holds at every moment)."""
    database = Database(server.db_url)
    try:
        while not stop.is_set():
            try:
                seated = await asyncio.to_thread(_seated, database)
                run.seats_seen_max = max(run.seats_seen_max, seated)
            except Exception:  # e.g. SQLite busy for a moment: sample again
                pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)
    finally:
        database.dispose()


def _seated(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Registration).join(ServiceWorkshop).where(
            ServiceWorkshop.slug == SLUG, Registration.status == "seated")) or 0


def check(db_url: str, run: Run, acked: dict[str, str], cancelled: set[str], final: bool) -> dict:
    """The invariants, from the database. ``final=False`` (right after the kill) checks only what must
    already hold: everything acknowledged so far is stored once with its link."""
    database = Database(db_url)
    try:
        with database.read() as session:
            workshop = session.scalar(select(ServiceWorkshop).where(ServiceWorkshop.slug == SLUG))
            rows = list(session.execute(select(Registration.email, Registration.status, Registration.token)
                                        .where(Registration.workshop_id == workshop.id)))
            integrity = session.execute(text("PRAGMA integrity_check")).scalar() if database.is_sqlite else None
    finally:
        database.dispose()
    by_email: dict[str, list[tuple[str, str]]] = {}
    for email, status, token in rows:
        by_email.setdefault(email, []).append((status, token))
    seated = sum(1 for _e, s, _t in rows if s == "seated")
    waiting = sum(1 for _e, s, _t in rows if s == "waiting")
    stored_twice = sum(1 for v in by_email.values() if len(v) > 1)
    both = sum(1 for v in by_email.values() if sum(1 for s, _ in v if s != "cancelled") > 1)
    missing = [e for e, token in acked.items() if (by_email.get(e) or [(None, None)])[0][1] != token]
    lost_cancel = [e for e in cancelled if by_email.get(e, [("", "")])[0][0] != "cancelled"]
    lost_seat = [e for e in acked if e not in cancelled and by_email.get(e, [("", "")])[0][0] not in
                 ("seated", "waiting")] if final else []
    over = seated > run.capacity or run.seats_seen_max > run.capacity
    free_while_waiting = final and waiting > 0 and seated < run.capacity
    problems = {
        "over capacity": over, "stored more than once": stored_twice, "both seated and waiting": both,
        "acknowledged registrations missing": len(missing), "acknowledged cancellations lost": len(lost_cancel),
        "acknowledged registrations not seated or waiting": len(lost_seat),
        "seats free while people wait": free_while_waiting,
        "integrity_check": integrity not in (None, "ok"),
    }
    return {"rows": len(rows), "seated": seated, "waiting": waiting,
            "cancelled": sum(1 for _e, s, _t in rows if s == "cancelled"), "integrity": integrity,
            "problems": {k: v for k, v in problems.items() if v}, "ok": not any(problems.values())}


def benchmark(name: str, db_url: str, work: Path, people: int, capacity: int, clients: int,
              cancel_share: float = 0.2, kill_after: float | None = 0.4) -> dict:
    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        store.publish(session, workshop_file(work, capacity))
    database.dispose()
    server = Server(db_url, free_port(), work, name)
    run = Run(people, capacity, clients, cancel_share)
    state: dict = {"killed": False}
    result: dict = {"database": name, "people": people, "capacity": capacity, "clients": clients}
    kill_at = int(people * kill_after) if kill_after else None

    def on_ack(count: int) -> None:
        if kill_at is not None and not state["killed"] and count >= kill_at:
            state["killed"] = True
            server.kill()
            state["acked_at_kill"] = dict(run.acked)
            state["cancelled_at_kill"] = set(run.cancelled)

    async def main() -> None:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_seats(server, run, stop))
        task = asyncio.create_task(run_load(server.port, run, on_ack))
        while not state["killed"] and not task.done():
            await asyncio.sleep(0.01)
        if state["killed"]:
            state["after_kill"] = await asyncio.to_thread(check, db_url, run, state["acked_at_kill"],
                                                          state["cancelled_at_kill"], False)
            await asyncio.to_thread(server.start)
        try:
            await task
        finally:
            stop.set()
            await watcher

    try:
        server.start()
        asyncio.run(main())
    finally:
        server.stop()
    final = check(db_url, run, run.acked, run.cancelled, True)
    result.update({
        "seconds": round(run.elapsed, 2),
        "requests": run.requests,
        "requests_per_s": round(run.requests / run.elapsed, 1) if run.elapsed else 0.0,
        "register_latency_ms": {q: round(1000 * percentile(run.latencies, p), 1)
                                for q, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        "cancel_latency_ms": {q: round(1000 * percentile(run.cancel_latencies, p), 1)
                              for q, p in (("p50", 50), ("p95", 95))},
        "acknowledged": len(run.acked), "refused_as_already_stored": len(run.refused_duplicate),
        "cancellations_acknowledged": len(run.cancelled), "statuses": run.statuses,
        "failed_attempts": run.failed_attempts, "seats_seen_max": run.seats_seen_max,
        "kill": ({"after_acks": len(state["acked_at_kill"]), "check": state["after_kill"]}
                 if state["killed"] else None),
        "final": final,
    })
    every_person_answered = len(run.acked) + len(run.refused_duplicate) == people
    result["ok"] = (final["ok"] and every_person_answered and final["rows"] == people
                    and (not state["killed"] or state["after_kill"]["ok"]) and (kill_at is None or state["killed"]))
    if not every_person_answered or final["rows"] != people:
        final["problems"]["people registered"] = f"{final['rows']} stored for {people} people"
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", "--people", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("-c", "--clients", type=int, default=50)
    parser.add_argument("--cancel-share", type=float, default=0.2,
                        help="share of acknowledged registrations that other clients cancel")
    parser.add_argument("--kill-after", type=float, default=0.4,
                        help="SIGKILL the server after this share of the registrations is acknowledged (0: never)")
    parser.add_argument("--quick", action="store_true", help="a small run: 200 people, 20 seats, 10 clients")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args()
    if args.quick:
        args.people, args.capacity, args.clients = 200, 20, 10
    if args.people < 1 or args.capacity < 1 or args.clients < 2 or not 0 <= args.kill_after < 1 \
            or not 0 <= args.cancel_share <= 1:
        parser.error("people and capacity must be positive, clients at least 2, --kill-after in [0, 1)")
    results = []
    with tempfile.TemporaryDirectory(prefix="lessonkit-registration-load-") as tmp:
        work = Path(tmp)
        for db in ("sqlite", "postgresql"):
            if args.db not in (db, "both"):
                continue
            kill = args.kill_after or None
            if db == "sqlite":
                url = f"sqlite:///{work / 'registrations.sqlite3'}"
                results.append(benchmark(db, url, work, args.people, args.capacity, args.clients,
                                         args.cancel_share, kill))
                continue
            with TemporaryPostgres(fsync=True) as postgres:
                url = postgres.create_database("registration_load")
                results.append(benchmark(db, url, work, args.people, args.capacity, args.clients,
                                         args.cancel_share, kill))
    print(f"{'database':<11} {'people':>6} {'seats':>5} {'clients':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'seated':>6} {'waiting':>7} {'cancelled':>9} {'killed at':>9}  invariants")
    for r in results:
        final = r["final"]
        print(f"{r['database']:<11} {r['people']:>6} {r['capacity']:>5} {r['clients']:>7} {r['requests_per_s']:>7} "
              f"{r['register_latency_ms']['p50']:>7} {r['register_latency_ms']['p95']:>7} {final['seated']:>6} "
              f"{final['waiting']:>7} {final['cancelled']:>9} "
              f"{(r['kill']['after_acks'] if r['kill'] else '-')!s:>9}  "
              f"{'ok' if r['ok'] else 'BROKEN: ' + json.dumps(final['problems'])}")
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    ok = all(r["ok"] for r in results)
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
