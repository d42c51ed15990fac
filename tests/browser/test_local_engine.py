"""Real speech through the web app and the offline engine: a second live service whose worker
runs faster-whisper with the bundled English model (TRANSCRIPTION_BACKEND=local). A person
signs up, uploads a WAV of espeak-ng English through the page's file input, watches the job
complete in the list without a reload, opens it, finds the spoken words, and a click on a
word moves the player to that word's start."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest

pytest.importorskip("faster_whisper", reason="faster-whisper (the `local` extra) is not installed")

import jiwer
from playwright.sync_api import Browser, expect

from tests.browser import helpers
from tests.helpers import speech
from tests.helpers.accounts import unique_email

pytestmark = pytest.mark.skipif(
    not helpers.web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)

SPOKEN = " ".join(speech.SENTENCES)
# The tiny model on two shared cores: some seconds of work, plus loading the model.
TRANSCRIBED_WITHIN_MS = 240_000

# Where the player's seeks land (ms), noted as each completes: a playing player moves on, and
# a page slowed by a busy machine may look at it only seconds later.
NOTE_SEEKS = """() => {
  const m = document.querySelector("audio, video");
  window.__seeks = [];
  m.addEventListener("seeked", () => window.__seeks.push(m.currentTime * 1000));
}"""
# A seek landed at `start` ms (or just past it, if the player was already playing again).
SEEKED_TO = """start => window.__seeks.some(at => at >= start - 5 && at < start + 1000)"""


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


@pytest.fixture(scope="module")
def local_service() -> Iterator[helpers.LiveService]:
    """The live service of the other browser tests, with the offline engine in its worker."""
    original = helpers._environment

    def local(*args: object) -> dict[str, str]:
        return {**original(*args), "TRANSCRIPTION_BACKEND": "local"}  # type: ignore[arg-type]

    with ExitStack() as stack:
        with mock.patch.object(helpers, "_environment", local):  # only while it starts
            service = stack.enter_context(helpers.live_service())
        yield service


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; .ci/run does)")
    return speech.speak(SPOKEN, tmp_path_factory.mktemp("speech") / "four-sentences.wav")


def test_real_speech_is_transcribed_live_and_its_words_seek_the_player(
    browser: Browser, local_service: helpers.LiveService, spoken_wav: Path
) -> None:
    context = browser.new_context(base_url=local_service.url, locale="en-US")
    page = context.new_page()
    try:
        page.goto("/register")
        page.get_by_role("textbox", name="Email").fill(unique_email())
        page.get_by_label("Password", exact=True).fill(helpers.PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page).to_have_url(re.compile(r"/app$"))

        page.get_by_label("Media file").set_input_files(spoken_wav)
        page.get_by_role("combobox", name="Language", exact=True).select_option("en")
        page.evaluate("window.__sameDocument = true")
        page.get_by_role("button", name="Transcribe").click()

        row = page.locator("li", has=page.locator("[data-status]")).filter(
            has=page.get_by_role("link", name=spoken_wav.name)
        )
        status = row.locator("[data-status]")
        expect(status).to_have_attribute(
            "data-status", re.compile("completed|failed"), timeout=TRANSCRIBED_WITHIN_MS
        )
        assert status.get_attribute("data-status") == "completed", row.inner_text()
        assert page.evaluate("window.__sameDocument") is True  # live: no reload

        row.get_by_role("link", name=spoken_wav.name).click()
        words = page.locator("[data-start-ms]")
        expect(words.first).to_be_visible()
        heard = " ".join(words.all_inner_texts())
        error = jiwer.wer(normalised(SPOKEN), normalised(heard))
        assert error < 0.3, f"word error rate {error:.2f}: {heard!r}"

        word = words.nth(words.count() // 2)
        start = int(word.get_attribute("data-start-ms") or "")
        assert start > 0
        page.evaluate(NOTE_SEEKS)
        word.click()
        page.wait_for_function(SEEKED_TO, arg=start)
    finally:
        context.close()
