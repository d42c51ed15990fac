"""The worker rides out a database restart and keeps working; a database that stays away
past WORKER_DB_OUTAGE_LIMIT_S ends it with status 1. On a cluster of the test's own."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.private_postgres import PrivateCluster, private_postgres
from tests.helpers.server import free_port, serve
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker
from transcribe.settings import DatabaseSettings, Settings


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    from transcribe.db.migrate import upgrade

    with private_postgres() as pg:
        upgrade(DatabaseSettings(url=pg.url).sync_url)
        yield pg


async def _transcribe(client: httpx.AsyncClient, user, text: bytes) -> dict:
    key = await upload_file(client, user, text)
    created = await client.post(  # the first request after a restart too: no 500
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    deadline = time.monotonic() + 60
    job_id = created.json()["id"]
    while True:
        job = (await client.get(f"/jobs/{job_id}", headers=user.headers)).json()
        if job["status"] in ("completed", "failed"):
            return job
        assert time.monotonic() < deadline, f"the job stayed {job['status']}"
        await asyncio.sleep(0.2)


async def test_the_worker_survives_a_database_restart_and_gives_up_on_an_outage(
    cluster: PrivateCluster, settings: Settings, tmp_path: Path
) -> None:
    from transcribe.app import create_app

    port = free_port()  # its presigned upload URLs name this server, on the cluster's rows
    own = dataclasses.replace(
        settings,
        db=DatabaseSettings(url=cluster.url),
        port=port,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    log = tmp_path / "worker.log"
    with running_worker(cluster.url, log, WORKER_DB_OUTAGE_LIMIT_S="8") as worker:
        with serve(create_app(own), port=port) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                user = await signed_in_user(client)
                assert (await _transcribe(client, user, b"before"))["status"] == "completed"

                cluster.restart()
                await asyncio.sleep(3)
                assert worker.poll() is None, log.read_text()[-3000:]
                after = await _transcribe(client, user, b"after the restart")
                assert after["status"] == "completed", after
                assert worker.poll() is None

        cluster.stop()  # and it stays away (the fixture removes the cluster afterwards)
        started = time.monotonic()
        status = worker.wait(timeout=90)
        assert status == 1, log.read_text()[-3000:]
        assert 8 <= time.monotonic() - started + 1
        assert "giving up" in log.read_text()
