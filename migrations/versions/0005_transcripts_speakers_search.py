"""transcripts people use: speaker names, recognition hints, full-text search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Speaker names and hints live on the job; search uses generated tsvector columns with GIN
indexes, in the language-neutral `simple` configuration (Russian and English alike).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "transcription_jobs",
        sa.Column(
            "speaker_names",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.add_column(
        "transcription_jobs", sa.Column("speakers_expected", sa.SmallInteger(), nullable=True)
    )
    op.add_column(
        "transcription_jobs",
        sa.Column("keyterms", postgresql.ARRAY(sa.String(length=100)), nullable=True),
    )
    op.add_column(
        "transcription_jobs",
        sa.Column(
            "filename_search",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple', translate(filename, '_.-', '   '))", persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_transcription_jobs_filename_search",
        "transcription_jobs",
        ["filename_search"],
        unique=False,
        postgresql_using="gin",
    )
    op.add_column(
        "transcripts",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple', plain_text)", persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_transcripts_search_vector",
        "transcripts",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index("ix_transcripts_search_vector", table_name="transcripts", postgresql_using="gin")
    op.drop_column("transcripts", "search_vector")
    op.drop_index(
        "ix_transcription_jobs_filename_search",
        table_name="transcription_jobs",
        postgresql_using="gin",
    )
    op.drop_column("transcription_jobs", "filename_search")
    op.drop_column("transcription_jobs", "keyterms")
    op.drop_column("transcription_jobs", "speakers_expected")
    op.drop_column("transcription_jobs", "speaker_names")
