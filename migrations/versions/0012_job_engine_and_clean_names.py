"""jobs name their engine; file names stored before names were cleaned are cleaned once

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _printable(name: str) -> str:
    # A frozen copy of transcribe.lib.text.printable as of this revision: a migration must
    # not change when the application's code does.
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] not in ("C", "Z")
    )
    return " ".join(kept.split())[:255] or "file"


def upgrade() -> None:
    op.add_column("transcription_jobs", sa.Column("engine", sa.String(16), nullable=True))
    conn = op.get_bind()
    for table in ("uploads", "transcription_jobs"):
        rows = conn.execute(sa.text(f"SELECT id, filename FROM {table}"))  # noqa: S608
        for row_id, filename in rows.all():
            cleaned = _printable(filename)
            if cleaned != filename:
                conn.execute(
                    sa.text(f"UPDATE {table} SET filename = :name WHERE id = :id"),  # noqa: S608
                    {"name": cleaned, "id": row_id},
                )


def downgrade() -> None:
    op.drop_column("transcription_jobs", "engine")
