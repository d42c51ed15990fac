"""End to end with the AssemblyAI engine: the API, real worker processes, the real SDK,
and the fake provider on loopback. Storage is local (audio streamed to /v2/upload) or
S3 on rclone (the provider fetches a presigned URL)."""

from __future__ import annotations

import asyncio
import time

import httpx
import psycopg
import pytest

from tests.helpers.accounts import signed_in_user
from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.jobs import download_text, wait_for_status
from tests.helpers.server import free_port
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker
from tests.integration.jobs.aai import start_job, submissions, wait_for_provider_job


@pytest.fixture(autouse=True)
def reset_fake(fake: FakeAssemblyAI) -> None:
    fake.faults.clear()
    fake.release_all()
    fake.errors.clear()


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


@pytest.fixture(scope="module")
def worker_metrics_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def worker_env(worker_env: dict[str, str], worker_metrics_port: int) -> dict[str, str]:
    return {
        **worker_env,
        "WORKER_METRICS_PORT": str(worker_metrics_port),
        "ASSEMBLYAI_SPEECH_MODELS": "universal-3-pro, universal-2",
    }


async def test_dialogue_round_trip_on_local_storage(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI
) -> None:
    user = await signed_in_user(api)
    text = "A: Good morning.\nB: Morning! Coffee?\nA: Please."
    job_id = await start_job(api, user, text, mode="dialogue", language="auto")
    job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "completed", job
    assert job["detected_language"] == "en" and job["audio_duration_s"] == 1.0
    assert await download_text(api, user.headers, job_id) == (
        "Speaker A: Good morning.\nSpeaker B: Morning! Coffee?\nSpeaker A: Please.\n"
    )
    assert submissions(fake, text) == 1


async def test_detected_language_confidence_reaches_the_job_and_the_document(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI
) -> None:
    user = await signed_in_user(api)
    unsure = await start_job(api, user, "[lang=ru 0.42] Привет всем", language="auto")
    given = await start_job(api, user, "[lang=ru 0.42] Привет всем", language="ru")
    for job_id, expected in ((unsure, 0.42), (given, None)):
        job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
        assert job["status"] == "completed", job
        assert job["detected_language"] == "ru" and job["language_confidence"] == expected
        assert (await api.get(f"/jobs/{job_id}", headers=user.headers)).json() == job
        document = (await api.get(f"/jobs/{job_id}/transcript", headers=user.headers)).json()
        assert document["language"] == "ru" and document["language_confidence"] == expected
        assert document["text"] == "Привет всем"


async def test_provider_error_fails_the_job_in_plain_words(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI, worker_metrics_port: int
) -> None:
    user = await signed_in_user(api)
    fake.error_transcript_of(b"too short", "Audio duration is too short.")
    job_id = await start_job(api, user, "too short")
    job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"})
    assert job["status"] == "failed"
    assert "could not transcribe" in job["error_message"] and "too short" in job["error_message"]
    assert (await api.get(f"/jobs/{job_id}/download", headers=user.headers)).status_code == 409
    metrics = httpx.get(f"http://127.0.0.1:{worker_metrics_port}/metrics").text
    assert 'transcribe_provider_errors_total{kind="permanent"}' in metrics


async def test_provider_outage_is_retried_until_it_passes(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI
) -> None:
    user = await signed_in_user(api)
    fake.fail_next("POST", "/v2/transcript", 503, times=2)
    text = "we got there in the end"
    job_id = await start_job(api, user, text)
    job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"}, timeout=90)
    assert job["status"] == "completed", job
    assert await download_text(api, user.headers, job_id) == text + "\n"
    assert submissions(fake, text) == 1  # the two refused attempts created nothing
    # The audio was streamed to the provider once: the retries reused its upload URL.
    assert sum(1 for audio in fake.uploads.values() if audio == text.encode()) == 1


async def test_cancelling_a_running_job_stops_it_at_the_provider(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI, database_url: str
) -> None:
    user = await signed_in_user(api)
    fake.hold_new = True
    job_id = await start_job(api, user, "never mind")
    provider_job_id = await wait_for_provider_job(database_url, job_id)
    assert (await api.delete(f"/jobs/{job_id}", headers=user.headers)).status_code == 204
    deadline = time.monotonic() + 30
    while not fake.transcripts[provider_job_id].deleted:
        assert time.monotonic() < deadline, "the provider's transcript was not cancelled"
        await asyncio.sleep(0.1)
    fake.release_all()
    await asyncio.sleep(1)
    job = (await api.get(f"/jobs/{job_id}", headers=user.headers)).json()
    assert job["status"] == "cancelled"


async def test_metrics_count_jobs_by_status(api: httpx.AsyncClient, worker: Worker) -> None:
    def completed() -> float:
        for line in httpx.get(f"{api.base_url}/metrics").text.splitlines():
            if line.startswith('transcribe_jobs{status="completed"}'):
                return float(line.split()[-1])
        raise AssertionError("no completed-jobs gauge")

    before = completed()
    user = await signed_in_user(api)
    job_id = await start_job(api, user, "count me")
    await wait_for_status(api, user.headers, job_id, {"completed"})
    assert completed() == before + 1
    assert "transcribe_job_duration_seconds_count" in httpx.get(f"{api.base_url}/metrics").text


async def test_provider_down_for_every_attempt_fails_the_job(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI, database_url: str
) -> None:
    user = await signed_in_user(api)
    fake.fail_next("POST", "/v2/transcript", 503, times=1000)
    job_id = await start_job(api, user, "nobody home")
    job = await wait_for_status(api, user.headers, job_id, {"completed", "failed"}, timeout=120)
    assert job["status"] == "failed"
    assert job["error_message"] == (
        "The transcription service was unavailable for too long; please try again later."
    )
    with psycopg.connect(database_url) as conn:
        attempts = conn.execute(
            "SELECT q.attempts FROM procrastinate_jobs q JOIN transcription_jobs j ON j.queue_job_id = q.id "
            "WHERE j.id = %s",
            (job_id,),
        ).fetchone()[0]
    assert attempts == 8  # JOB_MAX_ATTEMPTS=8 runs in all, then the job is failed


async def test_hints_and_speech_models_reach_the_provider_and_words_come_back(
    api: httpx.AsyncClient, worker: Worker, fake: FakeAssemblyAI
) -> None:
    user = await signed_in_user(api)
    text = "A: Meet Anya from Yandex Cloud.\nB: Hello Anya."
    key = await upload_file(
        api, user, text.encode(), filename="hints.wav", content_type="audio/wav"
    )
    created = await api.post(
        "/jobs",
        json={
            "object_key": key,
            "language": "en",
            "mode": "dialogue",
            "speakers_expected": 2,
            "keyterms": ["Anya", " Yandex   Cloud ", "Anya"],
        },
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    job = await wait_for_status(api, user.headers, created.json()["id"], {"completed", "failed"})
    assert job["status"] == "completed", job
    (sent,) = [t.request for t in fake.transcripts.values() if t.audio == text.encode()]
    assert sent["speakers_expected"] == 2
    assert sent["keyterms_prompt"] == ["Anya", "Yandex Cloud"]  # tidied, duplicates dropped
    assert sent["speech_models"] == ["universal-3-pro", "universal-2"]
    document = (await api.get(f"/jobs/{job['id']}/transcript", headers=user.headers)).json()
    assert [(w["text"], w["speaker"]) for w in document["words"][:2]] == [
        ("Meet", "A"),
        ("Anya", "A"),
    ]
    assert document["words"][0]["confidence"] == 0.95
