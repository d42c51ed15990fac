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

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Engine, Select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_, greenlet_spawn

T = TypeVar("T")


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


class DriverConnections:
    """The asyncpg connections beneath the engine's pooled connections, handed out in the
    order they are asked for.

    The pool's queue (asyncio's) lets a newcomer take a connection that was just returned
    for a waiter, and the waiter queues again at the back: under load a few requests wait
    several turns (p99 four to six times p50 in bench/api.py). A semaphore as wide as the
    pool queues the reads here instead, and asyncio's semaphore serves waiters first come
    first served.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self._turns = asyncio.Semaphore(engine.pool.size())  # type: ignore[attr-defined]

    async def run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`work` on one connection; checkout, work and return run in one greenlet, as
        SQLAlchemy runs its own statements (the pool's code is synchronous and awaits
        through it)."""
        async with self._turns:
            return await greenlet_spawn(_with_pooled_connection, self._engine, work)


def _with_pooled_connection(
    engine: Engine, work: Callable[[asyncpg.Connection], Awaitable[T]]
) -> T:
    pooled = engine.raw_connection()
    try:
        result = await_(work(pooled.driver_connection))
    except BaseException:
        # A statement that failed or was cancelled midway can leave the connection in a
        # state nobody should inherit: the pool drops it (and opens a fresh one when needed).
        pooled.invalidate()
        raise
    pooled.close()
    return result
