"""Telling a database that is away from a statement that failed.

While PostgreSQL restarts, fails over or runs out of connection slots, every request that
needs it fails; that is no bug of the request's, and the client should retry shortly. The
signs come from three drivers and SQLAlchemy, wrapped in each other in any order, so the
whole chain of causes is read.
"""

from __future__ import annotations

import psycopg
import psycopg_pool
import sqlalchemy.exc

# PostgreSQL's connection exceptions (class 08), the server shutting down or crashed or not
# yet accepting connections (57P01-57P03), no connection slot left (53300).
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_database_outage(exc: BaseException | None) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _is_outage(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _is_outage(exc: BaseException) -> bool:
    # Refused or reset while connecting: asyncpg's connect lets these through SQLAlchemy.
    if isinstance(exc, ConnectionError | psycopg_pool.PoolTimeout | sqlalchemy.exc.TimeoutError):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, TimeoutError) and _raised_in_a_driver(exc):
        return True  # a connection not opened in time (asyncpg's bare TimeoutError)
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        return True  # libpq could not connect, or lost the connection: no server message
    state = getattr(exc, "sqlstate", None)  # asyncpg's and psycopg's server errors
    return isinstance(state, str) and state.startswith(_OUTAGE_STATES)


_DRIVERS = ("asyncpg", "psycopg", "psycopg_pool")


def _raised_in_a_driver(exc: BaseException) -> bool:
    """Raised from a database driver's code (a timeout elsewhere is no sign of an outage)."""
    frame = exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__", "").partition(".")[0] in _DRIVERS:
            return True
        frame = frame.tb_next
    return False
