"""Pointing the service under test at a transcription engine: as settings for an API served
in the test process, and as environment for worker processes. `assemblyai` means the fake
provider on loopback (tests/helpers/fake_assemblyai.py), never the real one."""

from __future__ import annotations

import dataclasses

from tests.helpers.fake_assemblyai import FakeAssemblyAI
from transcribe.settings import Settings


def engine_settings(
    settings: Settings, backend: str, fake: FakeAssemblyAI | None = None
) -> Settings:
    """`settings` with `backend` (stub, local or assemblyai; the last needs `fake`)."""
    transcription = dataclasses.replace(settings.transcription, backend=backend)
    if backend == "assemblyai":
        assert fake is not None, "the assemblyai engine runs against the fake provider"
        transcription = dataclasses.replace(
            transcription, assemblyai_api_key=fake.api_key, assemblyai_base_url=fake.base_url
        )
    return dataclasses.replace(settings, transcription=transcription)


def engine_env(backend: str, fake: FakeAssemblyAI | None = None) -> dict[str, str]:
    """The same choice as a worker's environment; polls the fake provider quickly."""
    env = {"TRANSCRIPTION_BACKEND": backend}
    if backend == "assemblyai":
        assert fake is not None, "the assemblyai engine runs against the fake provider"
        env |= {
            "ASSEMBLYAI_API_KEY": fake.api_key,
            "ASSEMBLYAI_BASE_URL": fake.base_url,
            "TRANSCRIPTION_POLL_INITIAL_S": "0.1",
            "TRANSCRIPTION_POLL_MAX_S": "0.3",
        }
    return env
