"""Which failures mean the database is away (503, retry) and which are a statement's own."""

from __future__ import annotations

import asyncpg.exceptions
import psycopg.errors
import psycopg_pool
import pytest
import sqlalchemy.exc

from transcribe.db.outage import is_database_outage


def _caused(outer: BaseException, inner: BaseException, *, implicit: bool = False) -> BaseException:
    if implicit:
        outer.__context__ = inner
    else:
        outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        _caused(
            sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("x")),
            asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"),
        ),
        sqlalchemy.exc.TimeoutError("QueuePool limit reached"),
        psycopg.OperationalError("connection failed: Connection refused"),
        psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"),
        # what advanced-alchemy's session provider raises on top of the original, in CI
        _caused(
            RuntimeError("generator didn't stop after athrow()"),
            ConnectionResetError(),
            implicit=True,
        ),
    ],
    ids=repr,
)
def test_the_database_being_away_is_an_outage(error: BaseException) -> None:
    assert is_database_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        psycopg.errors.UniqueViolation("duplicate key"),
        _caused(RuntimeError("wrapped"), KeyError("job")),
        sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("syntax error")),
    ],
    ids=repr,
)
def test_a_failed_statement_is_not_an_outage(error: BaseException) -> None:
    assert not is_database_outage(error)


def test_a_chain_that_loops_ends() -> None:
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__context__, second.__context__ = second, first
    assert not is_database_outage(first)
