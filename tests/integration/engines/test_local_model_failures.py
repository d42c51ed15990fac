"""A local model that cannot be loaded ends its jobs: `failed`, with a message that names the
model and says what to set, within seconds, never `processing` while the queue retries."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("faster_whisper", reason="the `local` extra is not installed")

import httpx

from tests.helpers import speech
from tests.helpers.accounts import signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.uploads import upload_file
from tests.helpers.worker import running_worker


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "local"


def damaged_model(folder: Path) -> Path:
    """A model folder whose files are all there but whose model.bin is garbage."""
    from transcribe.engines.local import english_model

    shutil.copytree(english_model(), folder)
    (folder / "model.bin").write_bytes(b"not a model" * 1000)
    return folder


@pytest.mark.parametrize("model", ["small", "damaged"])
async def test_a_model_that_cannot_be_loaded_fails_the_job_plainly(
    api: httpx.AsyncClient,
    worker_env: dict[str, str],
    database_url: str,
    tmp_path: Path,
    model: str,
) -> None:
    name = str(damaged_model(tmp_path / "damaged")) if model == "damaged" else model
    wav = speech.speak("Hello there.", tmp_path / "hello.wav")
    with running_worker(
        database_url,
        tmp_path / "worker.log",
        **worker_env,
        LOCAL_MODEL=name,
        LOCAL_MODEL_DIR=str(tmp_path / "models"),  # nothing downloaded in there
        HF_HUB_OFFLINE="1",  # and nothing tries the internet
        LOG_LEVEL="INFO",  # the startup line that names the engine
    ):
        # Reported at startup, before any job asks for the model.
        log_path = tmp_path / "worker.log"
        deadline = time.monotonic() + 30
        while "cannot be loaded" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            await asyncio.sleep(0.2)
        assert f"engine=local model={name} languages=" in log_path.read_text()
        user = await signed_in_user(api)
        key = await upload_file(
            api, user, wav.read_bytes(), filename="hello.wav", content_type="audio/wav"
        )
        response = await api.post(
            "/jobs",
            json={"object_key": key, "language": "en", "mode": "mono"},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        started = time.monotonic()
        job = await wait_for_status(
            api, user.headers, response.json()["id"], {"completed", "failed"}, timeout=60
        )
    assert job["status"] == "failed", job
    assert time.monotonic() - started < 60
    message = job["error_message"]
    assert f"model {name!r} could not be loaded" in message, message
    assert "LOCAL_MODEL" in message and "Traceback" not in message
