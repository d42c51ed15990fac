"""How a provider failure is judged: retry later (transient) or fail the job (permanent)."""

from __future__ import annotations

import assemblyai as aai
import httpx
import pytest

from transcribe.engines.assemblyai import _classify
from transcribe.engines.base import PermanentEngineError, TransientEngineError


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        TimeoutError(),
        aai.types.AssemblyAIError("busy", status_code=429),
        aai.types.AssemblyAIError("timeout", status_code=408),
        aai.types.AssemblyAIError("down", status_code=503),
        aai.types.AssemblyAIError("no status"),
        ValueError("Expecting value: line 1 column 1"),  # a proxy's HTML instead of JSON
    ],
)
def test_outages_are_transient(failure: BaseException) -> None:
    assert isinstance(_classify(failure, "submitting"), TransientEngineError)


def test_bad_credentials_are_permanent_and_say_who_must_act() -> None:
    judged = _classify(aai.types.AssemblyAIError("Unauthorized", status_code=401), "submitting")
    assert isinstance(judged, PermanentEngineError)
    assert "ASSEMBLYAI_API_KEY" in str(judged)


def test_a_refusal_is_permanent_with_the_providers_reason_in_one_line() -> None:
    refused = aai.types.AssemblyAIError(
        "Audio duration is too short.\nReason: {'error': ...}\n<Request ...>", status_code=400
    )
    judged = _classify(refused, "submitting")
    assert isinstance(judged, PermanentEngineError)
    assert "Audio duration is too short." in str(judged)
    assert "\n" not in str(judged) and "Reason" not in str(judged)


def test_anything_else_is_passed_on_unchanged() -> None:
    bug = RuntimeError("a bug of ours")
    assert _classify(bug, "checking") is bug
