"""Group commit for the widget's submissions.

Requests hand their submission to one writer task and wait. The writer takes
everything queued, stores it in one transaction (``submissions.store_many``)
and only then answers each request. Under load many submissions share one
commit, and so one fsync, instead of queueing for one each; no request is
answered before its submission is durably stored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from lessonkit.feedback.db import Database
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.ratelimit import RateLimiter
from lessonkit.feedback.submissions import Limit, Request, Submission, store_many

log = logging.getLogger("lessonkit.feedback")
MAX_BATCH = 256
_STOP = object()  # queued by stop(): the writer finishes what came before it and ends


class BatchWriter:
    def __init__(self, database: Database, max_batch: int = MAX_BATCH, limiter: RateLimiter | None = None) -> None:
        self.database = database
        self.limiter = limiter or RateLimiter(database)
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.batches = 0  # how many transactions were committed (for tests)

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="lessonkit-feedback-writer")

    async def submit(self, submission: Submission, origin: str | None,
                     extra_origins: frozenset[str], limit: Limit | None = None) -> tuple[int, bool]:
        if self.task is None or self.task.done():
            raise ClientError(503, "The feedback service is shutting down; please try again shortly.")
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self.queue.put(((submission, origin, extra_origins), limit, future))
        return await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = []
            item = await self.queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch or self.queue.empty():
                    break
                item = self.queue.get_nowait()
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[tuple[Request, Limit | None, asyncio.Future]]) -> None:
        try:
            outcomes = await run_in_threadpool(store_many, self.database, [request for request, _, _ in batch],
                                               [limit for _, limit, _ in batch], self.limiter)
        except Exception as exc:
            # One line, never the statement's values (the engine hides them too).
            log.error("could not store %d submission(s): %s: %s", len(batch), type(exc).__name__,
                      (str(exc).splitlines() or [""])[0])
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        for (_, _, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the client went away; its submission is stored all the same
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def stop(self) -> None:
        """Store and answer everything queued so far, then stop."""
        if self.task is None or self.task.done():
            return
        await self.queue.put(_STOP)
        await self.task
