from __future__ import annotations

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import Boolean, ColumnElement, Index, Integer, String, false, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column


class User(UUIDv7AuditBase):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased, and the index makes that a hard guarantee.
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
    )

    email: Mapped[str] = mapped_column(String(254), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    # Monthly audio quota set for this user by an admin; NULL: the service's default.
    quota_minutes: Mapped[int | None] = mapped_column(Integer)
    is_admin: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # Set once the user follows the link in the verification email (not sent yet: #11).
    email_verified: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    disabled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # Carried in access tokens: a password change bumps it, and older tokens stop working.
    token_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    @hybrid_property
    def can_use_service(self) -> bool:
        """The one rule for whether anything of this account works: its logins, refresh
        tokens, API keys, share links and emails. A disabled account's do not, at once."""
        return not self.disabled

    @can_use_service.inplace.expression
    @classmethod
    def _can_use_service_condition(cls) -> ColumnElement[bool]:
        return cls.disabled.is_(False)
