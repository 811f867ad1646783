"""Database connection: SQLite (embedded default, WAL mode) or PostgreSQL.

``Database`` owns two views of one connection pool: ``read()`` sessions open
ordinary transactions, ``write()`` sessions open write transactions. On SQLite a
write transaction starts with ``BEGIN IMMEDIATE`` (so two writers never deadlock
on a lock upgrade) and writers inside one server process queue on a lock instead
of spinning on SQLITE_BUSY; other processes (the CLI) wait on the busy timeout.

``synchronous=FULL`` makes every commit durable before the client is told it
succeeded, so killing the server (or the machine) never loses an acknowledged
submission.

The service opens SQLite with a short busy timeout (``busy_timeout``, 0.1 s):
while another process holds the write lock, a request is answered 503 with
``Retry-After`` at once instead of waiting. Commands keep the patient 30 s.

Engines are created with ``hide_parameters``: an error message or log line
never shows the values bound to a statement (comments, password hashes, the
signing secret).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB = "sqlite:///feedback.sqlite3"
MIGRATION_LOCK = 74_707_007  # PostgreSQL advisory lock key held while migrating


class DatabaseURLError(ValueError):
    """The database URL is not one the service can use."""


def normalise_url(url: str) -> URL:
    """``sqlite:///file`` or ``postgresql://...`` -> an SQLAlchemy URL with the right driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(f"not a database URL: {url!r} (use sqlite:///FILE or postgresql://...)") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
            raise DatabaseURLError(f"unsupported SQLite driver {parsed.drivername!r}: use sqlite:///FILE")
        if not parsed.database or parsed.database == ":memory:":
            raise DatabaseURLError("the SQLite database must be a file: use sqlite:///FILE")
        return parsed.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres"):
        if parsed.drivername not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise DatabaseURLError(f"unsupported PostgreSQL driver {parsed.drivername!r}: use postgresql://...")
        return parsed.set(drivername="postgresql+psycopg")
    raise DatabaseURLError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql://...")


def _sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    path = Path(url.database or "")
    if not path.parent.exists():
        raise DatabaseURLError(f"the folder for the SQLite database does not exist: {path.parent}")
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout},
                           pool_size=8, max_overflow=32, hide_parameters=True)
    busy_ms = max(0, int(busy_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN (pysqlite's own handling would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get("lk_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> Engine:
    return create_engine(url, pool_size=16, max_overflow=32, pool_pre_ping=True, hide_parameters=True)


DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a command waits for another process's SQLite write lock
SERVICE_BUSY_TIMEOUT = 0.1  # ... and the service, which answers 503 + Retry-After instead


class Database:
    def __init__(self, url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.busy_timeout = busy_timeout
        self.engine = (_sqlite_engine(self.url, busy_timeout) if self.is_sqlite
                       else _postgres_engine(self.url))
        self.write_engine = self.engine.execution_options(lk_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._write_lock = threading.Lock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed when the block ends without an exception."""
        if self._write_lock is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._write_lock, self._write() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self, durable: bool = True) -> Iterator[Connection]:
        """A Core connection in a write transaction (the hot path: no ORM session).

        ``durable=False`` (for rate-limit counters) lets PostgreSQL answer before
        the commit is flushed to disk.
        """
        if self._write_lock is None:
            with self.write_engine.begin() as connection:
                if not durable:
                    connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield connection
            return
        with self._write_lock, self.write_engine.begin() as connection:
            yield connection

    def migrate(self) -> None:
        """Create or upgrade the schema (``alembic upgrade head``) with the package's migrations."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(resources.files("lessonkit.feedback") / "migrations"))
        with self.write_engine.begin() as connection:
            if not self.is_sqlite:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, migrate: bool = True) -> Database:
    database = Database(url)
    if migrate:
        database.migrate()
    return database
