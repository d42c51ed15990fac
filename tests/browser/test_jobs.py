"""/app: upload (file chooser, drop, several files, refusals before upload) and the live job
list (statuses without a reload, search, status filter, cancel, delete, pages, Russian
plurals, a phone's width, axe-core)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from psycopg import sql

from tests.browser.helpers import LiveService, axe_violations, user_api, web_app_built
from tests.browser.shortcuts import SESSION_KEY, completed_job, login, storage_script
from tests.helpers.accounts import SignedInUser

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)

LIVE_TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True)
def patient_expectations() -> Iterator[None]:
    """Ten seconds for a page to show something: the machine is shared (other tests, a
    worker, PostgreSQL on two cores), and 5 s was sometimes not enough for a first render."""
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


def text_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/plain", "buffer": text.encode()}


def row(page: Page, filename: str) -> Locator:
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=filename, exact=True)
    )


def status_of(page: Page, filename: str) -> Locator:
    return row(page, filename).locator("[data-status]")


def expect_status(page: Page, filename: str, status: str) -> None:
    """The row of `filename` reaches `status` live; on a timeout the message says what the
    API says of it, so a missed event and a slow worker are told apart."""
    try:
        expect(status_of(page, filename)).to_have_attribute(
            "data-status", status, timeout=LIVE_TIMEOUT_MS
        )
    except AssertionError as error:
        server = page.evaluate(
            """async (name) => {
                const token = JSON.parse(localStorage.getItem("transcribe.session")).access_token;
                const answer = await fetch("/jobs?limit=100", {headers: {Authorization: `Bearer ${token}`}});
                return (await answer.json()).items
                    .filter((job) => job.filename === name)
                    .map((job) => [job.status, job.updated_at]);
            }""",
            filename,
        )
        raise AssertionError(f"{error}\nGET /jobs says of {filename}: {server}") from None


def jobs_of_one_upload(live_url: str, user: SignedInUser, count: int, filename: str) -> list[dict]:
    """`count` jobs on one uploaded text, made over the API (fast: one upload)."""
    content = b"A: Hello from a page of jobs."
    with user_api(live_url, user) as http:
        signed = http.post(
            "/files/presign",
            json={"filename": filename, "size": len(content), "content_type": "text/plain"},
        ).json()
        put = httpx.put(signed["upload_url"], content=content, headers=signed["headers"])
        assert put.status_code in (200, 201), put.text
        assert (
            http.post("/files/complete", json={"object_key": signed["object_key"]}).status_code
            == 200
        )
        jobs = []
        for _ in range(count):
            created = http.post(
                "/jobs", json={"object_key": signed["object_key"], "language": "en", "mode": "mono"}
            )
            assert created.status_code == 201, created.text
            jobs.append(created.json())
        return jobs


def set_job(service: LiveService, job_id: str, **values: Any) -> None:
    """Put a job in a state the stub engine passes through too fast to see."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in values
    )
    statement = sql.SQL(
        "UPDATE transcription_jobs SET {}, updated_at = now() WHERE id = %(id)s"
    ).format(assignments)
    with psycopg.connect(service.database_url, autocommit=True) as conn:
        conn.execute(statement, {**values, "id": job_id})


def mark_page(page: Page) -> None:
    page.evaluate("() => { window.__notReloaded = true; }")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded"


def test_upload_with_the_file_chooser_and_watch_it_complete_live(app: Page) -> None:
    app.goto("/app?lang=en")
    expect(app.get_by_role("heading", name="No transcripts yet")).to_be_visible()
    assert axe_violations(app) == []
    mark_page(app)

    app.get_by_label("Media file").set_input_files(
        text_file("interview.txt", "A: Hello there.\nB: Good morning to you.")
    )
    app.get_by_label("Language", exact=True).select_option("en")
    app.get_by_label("Mode", exact=True).select_option("dialogue")
    app.get_by_label("Speakers expected").fill("2")
    app.get_by_label("Key terms").fill("Transcribe, morning")
    app.get_by_role("button", name="Transcribe").click()

    bar = app.get_by_role("progressbar", name="Upload of interview.txt")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=LIVE_TIMEOUT_MS)
    expect_status(app, "interview.txt", "completed")
    expect(status_of(app, "interview.txt")).to_have_text("Done")
    expect(app.get_by_text("1 transcript", exact=True)).to_be_visible()
    assert_not_reloaded(app)
    assert axe_violations(app) == []

    # The language and mode are remembered for the next visit; the name links to the job.
    app.goto("/app?lang=en")
    expect(app.get_by_label("Language", exact=True)).to_have_value("en")
    expect(app.get_by_label("Mode", exact=True)).to_have_value("dialogue")
    app.get_by_role("link", name="interview.txt", exact=True).click()
    expect(app).to_have_url(re.compile(r"/app/jobs/[0-9a-f-]{36}$"))


