"""Reads at the driver's speed, for the few statements every client polls (GET /jobs/{id}).

Running a statement through SQLAlchemy (ORM or Core: execution context, cursor adapter,
result processing) costs more than the round trip itself: in bench/api.py's terms, a request
that reads through a session serves a third of what one reading through asyncpg serves. So
such a statement is a Core select, compiled once for the engine's dialect, and run on the
asyncpg connection beneath one of the engine's pooled connections:

- the schema keeps one owner: the statement is built from the models;
- the pool keeps one owner: SQLAlchemy's, with its size and its checkout listeners;
- asyncpg prepares the statement once per connection and keeps it (its statement cache).

No transaction is begun (SQLAlchemy begins one lazily, with its first statement), so the
read costs exactly one round trip, and returning the connection has nothing to roll back.
Rows come back as asyncpg decodes them, JSON included (the dialect installs those codecs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn


class CompiledSelect:
    """A select with bound parameters, as SQL text for asyncpg ($1, $2, ...)."""

    def __init__(self, statement: Select[Any], engine: AsyncEngine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = compiled.string
        self._names = list(compiled.positiontup or ())

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        return [params[name] for name in self._names]

    async def fetchrow(
        self, connection: asyncpg.Connection, **params: Any
    ) -> asyncpg.Record | None:
        return await connection.fetchrow(self.sql, *self.arguments(params))


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """The asyncpg connection of one of the engine's pooled connections, for one block."""
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection
    except BaseException:
        # A statement that failed or was cancelled midway can leave the connection in a
        # state nobody should inherit: the pool drops it (and opens a fresh one when needed).
        await greenlet_spawn(pooled.invalidate)
        raise
    await greenlet_spawn(pooled.close)
