"""Alembic environment.

Migrations run through psycopg 3 (sync), not asyncpg: procrastinate's schema is one
multi-statement SQL script, which only a simple-query driver connection executes as is.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from transcribe.db import models as m
from transcribe.settings import get_settings

config = context.config
target_metadata = m.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # procrastinate owns its tables, functions and types; autogenerate must not touch them.
    return not (name or "").startswith("procrastinate")


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().db.sync_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
