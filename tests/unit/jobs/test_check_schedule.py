"""How often the worker asks a provider about a job: growing, capped, and rare with webhooks."""

from __future__ import annotations

import dataclasses

from transcribe.engines.assemblyai import AssemblyAIEngine
from transcribe.settings import Settings, TranscriptionSettings, _load
from transcribe.worker.runtime import WorkerRuntime


def runtime(**transcription: object) -> WorkerRuntime:
    base: Settings = _load()
    config = dataclasses.replace(TranscriptionSettings(), **transcription)
    return WorkerRuntime(dataclasses.replace(base, transcription=config))


def test_checks_thin_out_to_the_cap() -> None:
    rt = runtime(poll_initial_s=1.0, poll_max_s=30.0)
    rt.__dict__["engine"] = AssemblyAIEngine("k", "http://127.0.0.1:9")
    delays = [rt.first_check_delay_s]
    for _ in range(12):
        delays.append(rt.next_check_delay_s(delays[-1]))
    assert delays[:3] == [1.0, 1.5, 2.25]
    assert delays == sorted(delays) and delays[-1] == 30.0
    # A check that started at 0 (a recovered job) still grows from the initial wait.
    assert rt.next_check_delay_s(0) == 1.5


def test_with_webhooks_checks_only_rescue_lost_ones() -> None:
    rt = runtime(webhook_fallback_s=600.0)
    rt.__dict__["engine"] = AssemblyAIEngine(
        "k", "http://127.0.0.1:9", webhook_url="https://x/webhooks/assemblyai", webhook_secret="s"
    )
    assert rt.first_check_delay_s == 600.0 and rt.next_check_delay_s(600.0) == 600.0
