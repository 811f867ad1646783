"""Fixtures for the feedback service: the same API tests run against SQLite and a real PostgreSQL.

PostgreSQL is Debian's server, started per test session (per xdist worker) into
a temporary folder; each test gets its own database, copied from a migrated
template so that tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pgtemp import TemporaryPostgres

from lessonkit.feedback.db import Database

TEMPLATE = "lk_template"


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    # No skip: without PostgreSQL this fails loudly (PostgresUnavailable says what to install).
    server = TemporaryPostgres(fsync=False).start()
    try:
        template_url = server.create_database(TEMPLATE)
        database = Database(template_url)
        database.migrate()
        database.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
        return
    server: TemporaryPostgres = request.getfixturevalue("postgres")
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user={server.user} dbname=postgres",
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
