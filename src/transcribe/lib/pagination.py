from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

# Offsets past this are refused (400) rather than passed to PostgreSQL's bigint.
MAX_OFFSET = 1_000_000_000


async def newest_first(
    session: AsyncSession, model: type[T], *where: ColumnElement[bool], limit: int, offset: int
) -> tuple[list[T], int]:
    """One page of `model` rows matching `where`, newest first, and how many match in all."""
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    table: Any = model
    rows = await session.scalars(
        select(model)
        .where(*where)
        .order_by(table.created_at.desc(), table.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
