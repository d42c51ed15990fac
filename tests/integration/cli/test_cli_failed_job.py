"""`transcribe upload --wait` when the provider refuses the audio: the job fails, the CLI
exits non-zero with the server's error message. Runs the AssemblyAI engine against the fake
provider (the edge of the world), with its own API server and worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.fake_assemblyai import FakeAssemblyAI
from tests.helpers.worker import Worker
from tests.integration.cli.runner import logged_in, run_cli


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    return "assemblyai"


def test_failed_job_exits_with_the_servers_message(
    api_url: str, worker: Worker, fake: FakeAssemblyAI, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    logged_in(config, api_url)
    speech = tmp_path / "speech.wav"
    speech.write_bytes(b"too short")
    out = tmp_path / "out.txt"
    fake.error_transcript_of(b"too short", "Audio duration is too short.")

    result = run_cli(config, api_url, "upload", str(speech), "--wait", "--output", str(out))

    assert result.returncode == 1, result.stderr
    assert result.stdout.strip(), "the job id is printed before waiting"
    assert "status: failed" in result.stderr
    assert "error: job failed:" in result.stderr and "too short" in result.stderr
    assert not out.exists()
