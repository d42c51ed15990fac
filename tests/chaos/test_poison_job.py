"""A file that kills the worker each time it is picked up (a poison job) is failed after a
bounded number of deaths, instead of taking workers down forever; other jobs go on."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from tests.helpers.accounts import signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker

MAX_RECOVERIES = 2


async def _job(client: httpx.AsyncClient, user, text: bytes) -> str:
    key = await upload_file(client, user, text)
    created = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": "mono"}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def test_a_poison_job_is_failed_after_a_bounded_number_of_worker_deaths(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    user = await signed_in_user(client)
    poison = await _job(client, user, b"#crash-worker: this file kills whoever reads it")
    deaths = 0
    deadline = time.monotonic() + 180
    log = tmp_path / "workers.log"
    while True:  # a process manager: a worker that dies is started again
        with running_worker(database_url, log, JOB_MAX_RECOVERIES=str(MAX_RECOVERIES)) as worker:
            while worker.poll() is None:
                job = (await client.get(f"/jobs/{poison}", headers=user.headers)).json()
                if job["status"] == "failed" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.3)
            if worker.poll() is None:  # it outlived the poison job
                assert job["status"] == "failed", job
                assert "stopped the worker" in job["error_message"]
                assert deaths == MAX_RECOVERIES + 1
                # and still works
                healthy = await _job(client, user, b"an ordinary file")
                done = await wait_for_status(client, user.headers, healthy, {"completed", "failed"})
                assert done["status"] == "completed"
                return
        deaths += 1
        assert deaths <= MAX_RECOVERIES + 1, "the poison job kept killing workers"
