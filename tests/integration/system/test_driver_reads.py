"""Driver reads (db/driver_reads.py) on the real database: a statement compiled from the
models runs on asyncpg beneath SQLAlchemy's pool, readers take turns in arrival order, and
a connection whose work failed midway is not handed to the next reader."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import create_async_engine

from transcribe.db import models as m
from transcribe.db.driver_reads import CompiledSelect, DriverConnections
from transcribe.settings import DatabaseSettings


@pytest.fixture
async def engine(database_url: str):
    engine = create_async_engine(
        DatabaseSettings(url=database_url).async_url, pool_size=1, max_overflow=0
    )
    yield engine
    await engine.dispose()


async def test_a_compiled_select_reads_with_bound_parameters(engine) -> None:
    statement = CompiledSelect(select(m.User.id).where(m.User.email == bindparam("email")), engine)
    assert "$1" in statement.sql
    row = await DriverConnections(engine).run(
        lambda connection: statement.fetchrow(connection, email="nobody@example.com")
    )
    assert row is None


async def test_readers_are_served_in_the_order_they_came(engine) -> None:
    """Five readers wait for the one connection; a sixth arrives just as the first gives it
    back, which is when the pool's own queue would hand it to the newcomer."""
    connections = DriverConnections(engine)
    served: list[int] = []
    tasks: list[asyncio.Task[None]] = []

    async def reader(number: int) -> None:
        async def work(connection: asyncpg.Connection) -> None:
            await connection.fetchval("SELECT pg_sleep(0.02)")
            served.append(number)
            if number == 0:
                tasks.append(asyncio.create_task(reader(5)))

        await connections.run(work)

    for number in range(5):
        tasks.append(asyncio.create_task(reader(number)))
        await asyncio.sleep(0.005)  # each arrives while the first still reads
    while len(served) < 6:
        await asyncio.gather(*tasks)
    assert served == [0, 1, 2, 3, 4, 5]


async def test_a_connection_whose_work_failed_is_not_reused(engine) -> None:
    connections = DriverConnections(engine)

    async def backend(connection: asyncpg.Connection) -> int:
        return await connection.fetchval("SELECT pg_backend_pid()")

    first = await connections.run(backend)
    assert await connections.run(backend) == first  # the pool keeps a healthy one

    async def failing(connection: asyncpg.Connection) -> None:
        await connection.fetchval("SELECT 1 / 0")

    with pytest.raises(asyncpg.DivisionByZeroError):
        await connections.run(failing)
    assert await connections.run(backend) != first  # a fresh connection replaced it
