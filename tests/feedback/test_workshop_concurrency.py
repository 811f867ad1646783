"""The waiting list under concurrency, on SQLite and PostgreSQL: many writers at once (threads over
several separate connection pools, as several processes would be) never overfill the workshop,
never seat anyone twice, and promote first come first served."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from feedbacksupport import in_db
from sqlalchemy import func, select
from workshopsupport import publish

from lessonkit.feedback.db import Database
from lessonkit.feedback.models import Attendance, Registration
from lessonkit.feedback.workshops import store

POOLS = 4  # separate engines: on SQLite they compete for the file's write lock like separate processes


def form(i: int, email: str | None = None) -> store.Form:
    return store.Form(name=f"Person {i}", email=email or f"p{i}@example.org", career_stage="senior",
                      consent_contact=False)


class Pools:
    def __init__(self, db_url: str) -> None:
        self.databases = [Database(db_url) for _ in range(POOLS)]

    def write(self, n: int, fn):
        with self.databases[n % POOLS].write() as session:
            return fn(session)

    def close(self) -> None:
        for database in self.databases:
            database.dispose()


def together(count: int, fn) -> list:
    """Run ``fn(i)`` for i in range(count) in threads that all start at once; results or exceptions."""
    barrier = threading.Barrier(count)

    def run(i: int):
        barrier.wait(timeout=60)
        try:
            return fn(i)
        except Exception as exc:  # collected for the test to look at
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def statuses(db_url: str, wid: int) -> list[tuple[int, str]]:
    return in_db(db_url, lambda s: [(r.id, r.status) for r in s.scalars(
        select(Registration).where(Registration.workshop_id == wid).order_by(Registration.id))])


def assert_fifo(rows: list[tuple[int, str]], capacity: int) -> None:
    """The seats belong to the ``capacity`` earliest registrations that are not cancelled."""
    active = [(i, s) for i, s in rows if s != "cancelled"]
    assert [s for _, s in active] == ["seated"] * min(capacity, len(active)) + \
        ["waiting"] * max(0, len(active) - capacity), rows


def test_many_registrations_at_once_fill_exactly_the_seats(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-rush", capacity=5)
    pools = Pools(db_url)
    try:
        results = together(24, lambda i: pools.write(i, lambda s: store.register(s, "ws-rush", form(i)).status))
    finally:
        pools.close()
    assert sorted(results) == ["seated"] * 5 + ["waiting"] * 19, results
    rows = statuses(db_url, wid)
    assert len(rows) == 24
    assert_fifo(rows, 5)


def test_cancellations_and_registrations_at_once_promote_first_come_first_served(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-churn", capacity=4)
    pools = Pools(db_url)
    try:
        tokens = [pools.write(i, lambda s, i=i: store.register(s, "ws-churn", form(i)).token) for i in range(10)]
        # At once: the four seated and two waiting cancel, and eight newcomers register.
        leaving = tokens[:4] + tokens[6:8]

        def act(i: int):
            if i < len(leaving):
                return pools.write(i, lambda s: [p.email for p in store.cancel(s, leaving[i])[1]])
            return pools.write(i, lambda s: store.register(s, "ws-churn", form(100 + i)).status)

        results = together(len(leaving) + 8, act)
        assert not [r for r in results if isinstance(r, Exception)], results
        # Everyone who left did so once; the promoted are distinct people.
        promoted = [email for r in results[:len(leaving)] for email in r]
        assert len(promoted) == len(set(promoted))
    finally:
        pools.close()
    rows = statuses(db_url, wid)
    assert len(rows) == 18 and sum(1 for _, s in rows if s == "cancelled") == 6
    assert_fifo(rows, 4)
    counts = in_db(db_url, lambda s: store.headcounts(s, wid))
    assert (counts["seated"], counts["waiting"], counts["cancelled"]) == (4, 8, 6)


def test_the_same_address_registering_at_once_is_stored_once(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-dup", capacity=3)
    pools = Pools(db_url)
    try:
        results = together(10, lambda i: pools.write(i, lambda s: store.register(
            s, "ws-dup", form(i, email="Same@Example.org" if i % 2 else "same@example.ORG")).status))
    finally:
        pools.close()
    accepted = [r for r in results if r == "seated"]
    refused = [r for r in results if isinstance(r, store.RegistrationRefused)]
    assert len(accepted) == 1 and len(refused) == 9, results
    assert all(r.status == 409 for r in refused)
    assert in_db(db_url, lambda s: s.scalar(select(func.count()).select_from(Registration)
                                            .where(Registration.workshop_id == wid))) == 1


def test_signing_in_at_once_records_one_attendance(db_url, tmp_path: Path):
    wid = publish(db_url, tmp_path, "ws-sign", capacity=3)
    pools = Pools(db_url)
    try:
        pools.write(0, lambda s: store.register(s, "ws-sign", form(1)))
        code = in_db(db_url, lambda s: store.sessions_of(s, wid)[0].sign_in_code)
        results = together(8, lambda i: pools.write(i, lambda s: store.sign_in(s, code, "p1@example.org")[2]))
    finally:
        pools.close()
    assert sorted(results) == [False] * 7 + [True], results
    assert in_db(db_url, lambda s: s.scalar(select(func.count()).select_from(Attendance))) == 1
