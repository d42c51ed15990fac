"""The AssemblyAI engine, through the real SDK, against the fake provider on loopback.

`start` submits and returns; `check` is one status request. `run` below drives both the
way the worker's tasks do, without the queue in between.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.fake_assemblyai import (
    DETECTION_CONFIDENCE,
    FALLBACK_TEXT,
    FakeAssemblyAI,
    run_fake_assemblyai,
)
from tests.helpers.server import serve
from transcribe.engines import (
    AudioSource,
    EngineRequest,
    EngineResult,
    Finished,
    PermanentEngineError,
    Submitted,
    TransientEngineError,
    Working,
    get_engine,
)
from transcribe.engines.assemblyai import WEBHOOK_SECRET_HEADER, AssemblyAIEngine
from transcribe.settings import Settings


@pytest.fixture(autouse=True)
def clean_fake(fake: FakeAssemblyAI) -> None:
    fake.faults.clear()
    fake.release_all()
    fake.errors.clear()
    fake.complete_after_s = None


def engine_for(
    fake: FakeAssemblyAI, api_key: str | None = None, timeout_s: float = 5, **options: str
) -> AssemblyAIEngine:
    return AssemblyAIEngine(api_key or fake.api_key, fake.base_url, timeout_s=timeout_s, **options)


def audio(content: bytes, url: str | None = None) -> AudioSource:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), 7):  # many small chunks: really streamed
            yield content[start : start + 7]

    return AudioSource(
        filename="a.wav", content_type="audio/wav", size=len(content), url=url, open_stream=chunks
    )


class AudioUrls:
    """Records what the engine would have the worker save before it submits."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    async def __call__(self, url: str) -> None:
        self.urls.append(url)


async def submit(
    engine: AssemblyAIEngine, request: EngineRequest, urls: AudioUrls | None = None
) -> str:
    outcome = await engine.start(request, job_id="job-1", on_audio_url=urls or AudioUrls())
    assert isinstance(outcome, Submitted)
    return outcome.provider_job_id


async def finish(
    engine: AssemblyAIEngine, provider_job_id: str, timeout: float = 10
) -> EngineResult:
    deadline = time.monotonic() + timeout
    while True:
        state = await engine.check(provider_job_id)
        if isinstance(state, Finished):
            return state.result
        assert isinstance(state, Working)
        assert time.monotonic() < deadline, "the transcript never finished"
        await asyncio.sleep(0.02)


async def run(engine: AssemblyAIEngine, request: EngineRequest) -> tuple[EngineResult, str]:
    provider_job_id = await submit(engine, request)
    return await finish(engine, provider_job_id), provider_job_id


async def test_mono_upload_path(fake: FakeAssemblyAI) -> None:
    uploads_before = fake.requests["POST /v2/upload"]
    urls = AudioUrls()
    engine = engine_for(fake)
    provider_job_id = await submit(
        engine, EngineRequest(audio(b"Hello  from the\nfake provider."), "en", "mono"), urls
    )
    assert provider_job_id in fake.transcripts
    # The upload URL was handed over before the submission, and is what was submitted.
    assert urls.urls == [fake.transcripts[provider_job_id].request["audio_url"]]
    result = await finish(engine, provider_job_id)
    assert result.text == "Hello from the fake provider."
    assert result.utterances is None and result.detected_language == "en"
    assert result.audio_duration_s == 1.0
    assert fake.requests["POST /v2/upload"] == uploads_before + 1
    assert fake.transcripts[provider_job_id].request["language_code"] == "en"
    assert "webhook_url" not in fake.transcripts[provider_job_id].request


async def test_one_check_is_one_status_request(fake: FakeAssemblyAI) -> None:
    engine = engine_for(fake)
    provider_job_id = await submit(engine, EngineRequest(audio(b"counted"), "en", "mono"))
    before = fake.requests["GET /v2/transcript/{id}"]
    fake.hold_new = False
    fake.transcripts[provider_job_id].held = True
    assert isinstance(await engine.check(provider_job_id), Working)
    assert fake.requests["GET /v2/transcript/{id}"] == before + 1
    fake.release(provider_job_id)


async def test_dialogue_sets_speaker_labels(fake: FakeAssemblyAI) -> None:
    result, provider_job_id = await run(
        engine_for(fake), EngineRequest(audio(b"A: Hi.\nB: Hello!\nA: Bye."), "de", "dialogue")
    )
    assert [(u.speaker, u.text) for u in result.utterances] == [
        ("A", "Hi."),
        ("B", "Hello!"),
        ("A", "Bye."),
    ]
    assert result.utterances[1].start_ms == 1000
    assert fake.transcripts[provider_job_id].request["speaker_labels"] is True


