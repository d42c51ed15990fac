"""procrastinate queue schema

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

The queue lives in the same PostgreSQL. Its schema is procrastinate's own SQL script for
the version pinned in pyproject.toml, kept beside the migrations (migrations/sql/) so that
this revision means the same thing whatever version is installed. It runs through the raw
psycopg connection (it holds many statements and `$$` bodies). Upgrading procrastinate:
add a revision that runs the release's own migration scripts (procrastinate/sql/migrations);
tests/integration/system/test_migrations.py fails until the pinned version's schema is there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

SCHEMA = Path(__file__).parents[1] / "sql" / "procrastinate-3.10.0-schema.sql"

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    driver_connection = op.get_bind().connection.driver_connection
    driver_connection.execute(SCHEMA.read_text())


def downgrade() -> None:
    op.execute(
        """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT tablename FROM pg_tables
                     WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%%'
            LOOP EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename); END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%%'
            LOOP EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig); END LOOP;
            FOR r IN SELECT t.typname FROM pg_type t
                     JOIN pg_namespace n ON n.oid = t.typnamespace
                     WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%%'
                       AND t.typtype IN ('e', 'c')
            LOOP EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname); END LOOP;
        END $$;
        """
    )
