"""/s/{token}: a job's share link opened with no account shows the player and the transcript
(read-only: click-to-seek, the playing word marked, speed); after "Stop sharing" the same link
says it does not exist. Made and revoked from the job page; axe-core on the share page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import LiveService, axe_violations, web_app_built
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

TEXT = (
    "A: Good morning everyone, this is the shared part of our interview.\n"
    "B: Thank you, I am glad the link works without an account.\n"
)
NOT_FOUND = "This link does not exist or has been revoked"


@pytest.fixture
def job(live_service: LiveService, user: SignedInUser, tmp_path: Path) -> dict[str, Any]:
    made = completed_job(live_service.url, user.token, TEXT, filename="interview.txt")
    wav = silent_wav(tmp_path / "interview.wav", 30)
    give_recording(live_service.database_url, live_service.storage_dir, made, wav, "audio/wav")
    made = {**made, "speaker_names": {"A": "Host"}}
    return made


def visitor(browser: Browser, live_url: str) -> Page:
    """A page in a fresh context: no session, nothing shared with the owner's."""
    context = browser.new_context(base_url=live_url, locale="en-US")
    return context.new_page()


def test_a_share_link_works_without_an_account_until_stopped(
    app: Page, browser: Browser, live_url: str, job: dict[str, Any]
) -> None:
    app.goto(f"/app/jobs/{job['id']}")
    expect(app.locator("[data-start-ms]").first).to_be_visible()
    # A name, to see that the share page shows the speakers' names.
    app.get_by_role("button", name="Rename speaker A").click()
    app.get_by_role("textbox", name="Speaker name").fill("Host")
    app.get_by_role("region", name="Speakers").get_by_role("button", name="Save").click()
    expect(app.locator(".turn-speaker", has_text="Host").first).to_be_visible()

    app.get_by_role("combobox", name="Link expires").select_option("7")
    app.get_by_role("button", name="Share", exact=True).click()
    link_box = app.get_by_role("textbox", name="Share link")
    expect(link_box).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]{16,}$"))
    expect(app.get_by_text(re.compile(r"The link works until"))).to_be_visible()
    url = link_box.input_value()
    app.context.grant_permissions(["clipboard-read", "clipboard-write"])
    app.get_by_role("button", name="Copy").click()
    expect(app.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert app.evaluate("() => navigator.clipboard.readText()") == url
    app.reload()  # the link made earlier is shown again
    expect(app.get_by_role("textbox", name="Share link")).to_have_value(url)

    guest = visitor(browser, live_url)
    try:
        guest.goto(url)
        expect(guest.get_by_role("heading", name="interview.txt", level=1)).to_be_visible()
        expect(guest.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(guest.get_by_role("button", name="Edit transcript")).to_have_count(0)
        expect(guest.locator(".turn-speaker", has_text="Host").first).to_be_visible()
        expect(guest.get_by_text("Speaker B", exact=True).first).to_be_visible()
        expect(guest.locator("audio")).to_have_count(1)  # the recording's own type: audio/wav
        expect(guest.locator("video")).to_have_count(0)
        guest.wait_for_function("() => document.querySelector('audio').readyState >= 1")

        target = guest.locator("[data-start-ms]", has_text=re.compile(r"^glad$"))
        start_ms = int(target.get_attribute("data-start-ms") or "")
        target.click()
        guest.wait_for_function(
            "ms => Math.abs(document.querySelector('audio').currentTime - ms / 1000) < 0.05",
            arg=start_ms,
        )
        guest.get_by_role("combobox", name="Speed").select_option("2")
        assert guest.evaluate("() => document.querySelector('audio').playbackRate") == 2
        guest.evaluate(
            "() => { const a = document.querySelector('audio'); a.muted = true; return a.play(); }"
        )
        guest.wait_for_function(
            """ms => {
                const marked = document.querySelectorAll('[aria-current="true"]');
                return marked.length === 1 && Number(marked[0].dataset.startMs) > ms;
            }""",
            arg=start_ms,
            timeout=15_000,
        )
        guest.evaluate("() => document.querySelector('audio').pause()")
        assert axe_violations(guest) == []

        app.get_by_role("button", name="Stop sharing").click()
        expect(app.get_by_text("Sharing stopped")).to_be_visible()
        guest.reload()
        expect(guest.get_by_text(NOT_FOUND)).to_be_visible()
        app.reload()
        expect(app.get_by_role("button", name="Share", exact=True)).to_be_visible()
        expect(app.get_by_role("textbox", name="Share link")).to_have_count(0)
        expect(guest.locator("[data-start-ms]")).to_have_count(0)
    finally:
        guest.context.close()


def test_an_unknown_link_says_so(browser: Browser, live_url: str) -> None:
    guest = visitor(browser, live_url)
    try:
        guest.goto("/s/no-such-token-at-all")
        expect(guest.get_by_role("alert")).to_have_text(NOT_FOUND + ".")
        assert axe_violations(guest) == []
    finally:
        guest.context.close()
