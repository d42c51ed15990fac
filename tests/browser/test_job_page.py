"""/app/jobs/{id}: the player and the transcript synced to it (click-to-seek, the playing word
marked and moving, speed, keyboard shortcuts that stay quiet while typing), speakers renamed
into the SRT, edits into the TXT and search, a conflicting edit from a second page, restoring
the recognised text, a recording deleted under retention, a 30,000-word transcript kept to a
few hundred word nodes, axe-core and the dark theme."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import srt
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.helpers import LiveService, axe_violations, user_api, web_app_built
from tests.browser.shortcuts import (
    completed_job,
    give_recording,
    silent_wav,
)
from tests.helpers.accounts import SignedInUser

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)

DIALOGUE = (
    "A: Hello there and welcome to the weekly meeting about our transcription service.\n"
    "B: Thanks for having me, it is good to be here today.\n"
    "A: Let us talk about speakers, subtitles and sharing links.\n"
    "B: Sounds like a plan to me.\n"
)
RECORDING_S = 40  # longer than the stub's timings of DIALOGUE (about 20 s)


@pytest.fixture
def job(live_service: LiveService, user: SignedInUser, tmp_path: Path) -> dict[str, Any]:
    """A completed dialogue job whose recording is a playable WAV."""
    made = completed_job(live_service.url, user.token, DIALOGUE, filename="meeting.txt")
    wav = silent_wav(tmp_path / "meeting.wav", RECORDING_S)
    give_recording(live_service.database_url, live_service.storage_dir, made, wav, "audio/wav")
    return made


def transcript(live_url: str, user: SignedInUser, job_id: str) -> dict[str, Any]:
    with user_api(live_url, user) as http:
        answer = http.get(f"/jobs/{job_id}/transcript")
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_job(page: Page, job_id: str) -> None:
    page.goto(f"/app/jobs/{job_id}")
    expect(page.locator("[data-start-ms]").first).to_be_visible()


def media_ready(page: Page) -> None:
    page.wait_for_function("() => document.querySelector('audio')?.readyState >= 1")


def word(page: Page, text: str) -> Locator:
    return page.locator("[data-start-ms]", has_text=re.compile(rf"^{re.escape(text)}$")).first


def current_time(page: Page) -> float:
    return page.evaluate("() => document.querySelector('audio').currentTime")


def paused(page: Page) -> bool:
    return page.evaluate("() => document.querySelector('audio').paused")


def blur(page: Page) -> None:
    page.evaluate("() => document.activeElement?.blur()")


def download_text(page: Page, button: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).click()
    path = info.value.path()
    return Path(path).read_text(encoding="utf-8")


def speakers(page: Page) -> Locator:
    return page.get_by_role("region", name="Speakers")


def test_header_words_and_click_to_seek(
    app: Page, job: dict[str, Any], live_url: str, user: SignedInUser
) -> None:
    document = transcript(live_url, user, job["id"])
    open_job(app, job["id"])
    expect(app.get_by_role("heading", name="meeting.txt", level=1)).to_be_visible()
    expect(app.locator("header [data-status]")).to_have_attribute("data-status", "completed")
    expect(app.get_by_text("Dialogue", exact=True)).to_be_visible()
    expect(app.locator("audio")).to_have_count(1)
    expect(app.locator("video")).to_have_count(0)

    # Every word, with the API's times (a short transcript is rendered whole).
    words = app.locator("[data-start-ms]")
    expect(words).to_have_count(len(document["words"]))
    assert words.nth(7).get_attribute("data-start-ms") == str(document["words"][7]["start_ms"])
    assert words.nth(7).get_attribute("data-end-ms") == str(document["words"][7]["end_ms"])
    # Turns: a header per speaker turn, with the default names.
    expect(app.get_by_text("Speaker A", exact=True).first).to_be_visible()
    expect(app.get_by_text("Speaker B", exact=True).first).to_be_visible()

    media_ready(app)
    target = word(app, "subtitles")
    start_ms = int(target.get_attribute("data-start-ms") or "")
    assert start_ms > 0
    target.click()
    app.wait_for_function(
        "ms => Math.abs(document.querySelector('audio').currentTime - ms / 1000) < 0.05",
        arg=start_ms,
    )
    expect(target).to_have_attribute("aria-current", "true")
    assert paused(app)  # a click seeks; it does not start a paused player

    app.get_by_role("link", name="Back to the list").click()
    expect(app).to_have_url(re.compile(r"/app$"))


def test_playing_moves_the_highlight_speed_and_shortcuts(app: Page, job: dict[str, Any]) -> None:
    open_job(app, job["id"])
    media_ready(app)
    app.evaluate(
        "() => { const a = document.querySelector('audio'); a.muted = true; return a.play(); }"
    )
    first = app.locator('[aria-current="true"]')
    expect(first).to_have_count(1)
    start = int(first.get_attribute("data-start-ms") or "0")
    # The marked word moves forward as it plays, one word at a time.
    app.wait_for_function(
        """ms => {
            const marked = document.querySelectorAll('[aria-current="true"]');
            return marked.length === 1 && Number(marked[0].dataset.startMs) > ms + 1000;
        }""",
        arg=start,
        timeout=15_000,
    )

    speed = app.get_by_role("combobox", name="Speed")
    speed.select_option("1.5")
    assert app.evaluate("() => document.querySelector('audio').playbackRate") == 1.5
    app.keyboard.press("Escape")
    blur(app)
    app.keyboard.press("<")
    assert app.evaluate("() => document.querySelector('audio').playbackRate") == 1.25
    expect(speed).to_have_value("1.25")

    # Space toggles the player...
    blur(app)
    assert not paused(app)
    app.keyboard.press("Space")
    app.wait_for_function("() => document.querySelector('audio').paused")
    at = current_time(app)
    app.keyboard.press("j")
    assert current_time(app) == pytest.approx(max(0.0, at - 5), abs=0.05)
    app.keyboard.press("Space")
    app.wait_for_function("() => !document.querySelector('audio').paused")

    # ...but not while typing a speaker's name.
    speakers(app).get_by_role("button", name="Rename speaker A").click()
    name = app.get_by_role("textbox", name="Speaker name")
    expect(name).to_be_focused()
    name.press_sequentially("Ada Lovelace jk")
    expect(name).to_have_value("Ada Lovelace jk")
    assert not paused(app)
    app.get_by_role("button", name="Cancel").click()


def test_a_renamed_speaker_is_in_the_srt(app: Page, job: dict[str, Any]) -> None:
    open_job(app, job["id"])
    speakers(app).get_by_role("button", name="Rename speaker A").click()
    app.get_by_role("textbox", name="Speaker name").fill("Alice")
    speakers(app).get_by_role("button", name="Save").click()
    expect(app.locator(".turn-speaker", has_text="Alice").first).to_be_visible()
    expect(speakers(app).get_by_text("Alice", exact=True)).to_be_visible()

    cues = list(srt.parse(download_text(app, "SRT")))
    assert cues, "no subtitles"
    assert cues[0].content.startswith("Alice"), cues[0].content
    assert any("Speaker B" in cue.content for cue in cues)
    # The other formats download too.
    assert "Alice" in download_text(app, "TXT")
    assert download_text(app, "VTT").startswith("WEBVTT")


def test_an_edit_reaches_the_txt_and_search(
    app: Page, job: dict[str, Any], live_url: str, user: SignedInUser
) -> None:
    original = transcript(live_url, user, job["id"])
    assert original["words"][6]["text"] == "weekly"
    open_job(app, job["id"])
    app.get_by_role("button", name="Edit transcript").click()
    first = app.get_by_role("textbox", name="Paragraph 1, Speaker A")
    expect(first).to_have_value(re.compile(r"^Hello there and welcome to the weekly meeting"))
    first.fill(first.input_value().replace("weekly", "quokkaville"))
    app.get_by_role("button", name="Save", exact=True).click()
    expect(app.get_by_text("Your changes are saved.")).to_be_visible()
    edited = word(app, "quokkaville")
    expect(edited).to_be_visible()
    # The new word has the time of the word it replaced, and every other word its own.
    edited_doc = transcript(live_url, user, job["id"])
    assert edited_doc["revision"] == 1
    assert edited_doc["words"][6]["text"] == "quokkaville"
    assert [(w["start_ms"], w["end_ms"]) for w in edited_doc["words"]] == [
        (w["start_ms"], w["end_ms"]) for w in original["words"]
    ]
    expect(edited).to_have_attribute("data-start-ms", str(original["words"][6]["start_ms"]))

    assert "quokkaville meeting" in download_text(app, "TXT")
    with user_api(live_url, user) as http:
        found = http.get("/jobs", params={"q": "quokkaville"}).json()
    assert [item["id"] for item in found["items"]] == [job["id"]]

    # Restore the recognised text, after a confirmation.
    app.get_by_role("button", name="Restore the recognised text").click()
    dialog = app.get_by_role("dialog", name="Restore the recognised text?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Restore", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(word(app, "weekly")).to_be_visible()
    expect(app.locator("[data-start-ms]", has_text="quokkaville")).to_have_count(0)
    assert "weekly meeting" in download_text(app, "TXT")


def test_a_conflicting_edit_from_a_second_page_is_refused(app: Page, job: dict[str, Any]) -> None:
    context: BrowserContext = app.context
    second = context.new_page()
    for page in (app, second):
        open_job(page, job["id"])
        page.get_by_role("button", name="Edit transcript").click()
    app.get_by_role("textbox", name="Paragraph 2, Speaker B").fill("Thanks for having me here.")
    app.get_by_role("button", name="Save", exact=True).click()
    expect(app.get_by_text("Your changes are saved.")).to_be_visible()

    mine = "Thanks a lot for having me, truly."
    second.get_by_role("textbox", name="Paragraph 2, Speaker B").fill(mine)
    second.get_by_role("button", name="Save", exact=True).click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("changed elsewhere")
    # The unsaved text stays on screen, to copy.
    expect(alert.get_by_role("textbox", name="Your unsaved text")).to_have_value(mine)
    expect(second.get_by_role("textbox", name="Paragraph 2, Speaker B")).to_have_value(mine)
    alert.get_by_role("button", name="Reload the transcript").click()
    expect(word(second, "here.")).to_be_visible()
    second.close()


def test_deleted_media_leaves_the_transcript(app: Page, live_url: str, user: SignedInUser) -> None:
    made = completed_job(live_url, user.token, "A: Words without a recording.", filename="gone.txt")
    with user_api(live_url, user) as http:
        assert http.delete(f"/files/{made['object_key']}").status_code == 204
    open_job(app, made["id"])
    expect(app.get_by_text("deleted under the retention policy")).to_be_visible()
    expect(app.locator("audio")).to_have_count(0)
    expect(word(app, "recording.")).to_be_visible()


def test_a_job_completes_on_the_page_without_a_reload(
    app: Page, live_url: str, user: SignedInUser
) -> None:
    content = b"A: It arrives live."
    with user_api(live_url, user) as http:
        signed = http.post(
            "/files/presign",
            json={"filename": "live.txt", "size": len(content), "content_type": "text/plain"},
        ).json()
        assert httpx.put(
            signed["upload_url"], content=content, headers=signed["headers"]
        ).status_code in (200, 201)
        assert (
            http.post("/files/complete", json={"object_key": signed["object_key"]}).status_code
            == 200
        )
        created = http.post(
            "/jobs", json={"object_key": signed["object_key"], "language": "en", "mode": "dialogue"}
        ).json()
    app.goto(f"/app/jobs/{created['id']}")
    expect(app.get_by_role("heading", name="live.txt")).to_be_visible()
    expect(app.locator("header [data-status]")).to_have_attribute(
        "data-status", "completed", timeout=30_000
    )
    expect(word(app, "live.")).to_be_visible()


def test_a_three_hour_transcript_stays_small_and_scrolls_to_the_end(
    app: Page, live_url: str, user: SignedInUser
) -> None:
    sentence = "this is sentence number {} of a very long lecture about many things."
    count = 0
    parts: list[str] = []
    i = 0
    while count < 30_000:
        text = sentence.format(i)
        parts.append(text)
        count += len(text.split())
        i += 1
    parts.append("finalword")
    made = completed_job(live_url, user.token, " ".join(parts), filename="lecture.txt", mode="mono")
    open_job(app, made["id"])
    expect(app.get_by_text(re.compile(r"30,0\d\d words"))).to_be_visible()
    nodes = app.locator("[data-start-ms]").count()
    assert 0 < nodes < 2_000, nodes

    region = app.get_by_role("region", name="Transcript")
    last = app.locator("[data-start-ms]", has_text="finalword")
    for _ in range(40):
        region.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        if last.count():
            break
        app.wait_for_timeout(100)  # the virtualiser measures what came into view
    region.scroll_into_view_if_needed()
    app.wait_for_function(
        """([box, word]) => {
            const outer = box.getBoundingClientRect(), inner = word.getBoundingClientRect();
            return inner.height > 0 && inner.top >= outer.top && inner.bottom <= outer.bottom;
        }""",
        arg=[region.element_handle(), last.element_handle()],
    )
    assert app.locator("[data-start-ms]").count() < 2_000
    # The stub's steady pace puts the last of 30,000 words past three hours.
    assert int(last.get_attribute("data-start-ms") or "0") > 3_000_000


def test_job_page_accessibility_and_dark_theme(app: Page, job: dict[str, Any]) -> None:
    open_job(app, job["id"])
    media_ready(app)
    assert axe_violations(app) == []
    app.get_by_role("button", name="Edit transcript").click()
    assert axe_violations(app) == []
    app.get_by_role("button", name="Cancel").click()

    background = app.evaluate("() => getComputedStyle(document.body).backgroundColor")
    app.get_by_role("button", name="Theme").click()
    expect(app.locator("body")).not_to_have_css("background-color", background)
    assert axe_violations(app) == []


def test_a_phone_has_no_horizontal_scroll(app: Page, job: dict[str, Any]) -> None:
    app.set_viewport_size({"width": 390, "height": 844})
    open_job(app, job["id"])
    assert app.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_seeking_far_brings_the_playing_word_into_view(
    app: Page, live_service: LiveService, user: SignedInUser, tmp_path: Path
) -> None:
    turn = "This is a somewhat longer turn with several words, to show how paragraphs wrap. "
    text = "\n".join(f"{'AB'[i % 2]}: {turn * (1 + i % 3)}" for i in range(40))
    made = completed_job(live_service.url, user.token, text, filename="long-talk.txt")
    wav = silent_wav(tmp_path / "long-talk.wav", 420)
    give_recording(live_service.database_url, live_service.storage_dir, made, wav, "audio/wav")
    words = transcript(live_service.url, user, made["id"])["words"]
    target = max(i for i, w in enumerate(words) if w["start_ms"] < 400_000)
    assert target > 500
    open_job(app, made["id"])
    media_ready(app)
    # Far past what is rendered: the list scrolls there and marks the word.
    expect(app.locator(f'[data-i="{target}"]')).to_have_count(0)
    app.evaluate(
        "ms => { document.querySelector('audio').currentTime = ms / 1000 + 0.01; }",
        words[target]["start_ms"],
    )
    marked = app.locator('[aria-current="true"]')
    expect(marked).to_have_attribute("data-i", str(target))
    region = app.get_by_role("region", name="Transcript")
    app.wait_for_function(
        """([box, word]) => {
            const outer = box.getBoundingClientRect(), inner = word.getBoundingClientRect();
            return inner.top >= outer.top && inner.bottom <= outer.bottom;
        }""",
        arg=[region.element_handle(), marked.element_handle()],
    )


def test_the_job_page_in_russian(app: Page, job: dict[str, Any]) -> None:
    app.goto(f"/app/jobs/{job['id']}?lang=ru")
    expect(app.get_by_role("button", name="Редактировать")).to_be_visible()
    expect(app.get_by_role("combobox", name="Скорость")).to_be_visible()
    expect(app.get_by_text(re.compile(r"^\d+ (слово|слова|слов)$"))).to_be_visible()
    count = app.locator("[data-start-ms]").count()
    form = (
        "слово"
        if count % 10 == 1 and count % 100 != 11
        else ("слова" if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14) else "слов")
    )
    expect(app.get_by_text(f"{count} {form}", exact=True)).to_be_visible()
    expect(app.get_by_role("button", name="Переименовать говорящего A")).to_be_visible()


def test_an_uncertain_detected_language_is_pointed_out(
    app: Page, live_service: LiveService, user: SignedInUser
) -> None:
    """The stub engine detects nothing: the job is given what an unsure detection leaves."""
    made = completed_job(
        live_service.url, user.token, "Privet vsem.", filename="unsure.txt", language="auto"
    )
    with psycopg.connect(live_service.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE transcription_jobs SET detected_language = 'ru', language_confidence = 0.42 "
            "WHERE id = %s",
            (made["id"],),
        )
    open_job(app, made["id"])
    note = app.get_by_role("note", name="Language detected: Russian (uncertain, 42%)")
    expect(note).to_be_visible()
    expect(note).to_contain_text("upload it again with its language chosen")
    expect(app.get_by_text("Russian (detected, 42% sure)", exact=True)).to_be_visible()
    assert axe_violations(app) == []
