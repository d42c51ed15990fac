"""count recoveries of a transcription job

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

The recovery task re-queues jobs whose queue job vanished or stalled; this counter bounds
how often, so a job that kills its worker every time ends `failed` instead of looping.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "transcription_jobs",
        sa.Column("recovery_count", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("transcription_jobs", "recovery_count")
