"""End to end on S3 storage (rclone): the provider fetches the audio through a presigned
URL, and the transcript is downloaded through the store's own presigned URL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.jobs import download_text, wait_for_status
from tests.helpers.s3_server import S3Server
from tests.helpers.worker import running_worker
from tests.integration.jobs.aai import start_job, submissions
from transcribe.settings import Settings


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def api_settings(api_settings: Settings, s3_settings: Settings) -> Settings:
    return dataclasses.replace(api_settings, storage=s3_settings.storage)


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str], s3_server: S3Server) -> dict[str, str]:
    return {**worker_env, **s3_server.env}


async def test_round_trip_on_s3(
    api: httpx.AsyncClient,
    fake: FakeAssemblyAI,
    s3_server: S3Server,
    worker_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
) -> None:
    text = "stored in a bucket, fetched by the provider"
    uploads_before = fake.requests["POST /v2/upload"]
    user = await signed_in_user(api)
    with running_worker(database_url, tmp_path / "worker.log", **worker_env):
        job_id = await start_job(api, user, text)
        job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "completed", job
    link = (await api.get(f"/jobs/{job_id}/download", headers=user.headers)).json()
    assert link["url"].startswith(s3_server.endpoint_url)  # the store's own URL
    assert await download_text(api, user.headers, job_id) == text + "\n"
    async with httpx.AsyncClient(timeout=30) as raw:
        served = await raw.get(link["url"])
    # The store serves the file under the upload's name, from the object's metadata.
    assert 'filename="speech.txt"' in served.headers["content-disposition"]
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert fake.requests["POST /v2/upload"] == uploads_before  # no bytes through /v2/upload
    assert submissions(fake, text) == 1
    folder = s3_server.root / s3_server.bucket / "results" / user.id / job_id
    stored = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    # The document, and the TXT rendered from it on the first download, named for the upload.
    assert stored == ["plain/speech.txt", "transcript.json"]
