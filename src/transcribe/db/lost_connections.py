"""A read whose connection turns out dead is run again on a fresh one, once.

The pool replaces a connection the server closed when it is handed out (plugins.py), but a
restart can close it just after, before its first statement; asyncpg only learns it then.
A read lost that way is safe to repeat: nothing was sent on that connection before it, and
a read changes nothing. So the session below runs such a read again on a fresh connection,
once; a write, or a statement after others on the same connection, is not repeated (the
request answers 503 with Retry-After, lib/errors.py), since the server may have done it.
Reads at the driver's speed get the same from driver_reads.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)

T = TypeVar("T")

_USED = "transcribe_used"  # in a pooled connection's info: a statement ran since checkout
_FIRST_USE = "transcribe_lost_at_first_use"  # set on the error of a statement that was


def watch_first_use(engine: AsyncEngine) -> None:
    """Mark, on a connection lost at its first statement since checkout, its error."""
    sync = engine.sync_engine
    event.listen(sync.pool, "checkout", _fresh)
    event.listen(sync, "after_cursor_execute", _used)
    event.listen(sync, "handle_error", _tag_first_use)


def _fresh(_dbapi: Any, record: Any, _proxy: Any) -> None:
    record.info[_USED] = False


def _used(conn: Any, *_: Any) -> None:
    conn.info[_USED] = True


def _tag_first_use(context: ExceptionContext) -> None:
    error = context.sqlalchemy_exception
    if context.is_disconnect and context.connection is not None and error is not None:
        setattr(error, _FIRST_USE, not context.connection.info.get(_USED, True))


def lost_at_first_use(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and bool(getattr(exc, _FIRST_USE, False))


# DML anywhere in a statement's text (a CTE that inserts, FOR UPDATE): not a plain read.
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|COPY|CALL)\b", re.IGNORECASE)


def reads_only(statement: Any, sql: str | None = None) -> bool:
    """A SELECT with nothing in it that writes or locks (conservative: text() is not)."""
    if not getattr(statement, "is_select", False):
        return False
    if sql is not None:
        return not _WRITES.search(sql)
    return not any(isinstance(element, UpdateBase) for element in visitors.iterate(statement))


class ReadRetrySession(AsyncSession):
    """The request's session (advanced-alchemy's `class_`): a read that finds its freshly
    taken connection dead runs again on a fresh one."""

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._read_again_if_lost(
            reads_only(statement), super().execute, statement, *args, **kwargs
        )

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._read_again_if_lost(
            reads_only(statement), super().scalar, statement, *args, **kwargs
        )

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._read_again_if_lost(True, super().get, *args, **kwargs)

    async def get_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._read_again_if_lost(True, super().get_one, *args, **kwargs)

    async def _read_again_if_lost(
        self, is_read: bool, call: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
    ) -> T:
        try:
            return await call(*args, **kwargs)
        except DBAPIError as exc:
            # Rolling back forgets the dead connection; it also expires loaded objects and
            # drops pending ones, so only a session that holds none may.
            holds_state = bool(self.identity_map) or bool(self.new or self.dirty or self.deleted)
            if not (is_read and lost_at_first_use(exc)) or holds_state:
                raise
            log.warning("a connection was lost at its first read; reading again on a fresh one")
        await self.rollback()
        return await call(*args, **kwargs)
