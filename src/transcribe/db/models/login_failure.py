from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import IdentityBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column


class LoginFailure(IdentityBase):
    """One failed login, counted per key (`email:...` or `client:...`) for throttling.

    Kept in PostgreSQL so that every API instance sees the same counts.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_created_at", "key", "created_at"),)

    key: Mapped[str] = mapped_column(String(320), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), nullable=False, server_default=func.now()
    )
