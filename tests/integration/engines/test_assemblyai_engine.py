"""The AssemblyAI engine, through the real SDK, against the fake provider on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from tests.helpers.fake_assemblyai import FALLBACK_TEXT, FakeAssemblyAI, run_fake_assemblyai
from tests.helpers.server import serve
from transcribe.engines import (
    AudioSource,
    EngineRequest,
    PermanentEngineError,
    TransientEngineError,
    get_engine,
)
from transcribe.engines.assemblyai import AssemblyAIEngine
from transcribe.settings import Settings


@pytest.fixture(autouse=True)
def clean_fake(fake: FakeAssemblyAI) -> None:
    fake.faults.clear()
    fake.release_all()
    fake.next_error = None


def engine_for(
    fake: FakeAssemblyAI, api_key: str | None = None, timeout_s: float = 5
) -> AssemblyAIEngine:
    return AssemblyAIEngine(
        api_key or fake.api_key,
        fake.base_url,
        timeout_s=timeout_s,
        poll_initial_s=0.05,
        poll_max_s=0.2,
    )


def audio(content: bytes, url: str | None = None) -> AudioSource:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), 7):  # many small chunks: really streamed
            yield content[start : start + 7]

    return AudioSource(
        filename="a.wav", content_type="audio/wav", size=len(content), url=url, open_stream=chunks
    )


class Submissions:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.accepted = asyncio.Event()

    async def __call__(self, provider_job_id: str) -> None:
        self.ids.append(provider_job_id)
        self.accepted.set()


async def test_mono_upload_path(fake: FakeAssemblyAI) -> None:
    submitted = Submissions()
    uploads_before = fake.requests["POST /v2/upload"]
    result = await engine_for(fake).transcribe(
        EngineRequest(audio(b"Hello  from the\nfake provider."), "en", "mono"),
        provider_job_id=None,
        on_submitted=submitted,
    )
    assert result.text == "Hello from the fake provider."
    assert result.utterances is None and result.detected_language == "en"
    assert result.audio_duration_s == 1.0
    assert len(submitted.ids) == 1 and submitted.ids[0] in fake.transcripts
    assert fake.requests["POST /v2/upload"] == uploads_before + 1
    assert fake.transcripts[submitted.ids[0]].request["language_code"] == "en"


async def test_dialogue_sets_speaker_labels(fake: FakeAssemblyAI) -> None:
    submitted = Submissions()
    result = await engine_for(fake).transcribe(
        EngineRequest(audio(b"A: Hi.\nB: Hello!\nA: Bye."), "de", "dialogue"),
        provider_job_id=None,
        on_submitted=submitted,
    )
    assert [(u.speaker, u.text) for u in result.utterances] == [
        ("A", "Hi."),
        ("B", "Hello!"),
        ("A", "Bye."),
    ]
    assert result.utterances[1].start_ms == 1000
    assert fake.transcripts[submitted.ids[0]].request["speaker_labels"] is True


async def test_auto_language_uses_detection(fake: FakeAssemblyAI) -> None:
    submitted = Submissions()
    result = await engine_for(fake).transcribe(
        EngineRequest(audio(b"[lang=de] Guten Tag"), "auto", "mono"),
        provider_job_id=None,
        on_submitted=submitted,
    )
    request = fake.transcripts[submitted.ids[0]].request
    assert request.get("language_detection") is True and "language_code" not in request
    assert result.detected_language == "de" and result.text == "Guten Tag"


async def test_url_path_makes_the_provider_fetch_it(fake: FakeAssemblyAI) -> None:
    from litestar import Litestar, get

    @get("/audio.wav", media_type="audio/wav")
    async def audio_file() -> bytes:
        return b"served over http"

    uploads_before = fake.requests["POST /v2/upload"]
    with serve(Litestar([audio_file])) as base:
        result = await engine_for(fake).transcribe(
            EngineRequest(audio(b"unused", url=f"{base}/audio.wav"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )
    assert result.text == "served over http"
    assert fake.requests["POST /v2/upload"] == uploads_before  # nothing uploaded


async def test_binary_audio_gets_the_providers_words(fake: FakeAssemblyAI) -> None:
    result = await engine_for(fake).transcribe(
        EngineRequest(audio(bytes(range(256))), "en", "mono"),
        provider_job_id=None,
        on_submitted=Submissions(),
    )
    assert result.text == FALLBACK_TEXT


async def test_resuming_does_not_submit_again(fake: FakeAssemblyAI) -> None:
    fake.hold_new = True
    submitted = Submissions()
    engine = engine_for(fake)
    first = asyncio.create_task(
        engine.transcribe(
            EngineRequest(audio(b"only once"), "en", "mono"),
            provider_job_id=None,
            on_submitted=submitted,
        )
    )
    await asyncio.wait_for(submitted.accepted.wait(), 10)
    first.cancel()  # the worker died while waiting
    created = fake.created
    fake.release_all()
    again = Submissions()
    result = await engine_for(fake).transcribe(
        EngineRequest(audio(b"only once"), "en", "mono"),
        provider_job_id=submitted.ids[0],
        on_submitted=again,
    )
    assert result.text == "only once"
    assert fake.created == created and again.ids == []


async def test_error_status_is_permanent_with_the_providers_message(fake: FakeAssemblyAI) -> None:
    fake.error_next_transcript("File does not appear to contain audio.")
    with pytest.raises(PermanentEngineError, match="does not appear to contain audio"):
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"silence"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_server_errors_on_submit_are_transient(fake: FakeAssemblyAI, status: int) -> None:
    fake.fail_next("POST", "/v2/transcript", status)
    with pytest.raises(TransientEngineError):
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"try later"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


async def test_a_few_failed_polls_are_ridden_out(fake: FakeAssemblyAI) -> None:
    fake.fail_next("GET", "/v2/transcript/", 502, times=3)
    result = await engine_for(fake).transcribe(
        EngineRequest(audio(b"patience"), "en", "mono"),
        provider_job_id=None,
        on_submitted=Submissions(),
    )
    assert result.text == "patience"


async def test_polls_failing_for_long_hand_the_job_back(fake: FakeAssemblyAI) -> None:
    fake.fail_next("GET", "/v2/transcript/", 500, times=50)
    with pytest.raises(TransientEngineError):
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"down"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


async def test_bad_key_is_permanent(fake: FakeAssemblyAI) -> None:
    with pytest.raises(PermanentEngineError, match="credentials"):
        await engine_for(fake, api_key="wrong").transcribe(
            EngineRequest(audio(b"x"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


async def test_bad_request_is_permanent(fake: FakeAssemblyAI) -> None:
    fake.fail_next("POST", "/v2/transcript", 400)
    with pytest.raises(PermanentEngineError, match="refused"):
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"x"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


async def test_slow_provider_times_out_as_transient(fake: FakeAssemblyAI) -> None:
    fake.delay_next("POST", "/v2/transcript", 3)
    with pytest.raises(TransientEngineError):
        await engine_for(fake, timeout_s=0.5).transcribe(
            EngineRequest(audio(b"slow"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


async def test_unreachable_provider_is_transient() -> None:
    from tests.helpers.server import free_port

    engine = AssemblyAIEngine("k", f"http://127.0.0.1:{free_port()}", timeout_s=1)
    with pytest.raises(TransientEngineError):
        await engine.transcribe(
            EngineRequest(audio(b"x"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )


async def test_cancel_deletes_the_transcript(fake: FakeAssemblyAI) -> None:
    fake.hold_new = True
    submitted = Submissions()
    task = asyncio.create_task(
        engine_for(fake).transcribe(
            EngineRequest(audio(b"stop"), "en", "mono"),
            provider_job_id=None,
            on_submitted=submitted,
        )
    )
    await asyncio.wait_for(submitted.accepted.wait(), 10)
    task.cancel()
    await engine_for(fake).cancel(submitted.ids[0])
    assert fake.transcripts[submitted.ids[0]].deleted


async def test_garbled_answer_is_transient(fake: FakeAssemblyAI) -> None:
    created = fake.created
    fake.fail_next("POST", "/v2/transcript", 200, body="<html>proxy says hi</html>")
    with pytest.raises(TransientEngineError, match="unreadable"):
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"x"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )
    assert fake.created == created


async def test_non_json_refusal_gives_users_one_plain_line(fake: FakeAssemblyAI) -> None:
    fake.fail_next("POST", "/v2/transcript", 422, body="<html>\n<b>nope</b>\n</html>")
    with pytest.raises(PermanentEngineError) as raised:
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"x"), "en", "mono"),
            provider_job_id=None,
            on_submitted=Submissions(),
        )
    message = str(raised.value)
    assert "(422)" in message and "\n" not in message and "Request" not in message


async def test_resuming_a_transcript_the_provider_lost_is_permanent(fake: FakeAssemblyAI) -> None:
    submitted = Submissions()
    with pytest.raises(PermanentEngineError, match="404"):
        await engine_for(fake).transcribe(
            EngineRequest(audio(b"x"), "en", "mono"),
            provider_job_id="no-such-transcript",
            on_submitted=submitted,
        )
    assert submitted.ids == []


async def test_polls_stop_at_completion(fake: FakeAssemblyAI) -> None:
    submitted = Submissions()
    await engine_for(fake).transcribe(
        EngineRequest(audio(b"counted"), "en", "mono"),
        provider_job_id=None,
        on_submitted=submitted,
    )
    # queued on creation, processing at the first poll, completed at the second
    assert fake.transcripts[submitted.ids[0]].polls == fake.polls_until_done


async def test_polling_backs_off_while_processing(fake: FakeAssemblyAI) -> None:
    fake.hold_new = True
    submitted = Submissions()
    engine = AssemblyAIEngine(fake.api_key, fake.base_url, poll_initial_s=0.02, poll_max_s=0.3)
    task = asyncio.create_task(
        engine.transcribe(
            EngineRequest(audio(b"held"), "en", "mono"),
            provider_job_id=None,
            on_submitted=submitted,
        )
    )
    await asyncio.wait_for(submitted.accepted.wait(), 10)
    await asyncio.sleep(1.5)
    polls = fake.transcripts[submitted.ids[0]].polls
    # A fixed 0.02 s interval would poll ~75 times; growing to 0.3 s it is about a dozen.
    assert 3 <= polls <= 20
    fake.release(submitted.ids[0])
    result = await asyncio.wait_for(task, 10)
    assert result.text == "held"


async def test_engines_do_not_share_settings(fake: FakeAssemblyAI) -> None:
    with run_fake_assemblyai(api_key="second-key") as other:
        first, second = engine_for(fake), engine_for(other)
        texts = await asyncio.gather(
            *(
                engine.transcribe(
                    EngineRequest(audio(content), "en", "mono"),
                    provider_job_id=None,
                    on_submitted=Submissions(),
                )
                for engine, content in ((first, b"to the first"), (second, b"to the second"))
            )
        )
        assert [t.text for t in texts] == ["to the first", "to the second"]
        assert other.created == 1 and other.uploaded == 1


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
