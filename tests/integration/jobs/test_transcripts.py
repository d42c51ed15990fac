"""Transcripts people use, end to end through the API and a worker (stub engine): the
document, every download format read back by its own parser, speaker names, search."""

from __future__ import annotations

import io
import itertools
import json

import docx
import httpx
import pytest
import srt
import webvtt

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.jobs import wait_for_status
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker

DIALOGUE = (
    "A: Good morning, thanks for coming in today.\n"
    "B: Happy to be here. Where do we start?\n"
    "A: With the budget for the lighthouse project, which is late.\n"
    "C: Я могу рассказать о сроках поставки.\n"
)


async def finished_job(
    client: httpx.AsyncClient,
    user: SignedInUser,
    text: str,
    *,
    mode: str = "dialogue",
    filename: str = "board meeting.txt",
) -> dict:
    key = await upload_file(client, user, text.encode(), filename=filename)
    created = await client.post(
        "/jobs", json={"object_key": key, "language": "en", "mode": mode}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    job = await wait_for_status(client, user.headers, created.json()["id"], {"completed", "failed"})
    assert job["status"] == "completed", job
    return job


async def fetch(
    client: httpx.AsyncClient, user: SignedInUser, job_id: str, fmt: str
) -> httpx.Response:
    link = await client.get(
        f"/jobs/{job_id}/download", params={"format": fmt}, headers=user.headers
    )
    assert link.status_code == 200, link.text
    assert link.json()["format"] == fmt
    async with httpx.AsyncClient(timeout=30) as raw:
        response = await raw.get(link.json()["url"])
    assert response.status_code == 200, response.text
    return response


async def test_document_and_every_format(client: httpx.AsyncClient, worker: Worker) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, DIALOGUE)
    document = (await client.get(f"/jobs/{job['id']}/transcript", headers=user.headers)).json()
    assert document["job_id"] == job["id"]
    assert [u["speaker"] for u in document["utterances"]] == ["A", "B", "A", "C"]
    assert all(u["speaker_name"] is None for u in document["utterances"])
    words = document["words"]
    assert len(words) == len(" ".join(u["text"] for u in document["utterances"]).split())
    assert all(a["end_ms"] <= b["start_ms"] for a, b in itertools.pairwise(words))

    txt = (await fetch(client, user, job["id"], "txt")).text
    assert txt.splitlines()[0] == "Speaker A: Good morning, thanks for coming in today."

    response = await fetch(client, user, job["id"], "srt")
    assert 'filename="board meeting.srt"' in response.headers["content-disposition"]
    cues = list(srt.parse(response.text))
    assert cues[0].content.startswith("Speaker A: Good morning")
    assert any(c.content.startswith("Speaker C: Я могу") for c in cues)

    vtt = webvtt.from_buffer(io.StringIO((await fetch(client, user, job["id"], "vtt")).text))
    assert vtt.captions[0].text.split(":")[0] == "Speaker A"

    as_json = (await fetch(client, user, job["id"], "json")).json()
    assert as_json == document

    opened = docx.Document(io.BytesIO((await fetch(client, user, job["id"], "docx")).content))
    assert [p.text for p in opened.paragraphs] == txt.splitlines()


async def test_naming_speakers_shows_in_every_format(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, DIALOGUE)
    before = (await fetch(client, user, job["id"], "txt")).text  # rendered and cached
    named = await client.patch(
        f"/jobs/{job['id']}/speakers",
        json={"A": "Alice", "B": "  Bob\u202e\n "},
        headers=user.headers,
    )
    assert named.status_code == 200, named.text
    assert named.json()["speaker_names"] == {"A": "Alice", "B": "Bob"}
    after = (await fetch(client, user, job["id"], "txt")).text
    assert after != before and after.splitlines()[:2] == [
        "Alice: Good morning, thanks for coming in today.",
        "Bob: Happy to be here. Where do we start?",
    ]
    first_cue = next(srt.parse((await fetch(client, user, job["id"], "srt")).text))
    assert first_cue.content.startswith("Alice: ")
    vtt = (await fetch(client, user, job["id"], "vtt")).text
    assert "Bob: Happy" in vtt
    opened = docx.Document(io.BytesIO((await fetch(client, user, job["id"], "docx")).content))
    assert opened.paragraphs[2].text.startswith("Alice: ")
    document = (await client.get(f"/jobs/{job['id']}/transcript", headers=user.headers)).json()
    assert [u["speaker_name"] for u in document["utterances"]] == ["Alice", "Bob", "Alice", None]
    assert (await fetch(client, user, job["id"], "json")).json()["utterances"][1][
        "speaker_name"
    ] == "Bob"

    # A null removes a name; the others stay.
    removed = await client.patch(
        f"/jobs/{job['id']}/speakers", json={"B": None}, headers=user.headers
    )
    assert removed.json()["speaker_names"] == {"A": "Alice"}
    assert (
        (await fetch(client, user, job["id"], "txt")).text.splitlines()[1].startswith("Speaker B: ")
    )


@pytest.mark.parametrize(
    "body",
    [{"Z": "Zed"}, {"A": ""}, {"A": "   "}, {"A": "x" * 65}, {}, {"A": 5}, ["A"]],
)
async def test_bad_speaker_names_are_400_and_change_nothing(
    client: httpx.AsyncClient, worker: Worker, body: object
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, DIALOGUE)
    response = await client.patch(f"/jobs/{job['id']}/speakers", json=body, headers=user.headers)
    assert response.status_code == 400, response.text
    assert (await client.get(f"/jobs/{job['id']}", headers=user.headers)).json()[
        "speaker_names"
    ] == {}


