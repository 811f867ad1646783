"""Rate limits shared by every worker and host: token buckets kept in the database.

A bucket is a row of ``rate_limits`` (bucket name, client key): its tokens and
the time they were counted. One ``INSERT ... ON CONFLICT DO UPDATE`` refills,
takes a token and records whether it could, atomically, so several service
processes over one database enforce one limit between them. The widget's
submissions take their tokens inside the group-commit transaction that stores
them (no extra commit); forms and logins take theirs in a short transaction of
their own (on PostgreSQL with ``synchronous_commit`` off: a limit counter lost
in a crash is harmless).

Clients are counted by address, an IPv6 address by its /64 network (one
household or host usually gets a whole /64), and logins also per account.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, delete, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from starlette.requests import Request

from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import RateBucket

KEY_MAX = 128


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests per ``seconds`` from one client (``count`` 0 = unlimited)."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"30/60"`` (30 requests a minute), ``"5/1"``, ``"10/5m"``, or ``"off"``."""
        text = text.strip().lower()
        if text in ("off", "0", "none", "unlimited"):
            return cls(0, 1)
        match = re.fullmatch(r"([0-9]{1,9})\s*/\s*([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*(s|m|h)?", text)
        if not match:
            raise ValueError(f"not a rate: {text!r} (write COUNT/SECONDS, e.g. 30/60, or 'off')")
        count, seconds = int(match[1]), float(match[2])
        seconds *= {"s": 1, None: 1, "m": 60, "h": 3600}[match[3]]
        if count <= 0 or seconds <= 0:
            raise ValueError(f"not a rate: {text!r} (count and period must be positive)")
        return cls(count, seconds)

    @property
    def unlimited(self) -> bool:
        return self.count == 0

    def __str__(self) -> str:
        return "off" if self.unlimited else f"{self.count}/{self.seconds:g}s"


def client_address(request: Request) -> str:
    """The client's rate-limit key: its IPv4 address, or the /64 network of its IPv6 address."""
    host = request.client.host if request.client else ""
    return client_key(host)


def client_key(host: str) -> str:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return (host or "unknown")[:KEY_MAX]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def account_key(username: str) -> str:
    return "user:" + " ".join(username.split()).casefold()[:KEY_MAX - 5]


def too_many(wait: float, what: str = "Too many requests from your address") -> ClientError:
    seconds = max(1, int(wait + 0.999))
    return ClientError(429, f"{what}; try again in {seconds} s.", headers={"Retry-After": str(seconds)})


_TABLE = RateBucket.__table__


def _hit_statement(dialect: str, bucket: str, key: str, rate: Rate, now: float):
    cap = float(rate.count)
    refill = rate.count / rate.seconds
    t = _TABLE
    elapsed = case((literal(now) > t.c.updated, literal(now) - t.c.updated), else_=literal(0.0))
    refilled = case((t.c.tokens + elapsed * refill > cap, literal(cap)), else_=t.c.tokens + elapsed * refill)
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    return (insert(t).values(bucket=bucket, key=key[:KEY_MAX], tokens=cap - 1.0, updated=now, allowed=True)
            .on_conflict_do_update(index_elements=[t.c.bucket, t.c.key], set_={
                "tokens": case((refilled >= 1.0, refilled - 1.0), else_=refilled),
                "updated": case((literal(now) > t.c.updated, literal(now)), else_=t.c.updated),
                "allowed": refilled >= 1.0,
            })
            .returning(t.c.tokens, t.c.allowed))


class RateLimiter:
    """Token buckets in the database; ``clock`` is wall-clock seconds (shared between hosts)."""

    def __init__(self, database, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.clock = clock

    def hit_in(self, connection: Connection, bucket: str, key: str, rate: Rate) -> float:
        """Take one token inside the caller's transaction; 0 when allowed, else the seconds to wait."""
        if rate.unlimited:
            return 0.0
        tokens, allowed = connection.execute(
            _hit_statement(self.database.dialect, bucket, key, rate, self.clock())).one()
        if allowed:
            return 0.0
        return max(0.001, (1.0 - tokens) * rate.seconds / rate.count)

    def hit(self, bucket: str, key: str, rate: Rate) -> float:
        """Take one token in a transaction of its own (blocking: call it from a worker thread)."""
        if rate.unlimited:
            return 0.0
        with self.database.write_connection(durable=False) as connection:
            return self.hit_in(connection, bucket, key, rate)

    def check(self, bucket: str, key: str, rate: Rate) -> None:
        wait = self.hit(bucket, key, rate)
        if wait > 0:
            raise too_many(wait)

    def blocked(self, bucket: str, key: str, rate: Rate) -> float:
        """Seconds until ``key`` may try again (0: now), without taking a token."""
        if rate.unlimited:
            return 0.0
        with self.database.read() as session:
            row = session.get(RateBucket, (bucket, key[:KEY_MAX]))
        if row is None:
            return 0.0
        tokens = min(float(rate.count), row.tokens + max(0.0, self.clock() - row.updated) * rate.count
                     / rate.seconds)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) * rate.seconds / rate.count

    def forget_idle(self, older_than: float) -> int:
        """Delete buckets untouched for ``older_than`` seconds (full again by then); returns how many."""
        with self.database.write_connection(durable=False) as connection:
            result = connection.execute(delete(_TABLE).where(_TABLE.c.updated < self.clock() - older_than))
        return result.rowcount or 0
