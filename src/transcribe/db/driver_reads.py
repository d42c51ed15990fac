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

A connection found lost while the work had sent only reads on it (a database restart closed
it after the pool handed it out) is replaced and the work runs again, once: nothing it sent
could have changed anything (lost_connections.py says why only then).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy import Engine, Select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_, greenlet_spawn

from transcribe.db.lost_connections import reads_only
from transcribe.db.outage import is_database_outage

log = logging.getLogger(__name__)

T = TypeVar("T")

# The SQL of every compiled statement that only reads, to tell a work that sent only reads.
_READ_ONLY_SQL: set[str] = set()


class CompiledSelect:
    """A select with bound parameters, as SQL text for asyncpg ($1, $2, ...)."""

    def __init__(self, statement: Select[Any], engine: AsyncEngine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = compiled.string
        self._names = list(compiled.positiontup or ())
        if reads_only(statement, self.sql):
            _READ_ONLY_SQL.add(self.sql)

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
    first served. A turn is waited for no longer than the pool's own timeout, and the same
    error ends the wait (a 503, db/outage.py).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        pool = engine.pool
        self._turns = asyncio.Semaphore(pool.size())  # type: ignore[attr-defined]
        self._wait_s: float = pool.timeout()  # type: ignore[attr-defined]

    async def run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`work` on one connection; checkout, work and return run in one greenlet, as
        SQLAlchemy runs its own statements (the pool's code is synchronous and awaits
        through it)."""
        try:
            async with asyncio.timeout(self._wait_s):
                await self._turns.acquire()
        except TimeoutError:
            raise PoolTimeout(f"no database connection within {self._wait_s:g} s") from None
        try:
            return await greenlet_spawn(_with_pooled_connection, self._engine, work)
        finally:
            self._turns.release()


def _with_pooled_connection(
    engine: Engine, work: Callable[[asyncpg.Connection], Awaitable[T]]
) -> T:
    for attempt in (1, 2):
        pooled = engine.raw_connection()
        connection = _Watched(pooled.driver_connection)
        try:
            result = await_(work(cast(asyncpg.Connection, connection)))
        except BaseException as exc:
            # A statement that failed or was cancelled midway can leave the connection in a
            # state nobody should inherit: the pool drops it (and opens a fresh one when needed).
            pooled.invalidate()
            if attempt == 1 and connection.sent_only_reads and is_database_outage(exc):
                log.warning("a connection was lost during reads; reading again on a fresh one")
                continue
            raise
        pooled.close()
        return result
    raise AssertionError("unreachable")


class _Watched:
    """The asyncpg connection, noting whether every statement sent on it was a read."""

    __slots__ = ("_connection", "sent_only_reads")

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self.sent_only_reads = True

    def _sending(self, sql: str) -> asyncpg.Connection:
        if sql not in _READ_ONLY_SQL:
            self.sent_only_reads = False
        return self._connection

    async def fetch(self, sql: str, *args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        return await self._sending(sql).fetch(sql, *args, **kwargs)

    async def fetchrow(self, sql: str, *args: Any, **kwargs: Any) -> asyncpg.Record | None:
        return await self._sending(sql).fetchrow(sql, *args, **kwargs)

    async def fetchval(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        return await self._sending(sql).fetchval(sql, *args, **kwargs)

    async def execute(self, sql: str, *args: Any, **kwargs: Any) -> str:
        return await self._sending(sql).execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Anything else (a transaction, a prepared statement) is not watched: not a read.
        self.sent_only_reads = False
        return getattr(self._connection, name)
