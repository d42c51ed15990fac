"""jobs: how sure the engine was of the language it detected (0..1), to show when it is low

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("transcription_jobs", sa.Column("language_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("transcription_jobs", "language_confidence")