async def test_auto_language_uses_detection(fake: FakeAssemblyAI) -> None:
    result, provider_job_id = await run(
        engine_for(fake), EngineRequest(audio(b"[lang=de] Guten Tag"), "auto", "mono")
    )
    request = fake.transcripts[provider_job_id].request
    assert request.get("language_detection") is True and "language_code" not in request
    assert result.detected_language == "de" and result.text == "Guten Tag"
    assert result.language_confidence == DETECTION_CONFIDENCE


async def test_auto_language_reports_the_providers_confidence(fake: FakeAssemblyAI) -> None:
    result, _ = await run(
        engine_for(fake), EngineRequest(audio(b"[lang=ru 0.42] Privet"), "auto", "mono")
    )
    assert (result.detected_language, result.language_confidence) == ("ru", 0.42)
    given, _ = await run(engine_for(fake), EngineRequest(audio(b"Hi"), "en", "mono"))
    assert given.detected_language == "en" and given.language_confidence is None


async def test_webhook_url_and_secret_ride_with_the_submission(fake: FakeAssemblyAI) -> None:
    fake.hold_new = True
    engine = engine_for(
        fake, webhook_url="https://api.example.com/webhooks/assemblyai", webhook_secret="s3cret"
    )
    outcome = await engine.start(
        EngineRequest(audio(b"call me"), "en", "mono"), job_id="4f1c", on_audio_url=AudioUrls()
    )
    request = fake.transcripts[outcome.provider_job_id].request
    assert request["webhook_url"] == "https://api.example.com/webhooks/assemblyai?job_id=4f1c"
    assert request["webhook_auth_header_name"] == WEBHOOK_SECRET_HEADER
    assert request["webhook_auth_header_value"] == "s3cret"
    assert engine.uses_webhooks and not engine_for(fake).uses_webhooks