async def test_transcripts_of_unfinished_or_foreign_jobs(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    owner, other = await signed_in_user(client), await signed_in_user(client)
    job = await finished_job(client, owner, DIALOGUE)
    for path in ("transcript", "download"):
        assert (
            await client.get(f"/jobs/{job['id']}/{path}", headers=other.headers)
        ).status_code == 404
    assert (
        await client.patch(f"/jobs/{job['id']}/speakers", json={"A": "x"}, headers=other.headers)
    ).status_code == 404
    bad = await client.get(
        f"/jobs/{job['id']}/download", params={"format": "pdf"}, headers=owner.headers
    )
    assert bad.status_code == 400 and "srt" in bad.json()["detail"]


async def test_search_finds_words_said_and_file_names(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user, other = await signed_in_user(client), await signed_in_user(client)
    lighthouse = await finished_job(client, user, DIALOGUE, filename="q3_board-review.txt")
    await finished_job(
        client, user, "We talked about the weather only.", mode="mono", filename="notes.txt"
    )
    russian = await finished_job(
        client, user, "Обсудили поставки маяка и бюджет.", mode="mono", filename="встреча.txt"
    )
    theirs = await finished_job(client, other, "The lighthouse budget again.", mode="mono")

    async def found(q: str, **params: str) -> list[str]:
        response = await client.get("/jobs", params={"q": q, **params}, headers=user.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return [job["id"] for job in body["items"]]

    assert await found("lighthouse") == [lighthouse["id"]]  # not the other user's
    assert theirs["id"] not in await found("budget")
    assert await found("LIGHTHOUSE budget") == [lighthouse["id"]]
    assert await found("board") == [lighthouse["id"]]  # a word of the file name
    assert await found("маяка") == [russian["id"]]
    assert set(await found("поставки")) == {russian["id"], lighthouse["id"]}
    assert await found("встреча") == [russian["id"]]
    assert await found("lighthouse", status="completed") == [lighthouse["id"]]
    assert await found("lighthouse", status="failed") == []
    assert await found("nothing-like-this-was-said") == []
    bad = await client.get("/jobs", params={"q": "x" * 201}, headers=user.headers)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("extra", "mode"),
    [
        ({"speakers_expected": 2}, "mono"),
        ({"speakers_expected": 0}, "dialogue"),
        ({"speakers_expected": 11}, "dialogue"),
        ({"keyterms": ["x"] * 101}, "mono"),
        ({"keyterms": ["   "]}, "mono"),
        ({"keyterms": ["a" * 101]}, "mono"),
        ({"keyterms": ["one two three four five six seven"]}, "mono"),
        ({"keyterms": "lighthouse"}, "mono"),
    ],
)
async def test_bad_hints_are_400(client: httpx.AsyncClient, extra: dict, mode: str) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"hints")
    response = await client.post(
        "/jobs",
        json={"object_key": key, "language": "en", "mode": mode, **extra},
        headers=user.headers,
    )
    assert response.status_code == 400, response.text
    assert (await client.get("/jobs", headers=user.headers)).json()["total"] == 0


async def test_engine_says_what_it_offers(client: httpx.AsyncClient) -> None:
    response = await client.get("/engine")  # no token needed
    assert response.status_code == 200
    engine = response.json()
    assert engine["name"] == "stub" and engine["diarization"] is True
    assert {"auto", "en", "ru"} <= set(engine["languages"])
    assert engine["formats"] == ["txt", "srt", "vtt", "json", "docx"]
    assert engine["max_upload_bytes"] > 0
    assert "/engine" in json.loads((await client.get("/schema/openapi.json")).text)["paths"]


EXPECTED_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED_TYPES))
async def test_signed_downloads_have_one_type_a_head_and_a_sandbox(
    client: httpx.AsyncClient, worker: Worker, fmt: str
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, DIALOGUE, filename="notes.html")
    got = await fetch(client, user, job["id"], fmt)
    assert got.headers["content-type"] == EXPECTED_TYPES[fmt]  # one charset, where it applies
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")
    link = (
        await client.get(
            f"/jobs/{job['id']}/download", params={"format": fmt}, headers=user.headers
        )
    ).json()["url"]
    async with httpx.AsyncClient(timeout=30) as raw:
        head = await raw.head(link)
        tampered = await raw.head(link.replace("signature=", "signature=x"))
    assert head.status_code == 200 and head.content == b""
    for header in (
        "content-type",
        "content-length",
        "content-disposition",
        "content-security-policy",
    ):
        assert head.headers[header] == got.headers[header], header
    assert int(head.headers["content-length"]) == len(got.content)
    assert tampered.status_code == 403


async def test_media_is_served_as_opaque_bytes_whatever_its_name(
    client: httpx.AsyncClient, settings
) -> None:
    """A user names their upload; the name never picks the type a browser sees: an upload is
    served (inline, for players) with the audio or video type presign accepted, sandboxed."""
    from transcribe.storage import get_storage

    user = await signed_in_user(client)
    page = b"<html><script>alert(document.cookie)</script></html>"
    key = await upload_file(client, user, page, filename="page.html", content_type="audio/mpeg")
    signed = await get_storage(settings).presign_get(key, expires_s=60)
    async with httpx.AsyncClient(timeout=30) as raw:
        served = await raw.get(signed.url)
    assert served.status_code == 200 and served.content == page
    assert served.headers["content-type"] == "audio/mpeg"
    assert served.headers["content-security-policy"] == "sandbox"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline;")
