"""Database trouble: a busy SQLite is a 503 at once (item 8); errors never show bound values (item 11)."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid

import pytest
from feedbacksupport import WriteLock, client_for, free_port, seed, widget_payload
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from lessonkit.feedback.db import Database
from lessonkit.feedback.submissions import Submission, store_many

NONE: frozenset[str] = frozenset()


def sub(**fields) -> Submission:
    values = {"client_id": uuid.uuid4().hex, "lesson": "demo", "page": "intro", "rating": 3}
    values.update(fields)
    return Submission(**values)


def test_a_locked_sqlite_fails_the_batch_once_instead_of_per_submission(sqlite_url):
    seed(sqlite_url)
    database = Database(sqlite_url, busy_timeout=0.05)
    begins = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def count(connection, cursor, statement, *args) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    try:
        with WriteLock(sqlite_url), pytest.raises(OperationalError):
            store_many(database, [(sub(), None, NONE) for _ in range(5)])
        assert begins == ["BEGIN IMMEDIATE"]  # not retried one submission at a time, each waiting the busy timeout
    finally:
        database.dispose()


def test_the_service_answers_503_with_retry_after_while_another_process_writes(sqlite_url, caplog):
    seed(sqlite_url)
    with client_for(sqlite_url) as client:
        with client.app.state.database.read() as session:
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == 100  # not the commands' 30 s
        with WriteLock(sqlite_url), caplog.at_level(logging.ERROR, logger="lessonkit.feedback"):
            busy = client.post("/api/v1/feedback", json=widget_payload(comment="private words"))
        after = client.post("/api/v1/feedback", json=widget_payload())
    assert busy.status_code == 503 and int(busy.headers["retry-after"]) >= 1 and busy.json()["error"]
    assert after.status_code == 201
    messages = [record.getMessage() for record in caplog.records]
    assert messages and all("\n" not in m and "private words" not in m for m in messages)


def test_database_errors_never_show_the_values_bound_to_a_statement(db_url):
    database = Database(db_url)
    database.migrate()
    try:
        with pytest.raises(SQLAlchemyError) as error, database.write() as session:
            session.execute(text("INSERT INTO no_such_table (x) VALUES (:value)"), {"value": "SECRET-VALUE"})
        assert "SECRET-VALUE" not in str(error.value)
        assert "hidden" in str(error.value)
    finally:
        database.dispose()


REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'read-only'); END"],
    "postgresql": ["CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'read-only'; END $$",
                   "CREATE TRIGGER refuse BEFORE INSERT ON settings FOR EACH ROW EXECUTE FUNCTION refuse()"],
}


def test_a_database_that_refuses_writes_at_start_up_is_one_line_without_the_secret(db_url):
    """The start-up that printed the newly generated CSRF secret in a traceback."""
    database = Database(db_url)
    database.migrate()
    with database.write() as session:
        for statement in REFUSE[database.dialect]:
            session.execute(text(statement))
    database.dispose()
    result = subprocess.run([sys.executable, "-m", "lessonkit", "feedback", "serve", "--db", db_url,
                             "--port", str(free_port())], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot use the database"), result.stderr
    assert "read-only" in lines[0]
    assert "Traceback" not in result.stderr and "parameters" not in result.stderr.replace("hidden", "")
