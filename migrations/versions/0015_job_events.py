"""job events: every job event kept with a growing id, for streams that resume

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

A client reconnecting to an event stream with `Last-Event-ID` gets the events after that id
from this table; housekeeping deletes rows older than `EVENTS_RETENTION_S`.
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("user_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("job_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("change", sa.String(length=32), nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["transcription_jobs.id"],
            name=op.f("fk_job_events_job_id_transcription_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
    )
    op.create_index("ix_job_events_user_id_id", "job_events", ["user_id", "id"], unique=False)
    op.create_index("ix_job_events_job_id_id", "job_events", ["job_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("job_events")
