"""Group commit: concurrent widget submissions share transactions, each answered on its own."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from feedbacksupport import in_thread, seed
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lessonkit.feedback.db import Database
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import Feedback
from lessonkit.feedback.submissions import Submission, store_many
from lessonkit.feedback.writer import BatchWriter

NONE: frozenset[str] = frozenset()


def sub(**fields) -> Submission:
    values = {"client_id": uuid.uuid4().hex, "lesson": "demo", "page": "intro", "rating": 3}
    values.update(fields)
    return Submission(**values)


def count(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Feedback))


def test_concurrent_submissions_share_commits_and_get_their_own_answers(db_url):
    seed(db_url)
    database = Database(db_url)
    good = [sub() for _ in range(60)]
    duplicate = good[0]
    conflicting = sub(client_id=good[1].client_id, rating=1)

    async def scenario():
        writer = BatchWriter(database)
        writer.start()
        results = await asyncio.gather(
            *(writer.submit(s, None, NONE) for s in good),
            writer.submit(sub(lesson="unknown"), None, NONE),
            writer.submit(sub(), "https://evil.example", NONE),
            return_exceptions=True)
        again = await writer.submit(duplicate, None, NONE)
        refused = await asyncio.gather(writer.submit(conflicting, None, NONE), return_exceptions=True)
        await writer.stop()
        return writer.batches, results, again, refused[0]

    batches, results, again, refused = in_thread(asyncio.run, scenario())
    try:
        assert all(isinstance(r, tuple) and r[1] for r in results[:60])
        assert len({r[0] for r in results[:60]}) == 60
        assert isinstance(results[60], ClientError) and results[60].status == 404
        assert isinstance(results[61], ClientError) and results[61].status == 403
        assert again == (results[0][0], False)
        assert isinstance(refused, ClientError) and refused.status == 409
        assert batches < 62  # the 62 concurrent submissions did not need 62 commits
        assert count(database) == 60
    finally:
        database.dispose()


def test_a_failing_transaction_is_retried_one_submission_at_a_time(db_url):
    seed(db_url)
    database = Database(db_url)
    try:
        broken = sub(round_id=999)  # no such review round: the database refuses it (foreign key)
        outcomes = store_many(database, [(sub(), None, NONE), (broken, None, NONE), (sub(), None, NONE)])
        assert isinstance(outcomes[0], tuple) and isinstance(outcomes[2], tuple)
        assert isinstance(outcomes[1], IntegrityError)
        assert count(database) == 2
        with pytest.raises(IntegrityError):
            store_many(database, [(broken, None, NONE)])
    finally:
        database.dispose()


def test_stopping_stores_what_is_queued(db_url):
    seed(db_url)
    database = Database(db_url)

    async def scenario():
        writer = BatchWriter(database)
        writer.start()
        loop = asyncio.get_running_loop()
        futures = []
        for _ in range(5):
            future = loop.create_future()
            writer.queue.put_nowait(((sub(), None, NONE), None, future))
            futures.append(future)
        await writer.stop()
        with pytest.raises(ClientError) as error:
            await writer.submit(sub(), None, NONE)
        assert error.value.status == 503
        return [f.result() for f in futures]

    try:
        results = in_thread(asyncio.run, scenario())
        assert all(created for _, created in results)
        assert count(database) == 5
    finally:
        database.dispose()
