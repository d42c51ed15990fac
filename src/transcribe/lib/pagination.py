"""Paging vocabulary shared by every listing (advanced-alchemy does the querying)."""

from __future__ import annotations

from advanced_alchemy.filters import OrderBy

# Offsets past this are refused (400) rather than passed to PostgreSQL's bigint.
MAX_OFFSET = 1_000_000_000

# Newest first; the id (UUIDv7, so also in time order) settles rows created together.
NEWEST_FIRST = (OrderBy("created_at", "desc"), OrderBy("id", "desc"))
