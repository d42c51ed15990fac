"""usage per calendar month, and per-user quotas

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Usage is counted when a job completes, in the transaction that completes it.
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_months",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("audio_seconds", sa.Float(), nullable=False),
        sa.Column("jobs_completed", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_usage_months_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_months")),
        sa.UniqueConstraint("user_id", "period_start", name="user_period"),
    )
    op.add_column("users", sa.Column("quota_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "quota_minutes")
    op.drop_table("usage_months")