def test_upload_by_drop_with_a_hover_state(app: Page) -> None:
    app.goto("/app?lang=en")
    zone = app.get_by_test_id("drop-zone")
    expect(zone).to_be_visible()
    mark_page(app)
    transfer = app.evaluate_handle(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["A: Dropped words."], "dropped.txt", {type: "text/plain"}));
            return transfer;
        }"""
    )
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(zone).to_have_class(re.compile(r"\bdragging\b"))
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone).not_to_have_class(re.compile(r"\bdragging\b"))
    expect(app.get_by_text("1 file ready to transcribe")).to_be_visible()
    app.get_by_role("button", name="Transcribe").click()
    expect_status(app, "dropped.txt", "completed")
    assert_not_reloaded(app)


def test_two_files_at_once(app: Page) -> None:
    app.goto("/app?lang=en")
    mark_page(app)
    app.get_by_label("Media file").set_input_files(
        [text_file("first.txt", "The first file."), text_file("second.txt", "The second file.")]
    )
    app.get_by_label("Mode", exact=True).select_option("mono")
    app.get_by_role("button", name="Transcribe").click()
    for name in ("first.txt", "second.txt"):
        expect(app.get_by_role("progressbar", name=f"Upload of {name}")).to_have_attribute(
            "aria-valuenow", "100", timeout=LIVE_TIMEOUT_MS
        )
        expect_status(app, name, "completed")
    expect(app.get_by_text("2 transcripts", exact=True)).to_be_visible()
    assert_not_reloaded(app)


def test_a_wrong_type_or_too_large_file_is_refused_before_upload(app: Page, live_url: str) -> None:
    engine = httpx.get(f"{live_url}/engine").json()
    assert engine["name"] == "stub"
    limit = 1024  # this page's engine says 1 KiB, so a small file is too large
    app.route(
        "**/engine",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({**engine, "max_upload_bytes": limit}),
        ),
    )
    presigns: list[str] = []
    app.on("request", lambda r: presigns.append(r.url) if "/files/presign" in r.url else None)
    app.goto("/app?lang=en")

    app.get_by_label("Media file").set_input_files(
        [
            {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"},
            text_file("long.txt", "word " * 400),
            text_file("fine.txt", "A short one."),
        ]
    )
    refusal = app.get_by_role("alert").filter(has_text="contract.pdf")
    expect(refusal).to_contain_text("application/pdf is not an audio, video or plain-text file")
    expect(refusal).to_contain_text("“long.txt” was not added: it is larger than the 1 kB limit")
    expect(app.get_by_text("1 file ready to transcribe")).to_be_visible()
    expect(app.get_by_role("button", name="Remove fine.txt")).to_be_visible()
    assert presigns == []
    assert axe_violations(app) == []

    # The one that passed uploads; the refused ones never left the browser.
    app.get_by_role("button", name="Transcribe").click()
    expect_status(app, "fine.txt", "completed")
    assert len(presigns) == 1
    expect(row(app, "contract.pdf")).to_have_count(0)


def test_dialogue_is_offered_only_when_the_engine_tells_speakers_apart(
    app: Page, live_url: str
) -> None:
    engine = httpx.get(f"{live_url}/engine").json()
    app.route(
        "**/engine",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(
                {**engine, "name": "local", "diarization": False, "languages": ["en", "ru"]}
            ),
        ),
    )
    app.goto("/app?lang=en")
    mode = app.get_by_label("Mode", exact=True)
    expect(mode.locator("option[value=dialogue]")).to_be_disabled()
    expect(mode).to_have_accessible_description(re.compile("cannot tell speakers apart"))
    expect(app.get_by_label("Speakers expected")).to_have_count(0)
    language = app.get_by_label("Language", exact=True)
    assert language.locator("option").evaluate_all("os => os.map(o => [o.value, o.text])") == [
        ["auto", "Detect automatically"],
        ["en", "English"],
        ["ru", "Russian"],
    ]
    # A text file is not media for a real engine.
    app.get_by_label("Media file").set_input_files(text_file("notes.txt", "Words."))
    expect(app.get_by_role("alert")).to_contain_text("text/plain is not an audio or video file")


def test_an_upload_error_shows_the_apis_message_and_the_others_go_on(app: Page) -> None:
    def refuse_one(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("filename") == "refused.txt":
            route.fulfill(
                status=429,
                content_type="application/json",
                body=json.dumps({"status_code": 429, "detail": "Too many uploads waiting"}),
            )
        else:
            route.continue_()

    app.route("**/files/presign", refuse_one)
    app.goto("/app?lang=en")
    app.get_by_label("Media file").set_input_files(
        [text_file("refused.txt", "No."), text_file("accepted.txt", "Yes.")]
    )
    app.get_by_role("button", name="Transcribe").click()
    expect(app.get_by_role("alert").filter(has_text="refused.txt")).to_contain_text(
        "Too many uploads waiting"
    )
    expect_status(app, "accepted.txt", "completed")
    expect(row(app, "refused.txt")).to_have_count(0)


def test_cancel_an_upload_then_try_again(app: Page) -> None:
    held: list[Any] = []
    app.route("**/files/upload/**", lambda route: held.append(route))  # never answered
    app.goto("/app?lang=en")
    app.get_by_label("Media file").set_input_files(text_file("slow.txt", "Slow words."))
    app.get_by_role("button", name="Transcribe").click()
    expect(app.get_by_text("Uploading…")).to_be_visible()
    app.get_by_role("button", name="Cancel slow.txt").click()
    expect(app.get_by_text("Upload cancelled.")).to_be_visible()
    expect(row(app, "slow.txt")).to_have_count(0)  # no job was started

    app.unroute("**/files/upload/**")
    app.get_by_role("button", name="Try again slow.txt").click()
    expect_status(app, "slow.txt", "completed")


def test_without_the_event_stream_the_list_polls(app: Page) -> None:
    app.route("**/events", lambda route: route.abort())
    app.goto("/app?lang=en")
    mark_page(app)
    app.get_by_label("Media file").set_input_files(text_file("polled.txt", "Polled words."))
    app.get_by_role("button", name="Transcribe").click()
    expect_status(app, "polled.txt", "completed")
    assert_not_reloaded(app)


def test_search_finds_a_word_of_a_transcript_and_keeps_it_in_the_address(
    app: Page, live_url: str, user: SignedInUser
) -> None:
    completed_job(
        live_url,
        user.token,
        "We talked about a pineapple harvest.",
        filename="alpha.txt",
        mode="mono",
    )
    completed_job(
        live_url, user.token, "Mountains and rivers only.", filename="beta.txt", mode="mono"
    )
    app.goto("/app?lang=en")
    expect(row(app, "alpha.txt")).to_be_visible()
    expect(row(app, "beta.txt")).to_be_visible()

    app.get_by_role("searchbox", name="Search").fill("pineapple")
    expect(row(app, "beta.txt")).to_have_count(0)
    expect(row(app, "alpha.txt")).to_contain_text("matched in the transcript")
    expect(app.get_by_text("1 transcript", exact=True)).to_be_visible()
    assert parse_qs(urlsplit(app.url).query)["q"] == ["pineapple"]

    app.reload()
    expect(app.get_by_role("searchbox", name="Search")).to_have_value("pineapple")
    expect(row(app, "alpha.txt")).to_be_visible()
    expect(row(app, "beta.txt")).to_have_count(0)

    app.get_by_role("searchbox", name="Search").fill("beta")
    expect(row(app, "beta.txt")).to_contain_text("matched in the file name")
    expect(row(app, "alpha.txt")).to_have_count(0)

    app.get_by_role("searchbox", name="Search").fill("zebra")
    expect(app.get_by_text("Nothing matches “zebra”.")).to_be_visible()
    expect(app.get_by_role("listitem").filter(has=app.locator("[data-status]"))).to_have_count(0)


def test_status_filter_and_a_failed_jobs_message(
    app: Page, live_url: str, user: SignedInUser, live_service: LiveService
) -> None:
    done = completed_job(live_url, user.token, "All good.", filename="good.txt", mode="mono")
    broken = completed_job(live_url, user.token, "Not so good.", filename="broken.txt", mode="mono")
    set_job(
        live_service,
        broken["id"],
        status="failed",
        error_message="The recording has no audio track",
    )
    app.goto("/app?lang=en")
    expect(row(app, "broken.txt")).to_contain_text("The recording has no audio track")
    expect(status_of(app, "broken.txt")).to_have_attribute("data-status", "failed")
    expect(status_of(app, "good.txt")).to_have_attribute("data-status", "completed")

    app.get_by_label("Status", exact=True).select_option("failed")
    expect(row(app, done["filename"])).to_have_count(0)
    expect(row(app, "broken.txt")).to_be_visible()
    assert parse_qs(urlsplit(app.url).query)["status"] == ["failed"]

    app.get_by_label("Status", exact=True).select_option("completed")
    expect(row(app, "broken.txt")).to_have_count(0)
    expect(row(app, "good.txt")).to_be_visible()

    app.get_by_label("Status", exact=True).select_option("cancelled")
    expect(app.get_by_text("No transcripts have this status.")).to_be_visible()
    app.get_by_role("button", name="Show all transcripts").click()
    expect(row(app, "good.txt")).to_be_visible()
    expect(row(app, "broken.txt")).to_be_visible()


def test_delete_and_cancel_ask_first(
    app: Page, live_url: str, user: SignedInUser, live_service: LiveService
) -> None:
    gone = completed_job(live_url, user.token, "Delete me.", filename="old.txt", mode="mono")
    kept = completed_job(live_url, user.token, "Keep me.", filename="kept.txt", mode="mono")
    running = completed_job(
        live_url, user.token, "Still going.", filename="running.txt", mode="mono"
    )
    set_job(live_service, running["id"], status="processing", progress=40, completed_at=None)
    app.goto("/app?lang=en")
    expect(app.get_by_text("3 transcripts", exact=True)).to_be_visible()

    # Processing: its progress, and a Cancel that leaves it in the list as cancelled.
    progress = row(app, "running.txt").get_by_role("progressbar", name="Transcription progress")
    expect(progress).to_have_attribute("aria-valuenow", "40")
    expect(row(app, "kept.txt").get_by_role("button", name="Cancel")).to_have_count(0)
    row(app, "running.txt").get_by_role("button", name="Cancel running.txt").click()
    dialog = app.get_by_role("dialog", name="Stop this transcription?")
    expect(dialog).to_be_visible()
    assert axe_violations(app) == []
    dialog.get_by_role("button", name="Stop transcription").click()
    expect(dialog).to_be_hidden()
    expect(status_of(app, "running.txt")).to_have_attribute("data-status", "cancelled")

    # Delete: the dialog's "Keep it" changes nothing; its "Delete" removes the row.
    row(app, "old.txt").get_by_role("button", name="Delete old.txt").click()
    dialog = app.get_by_role("dialog", name="Delete this transcript?")
    expect(dialog).to_contain_text("old.txt")
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    expect(row(app, "old.txt")).to_be_visible()

    row(app, "old.txt").get_by_role("button", name="Delete old.txt").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(row(app, "old.txt")).to_have_count(0)
    expect(row(app, "kept.txt")).to_be_visible()
    expect(app.get_by_text("2 transcripts", exact=True)).to_be_visible()
    with user_api(live_url, user) as http:
        assert http.get(f"/jobs/{gone['id']}").status_code == 404
        assert http.get(f"/jobs/{kept['id']}").status_code == 200
        assert http.get(f"/jobs/{running['id']}").json()["status"] == "cancelled"


def test_pages_of_jobs_in_the_address(app: Page, live_url: str, user: SignedInUser) -> None:
    jobs_of_one_upload(live_url, user, 23, "many.txt")
    requests: list[str] = []
    app.on("request", lambda r: requests.append(r.url) if urlsplit(r.url).path == "/jobs" else None)
    app.goto("/app?lang=en")
    expect(app.get_by_text("23 transcripts", exact=True)).to_be_visible()
    items = app.get_by_role("listitem").filter(has=app.locator("[data-status]"))
    expect(items).to_have_count(20)
    assert all(parse_qs(urlsplit(url).query).get("limit") == ["20"] for url in requests)

    pages = app.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("Page 1 of 2")
    expect(pages.get_by_role("button", name="Previous")).to_be_disabled()
    pages.get_by_role("button", name="Next").click()
    expect(items).to_have_count(3)
    expect(pages).to_contain_text("Page 2 of 2")
    assert parse_qs(urlsplit(app.url).query)["page"] == ["2"]
    assert any(parse_qs(urlsplit(url).query).get("offset") == ["20"] for url in requests)

    app.reload()
    expect(pages).to_contain_text("Page 2 of 2")
    expect(items).to_have_count(3)
    app.go_back()  # page 1, from the history
    expect(items).to_have_count(20)


@pytest.fixture
def russian_page(browser: Browser, live_url: str, user: SignedInUser) -> Iterator[Page]:
    context = browser.new_context(base_url=live_url, locale="ru-RU")
    context.add_init_script(
        storage_script({SESSION_KEY: login(live_url, user.email, user.password)})
    )
    page = context.new_page()
    yield page
    context.close()


def test_russian_plurals_on_the_count(
    russian_page: Page, live_url: str, user: SignedInUser
) -> None:
    page = russian_page
    jobs_of_one_upload(live_url, user, 1, "one.txt")
    page.goto("/app?lang=ru")
    expect(page.get_by_role("heading", name="Ваши расшифровки")).to_be_visible()
    expect(page.get_by_text("1 расшифровка", exact=True)).to_be_visible()
    # New jobs arrive live and the count follows, in Russian's plural forms.
    jobs_of_one_upload(live_url, user, 2, "two.txt")
    expect(page.get_by_text("3 расшифровки", exact=True)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    jobs_of_one_upload(live_url, user, 2, "three.txt")
    expect(page.get_by_text("5 расшифровок", exact=True)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Расшифровать")).to_be_visible()
    language = page.get_by_label("Язык", exact=True)
    expect(language.locator("option[value=ru]")).to_have_text("Русский")
    expect(language.locator("option[value=en]")).to_have_text("Английский")


def test_a_phone_has_no_horizontal_scroll(app: Page, live_url: str, user: SignedInUser) -> None:
    app.set_viewport_size({"width": 390, "height": 844})
    app.goto("/app?lang=en")
    expect(app.get_by_role("heading", name="No transcripts yet")).to_be_visible()
    assert app.evaluate("() => document.documentElement.scrollWidth") <= 390

    completed_job(
        live_url,
        user.token,
        "A: Hi.",
        filename="a-very-long-file-name-of-a-meeting-recording-from-the-quarterly-review-2025.txt",
    )
    app.reload()
    name = "a-very-long-file-name-of-a-meeting-recording-from-the-quarterly-review-2025.txt"
    expect(status_of(app, name)).to_have_attribute("data-status", "completed")
    app.get_by_label("Media file").set_input_files(text_file("phone.txt", "Phone words."))
    app.get_by_role("button", name="Transcribe").click()
    expect_status(app, "phone.txt", "completed")
    assert app.evaluate("() => document.documentElement.scrollWidth") <= 390
    # Stacked: the drop zone above the options, not beside them.
    zone = app.get_by_test_id("drop-zone").bounding_box()
    language = app.get_by_label("Language", exact=True).bounding_box()
    assert zone and language and language["y"] > zone["y"] + zone["height"]
    assert axe_violations(app) == []
