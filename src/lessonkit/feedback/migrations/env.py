"""Alembic environment: run with a connection handed over by ``Database.migrate()``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from lessonkit.feedback.models import Base

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # e.g. ``alembic revision --autogenerate`` during development
        url = config.get_main_option("sqlalchemy.url")
        with create_engine(url).begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
