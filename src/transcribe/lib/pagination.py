"""Paging vocabulary shared by every listing (advanced-alchemy does the querying)."""

from __future__ import annotations

from typing import Any, TypeVar

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.service import OffsetPagination, SQLAlchemyAsyncRepositoryService
from sqlalchemy import Select

T = TypeVar("T")

# Offsets past this are refused (400) rather than passed to PostgreSQL's bigint.
MAX_OFFSET = 1_000_000_000

# Newest first; the id (UUIDv7, so also in time order) settles rows created together.
NEWEST_FIRST = (OrderBy("created_at", "desc"), OrderBy("id", "desc"))


async def newest_first_page(
    service: SQLAlchemyAsyncRepositoryService[Any],
    limit: int,
    offset: int,
    *,
    schema_type: type[T] | None = None,
    statement: Select[Any] | None = None,
    **by: Any,
) -> OffsetPagination[T]:
    """A page of `service`'s rows matching `by`, newest first, in one query (the count rides
    along as a window function); only a page past the end costs a second query, since the
    window then counts no row. Without `schema_type`, the page holds the rows themselves."""
    filters = [LimitOffset(limit, offset), *NEWEST_FIRST]
    rows, total = await service.get_many_and_count(*filters, statement=statement, **by)
    if not rows and offset:
        total = await service.count(statement=statement, **by)
    if schema_type is None:
        return service.to_schema(rows, total, filters)
    return service.to_schema(rows, total, filters, schema_type=schema_type)
