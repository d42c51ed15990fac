"""media retention: when an expired upload's bytes left storage, and an index for housekeeping's scans

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "uploads",
        sa.Column(
            "media_deleted_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_uploads_status_updated_at", "uploads", ["status", "updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_uploads_status_updated_at", table_name="uploads")
    op.drop_column("uploads", "media_deleted_at")