async def test_a_lost_answer_is_found_among_recent_transcripts(fake: FakeAssemblyAI) -> None:
    """The provider accepts, the answer never arrives; the retry finds the job by its URL."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    for filler in range(3):  # other jobs of the account, newer and older
        await submit(engine_for(fake), EngineRequest(audio(b"other %d" % filler), "en", "mono"))
    fake.accept_then_drop_next(seconds=3)
    urls = AudioUrls()
    created = fake.created
    with pytest.raises(TransientEngineError):
        await submit(
            engine_for(fake, timeout_s=0.5), EngineRequest(audio(b"lost"), "en", "mono"), urls
        )
    assert fake.created == created + 1  # the provider has it
    for filler in range(3):
        await submit(engine_for(fake), EngineRequest(audio(b"later %d" % filler), "en", "mono"))
    found = await engine_for(fake).find_submission(urls.urls[0], since=since)
    assert found is not None and fake.transcripts[found].audio == b"lost"
    assert await engine_for(fake).find_submission("https://nowhere/else", since=since) is None


async def test_finding_pages_back_through_the_list(fake: FakeAssemblyAI) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    urls = AudioUrls()
    await submit(engine_for(fake), EngineRequest(audio(b"deep in the list"), "en", "mono"), urls)
    template = next(iter(fake.transcripts.values()))
    for filler in range(120):  # more than one page of 100 above it
        key = f"filler-{filler}-{time.time()}"
        fake.transcripts[key] = dataclasses.replace(
            template, id=key, request={"audio_url": "x"}, created_at=time.time()
        )
    found = await engine_for(fake).find_submission(urls.urls[0], since=since)
    assert found is not None and fake.transcripts[found].audio == b"deep in the list"


async def test_a_failed_status_request_is_transient(fake: FakeAssemblyAI) -> None:
    engine = engine_for(fake)
    provider_job_id = await submit(engine, EngineRequest(audio(b"patience"), "en", "mono"))
    fake.fail_next("GET", "/v2/transcript/", 502)
    with pytest.raises(TransientEngineError):
        await engine.check(provider_job_id)
    assert (await finish(engine, provider_job_id)).text == "patience"


async def test_cancel_deletes_the_transcript(fake: FakeAssemblyAI) -> None:
    fake.hold_new = True
    provider_job_id = await submit(engine_for(fake), EngineRequest(audio(b"stop"), "en", "mono"))
    await engine_for(fake).cancel(provider_job_id)
    assert fake.transcripts[provider_job_id].deleted


async def test_checking_a_transcript_the_provider_lost_is_permanent(fake: FakeAssemblyAI) -> None:
    with pytest.raises(PermanentEngineError, match="404"):
        await engine_for(fake).check("no-such-transcript")


async def test_engines_do_not_share_settings(fake: FakeAssemblyAI) -> None:
    with run_fake_assemblyai(api_key="second-key") as other:
        first, second = engine_for(fake), engine_for(other)
        results = await asyncio.gather(
            *(
                run(engine, EngineRequest(audio(content), "en", "mono"))
                for engine, content in ((first, b"to the first"), (second, b"to the second"))
            )
        )
        assert [r.text for r, _ in results] == ["to the first", "to the second"]
        assert other.created == 1 and other.uploaded == 1


async def test_url_path_makes_the_provider_fetch_it(fake: FakeAssemblyAI) -> None:
    from litestar import Litestar, get

    @get("/audio.wav", media_type="audio/wav")
    async def audio_file() -> bytes:
        return b"served over http"

    uploads_before = fake.requests["POST /v2/upload"]
    with serve(Litestar([audio_file])) as base:
        result, _ = await run(
            engine_for(fake), EngineRequest(audio(b"unused", url=f"{base}/audio.wav"), "en", "mono")
        )
    assert result.text == "served over http"
    assert fake.requests["POST /v2/upload"] == uploads_before  # nothing uploaded


async def test_binary_audio_gets_the_providers_words(fake: FakeAssemblyAI) -> None:
    result, _ = await run(engine_for(fake), EngineRequest(audio(bytes(range(256))), "en", "mono"))
    assert result.text == FALLBACK_TEXT


async def test_error_status_is_permanent_with_the_providers_message(fake: FakeAssemblyAI) -> None:
    fake.error_transcript_of(b"silence", "File does not appear to contain audio.")
    with pytest.raises(PermanentEngineError, match="does not appear to contain audio"):
        await run(engine_for(fake), EngineRequest(audio(b"silence"), "en", "mono"))


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_server_errors_on_submit_are_transient(fake: FakeAssemblyAI, status: int) -> None:
    fake.fail_next("POST", "/v2/transcript", status)
    with pytest.raises(TransientEngineError):
        await run(engine_for(fake), EngineRequest(audio(b"try later"), "en", "mono"))


async def test_bad_key_is_permanent(fake: FakeAssemblyAI) -> None:
    with pytest.raises(PermanentEngineError, match="credentials"):
        await run(engine_for(fake, api_key="wrong"), EngineRequest(audio(b"x"), "en", "mono"))


async def test_bad_request_is_permanent(fake: FakeAssemblyAI) -> None:
    fake.fail_next("POST", "/v2/transcript", 400)
    with pytest.raises(PermanentEngineError, match="refused"):
        await run(engine_for(fake), EngineRequest(audio(b"x"), "en", "mono"))


async def test_slow_provider_times_out_as_transient(fake: FakeAssemblyAI) -> None:
    fake.delay_next("POST", "/v2/transcript", 3)
    with pytest.raises(TransientEngineError):
        await run(engine_for(fake, timeout_s=0.5), EngineRequest(audio(b"slow"), "en", "mono"))


async def test_unreachable_provider_is_transient() -> None:
    from tests.helpers.server import free_port

    engine = AssemblyAIEngine("k", f"http://127.0.0.1:{free_port()}", timeout_s=1)
    with pytest.raises(TransientEngineError):
        await run(engine, EngineRequest(audio(b"x"), "en", "mono"))


async def test_garbled_answer_is_transient(fake: FakeAssemblyAI) -> None:
    created = fake.created
    fake.fail_next("POST", "/v2/transcript", 200, body="<html>proxy says hi</html>")
    with pytest.raises(TransientEngineError, match="unreadable"):
        await run(engine_for(fake), EngineRequest(audio(b"x"), "en", "mono"))
    assert fake.created == created


async def test_non_json_refusal_gives_users_one_plain_line(fake: FakeAssemblyAI) -> None:
    fake.fail_next("POST", "/v2/transcript", 422, body="<html>\n<b>nope</b>\n</html>")
    with pytest.raises(PermanentEngineError) as raised:
        await run(engine_for(fake), EngineRequest(audio(b"x"), "en", "mono"))
    message = str(raised.value)
    assert "(422)" in message and "\n" not in message and "Request" not in message


def test_get_engine_follows_settings(settings: Settings, fake: FakeAssemblyAI) -> None:
    stub = dataclasses.replace(settings.transcription, backend="stub")
    assert get_engine(dataclasses.replace(settings, transcription=stub)).name == "stub"
    real = dataclasses.replace(
        settings.transcription,
        backend="assemblyai",
        assemblyai_api_key=fake.api_key,
        assemblyai_base_url=fake.base_url,
    )
    engine = get_engine(dataclasses.replace(settings, transcription=real))
    assert engine.name == "assemblyai" and "en" in engine.supported_languages
