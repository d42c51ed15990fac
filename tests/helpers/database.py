"""A throwaway PostgreSQL database per test session, migrated like production."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get(
    "TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _url_for(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextmanager
def fresh_database(prefix: str = "transcribe_test") -> Iterator[str]:
    """Create an empty database, yield its URL, and drop it (connections and all) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _url_for(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# What a module's worker would otherwise take up from the modules run before it in the same
# process (and database): queued tasks, jobs still in flight (the recovery sweep and the
# provider catch-up queue them again), owed provider cancels and webhook deliveries, all of
# them aimed at engines, fake providers and receivers that are gone.
_LEFTOVER_WORK = (
    "DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')",
    "UPDATE transcription_jobs SET status = 'failed', updated_at = now(),"
    " error_message = 'left in flight by an earlier test module'"
    " WHERE status IN ('pending', 'processing')",
    "DELETE FROM provider_cancellations",
    "UPDATE webhook_deliveries SET abandoned_at = now()"
    " WHERE delivered_at IS NULL AND abandoned_at IS NULL",
)


def end_leftover_work(url: str) -> None:
    """End the work earlier modules left in flight in the database at `url`."""
    with psycopg.connect(url) as conn:
        for statement in _LEFTOVER_WORK:
            conn.execute(statement)
