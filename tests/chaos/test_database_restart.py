"""PostgreSQL restarts under load, with the API and the worker left alone: every job
completes, the worker is the same process, and no request after the restart is a 5xx. A
database that stays away past WORKER_DB_OUTAGE_LIMIT_S ends the worker with status 1. On a
cluster of the test's own (the shared one is never touched)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from procrastinate.exceptions import ConnectorException

from tests.helpers.accounts import signed_in_user
from tests.helpers.pg_proxy import pg_proxy
from tests.helpers.private_postgres import PrivateCluster, private_postgres
from tests.helpers.server import serve_settings
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker
from transcribe.domain.jobs.queueing import defer_submit
from transcribe.queue import API_QUEUE_WAIT_S, LazyQueue, build_queue
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


BURST = 20


def _on(cluster: PrivateCluster, settings: Settings) -> Settings:
    """The session's settings on the private cluster (served by `serve_settings`, whose
    presigned upload URLs name that server, on the cluster's rows)."""
    return _on_url(cluster.url, settings)


def _on_url(url: str, settings: Settings) -> Settings:
    return dataclasses.replace(settings, db=DatabaseSettings(url=url))


async def test_a_restart_under_a_burst_of_jobs_loses_nothing(
    cluster: PrivateCluster, settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with (
        running_worker(cluster.url, log) as worker,
        serve_settings(_on(cluster, settings)) as url,
    ):
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            user = await signed_in_user(client)
            keys = [
                await upload_file(client, user, f"burst job {n}".encode()) for n in range(BURST)
            ]
            job_ids: list[str] = []
            restarted, half_created = asyncio.Event(), asyncio.Event()
            after_restart: list[int] = []

            async def create(key: str) -> None:
                while True:  # a client retries what failed while the database was away
                    # Sent once the database is back (a request sent before may still be
                    # answered, 5xx, after it is).
                    sent_after_restart = restarted.is_set()
                    response = await client.post(
                        "/jobs",
                        json={"object_key": key, "language": "en", "mode": "mono"},
                        headers=user.headers,
                    )
                    if sent_after_restart:
                        after_restart.append(response.status_code)
                    if response.status_code == 201:
                        job_ids.append(response.json()["id"])
                        if len(job_ids) >= BURST // 2:
                            half_created.set()
                        return
                    # The outage (503 as a rule; the test just after pins that down), no 4xx.
                    assert response.status_code >= 500, response.text
                    await asyncio.sleep(0.2)

            async def restart_midway() -> None:
                await half_created.wait()
                await asyncio.to_thread(cluster.restart)
                restarted.set()

            async def paced(key: str, delay: float) -> None:
                await asyncio.sleep(delay)
                await create(key)

            await asyncio.gather(
                restart_midway(), *(paced(key, n * 0.05) for n, key in enumerate(keys))
            )
            deadline = time.monotonic() + 120
            while True:
                statuses = []
                for job_id in job_ids:
                    response = await client.get(f"/jobs/{job_id}", headers=user.headers)
                    after_restart.append(response.status_code)
                    statuses.append(response.json()["status"])
                if all(status == "completed" for status in statuses):
                    break
                assert time.monotonic() < deadline, (statuses, log.read_text()[-3000:])
                await asyncio.sleep(0.5)
        assert worker.poll() is None, log.read_text()[-3000:]  # the same process throughout

    assert len(set(job_ids)) == BURST
    assert after_restart and all(code < 500 for code in after_restart), after_restart
    assert worker.returncode == 0  # and it stopped gracefully when asked
    assert "starting again once the database answers" in log.read_text()  # it saw the restart


async def test_requests_while_the_database_is_away_are_503_with_retry_after(
    cluster: PrivateCluster, settings: Settings
) -> None:
    """Whichever way a request reaches the database (a session, a driver read, the login's
    throttle), a database that is away answers 503 with Retry-After, not a bare 500; once
    it is back the same requests succeed."""
    with serve_settings(_on(cluster, settings)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            user = await signed_in_user(client)
            key = await upload_file(client, user, b"before the outage")
            job = {"object_key": key, "language": "en", "mode": "mono"}
            created = await client.post("/jobs", json=job, headers=user.headers)
            assert created.status_code == 201, created.text
            requests = [
                ("GET", f"/jobs/{created.json()['id']}", None),
                ("GET", "/jobs", None),
                ("GET", "/auth/me", None),
                ("POST", "/jobs", job),
                ("POST", "/auth/login", {"email": user.email, "password": user.password}),
            ]
            cluster.stop()
            try:
                for method, path, body in requests:
                    answer = await client.request(method, path, json=body, headers=user.headers)
                    assert answer.status_code == 503, (method, path, answer.text)
                    assert answer.headers["retry-after"] == "5"
                    assert answer.json()["request_id"] == answer.headers["x-request-id"]
                assert (await client.get("/ready")).status_code == 503
            finally:
                cluster.start()
            deadline = time.monotonic() + 30
            for method, path, body in requests:
                while True:
                    answer = await client.request(method, path, json=body, headers=user.headers)
                    if answer.is_success:
                        break
                    assert answer.status_code == 503, (method, path, answer.text)
                    assert time.monotonic() < deadline, (method, path, answer.text)
                    await asyncio.sleep(0.2)


async def test_the_api_waits_a_bounded_time_for_the_queue_while_the_database_is_away(
    cluster: PrivateCluster, settings: Settings
) -> None:
    """A POST /jobs whose job is saved as the database goes away answers within seconds (the
    recovery sweep queues the job), not after the pool's 30 s, which outlasts clients'
    timeouts. Placed before the outage test, which leaves the cluster stopped."""
    queue = LazyQueue(build_queue(_on(cluster, settings), for_worker=False))
    app = await queue.get()
    try:
        assert await defer_submit(app, uuid.uuid4()) is not None
        cluster.stop()
        try:
            started = time.monotonic()
            with pytest.raises(ConnectorException):
                await defer_submit(app, uuid.uuid4())
            assert time.monotonic() - started < API_QUEUE_WAIT_S + 3
        finally:
            cluster.start()
        deadline = time.monotonic() + 60
        while True:  # and the pool reconnects on its own once the database is back
            try:
                assert await defer_submit(app, uuid.uuid4()) is not None
                break
            except ConnectorException:
                assert time.monotonic() < deadline, "the queue never reconnected"
    finally:
        await queue.close()


async def test_the_api_queue_reconnects_once_a_silent_database_answers_again(
    cluster: PrivateCluster, settings: Settings
) -> None:
    """A database that takes connections and never answers (a failover dropping packets)
    fails a deferral within the queue's wait, and does not leave the queue stuck: once the
    database answers again the queue works again, by itself."""
    with pg_proxy(cluster.url) as (proxy, url):
        proxy.silence()
        queue = LazyQueue(build_queue(_on_url(url, settings), for_worker=False))
        try:
            started = time.monotonic()
            with pytest.raises((TimeoutError, ConnectorException)):
                await defer_submit(await queue.get(), uuid.uuid4())
            assert time.monotonic() - started < API_QUEUE_WAIT_S + 3
            proxy.silence(False)
            deadline = time.monotonic() + 30
            while True:
                try:
                    assert await defer_submit(await queue.get(), uuid.uuid4()) is not None
                    break
                except (TimeoutError, ConnectorException):
                    assert time.monotonic() < deadline, "the queue never reconnected"
        finally:
            await queue.close()


async def test_the_worker_survives_a_database_restart_and_gives_up_on_an_outage(
    cluster: PrivateCluster, settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with running_worker(cluster.url, log, WORKER_DB_OUTAGE_LIMIT_S="8") as worker:
        with serve_settings(_on(cluster, settings)) as url:
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
