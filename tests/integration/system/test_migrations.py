"""Migrations: the same code as `just migrate`, on throwaway databases."""

from __future__ import annotations

import tomllib
from pathlib import Path

import psycopg
from alembic import command

from tests.helpers.database import fresh_database
from transcribe.db.migrate import alembic_config, create_database_if_missing, upgrade
from transcribe.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[3]


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }


def test_upgrade_is_complete_idempotent_and_matches_the_models() -> None:
    with fresh_database("transcribe_migrations") as url:
        sync_url = DatabaseSettings(url=url).sync_url
        upgrade(sync_url)
        tables = _tables(url)
        assert {"users", "uploads", "transcription_jobs", "transcripts", "login_failures"} <= tables
        assert {"procrastinate_jobs", "procrastinate_events", "procrastinate_workers"} <= tables
        upgrade(sync_url)  # a second run changes nothing and does not fail
        assert _tables(url) == tables
        # Autogenerate sees no difference between the models and the migrated schema,
        # and leaves procrastinate's tables alone.
        command.check(alembic_config(sync_url))
        command.downgrade(alembic_config(sync_url), "base")
        assert _tables(url) == {"alembic_version"}
        upgrade(sync_url)
        assert _tables(url) == tables


def test_create_database_if_missing() -> None:
    with fresh_database("transcribe_created") as url:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}"')
        assert create_database_if_missing(url) is True
        assert create_database_if_missing(url) is False


def test_the_queue_schema_is_the_pinned_procrastinates() -> None:
    """Revision 0002 holds procrastinate's schema as of the pinned version: an upgrade of the
    package alone must not pass unnoticed (it needs a revision with its migration scripts)."""
    from importlib.metadata import version

    from procrastinate.schema import SchemaManager

    installed = version("procrastinate")
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"procrastinate=={installed}" in pinned
    kept = ROOT / "migrations" / "sql" / f"procrastinate-{installed}-schema.sql"
    assert kept.exists(), f"procrastinate {installed}: add a revision for its schema changes"
    assert kept.read_text() == SchemaManager.get_schema()
