"""Editing transcripts through the API, with a real worker (stub engine, whose words have
made-up but consistent timings): what edits keep, what they refuse, and that downloads,
search and speaker names follow them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import srt

from tests.helpers.accounts import SignedInUser, signed_in_user
from tests.helpers.uploads import upload_file
from tests.helpers.worker import Worker
from tests.integration.jobs.test_transcripts import DIALOGUE, fetch, finished_job


async def transcript(
    client: httpx.AsyncClient, user: SignedInUser, job_id: str, **params: str
) -> dict:
    response = await client.get(f"/jobs/{job_id}/transcript", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def edit(
    client: httpx.AsyncClient, user: SignedInUser, job_id: str, revision: int, *edits: dict
) -> httpx.Response:
    return await client.patch(
        f"/jobs/{job_id}/transcript",
        json={"revision": revision, "edits": list(edits)},
        headers=user.headers,
    )


def spans(document: dict) -> list[tuple[str, int, int]]:
    return [(w["text"], w["start_ms"], w["end_ms"]) for w in document["words"]]


# First in the module, before any test starts the worker: the job is still unfinished when
# it is cancelled.
async def test_edits_of_an_unfinished_job_are_409(client: httpx.AsyncClient) -> None:
    user = await signed_in_user(client)
    key = await upload_file(client, user, b"never finished")
    job = (
        await client.post(
            "/jobs",
            json={"object_key": key, "language": "en", "mode": "mono"},
            headers=user.headers,
        )
    ).json()
    assert (await client.delete(f"/jobs/{job['id']}", headers=user.headers)).status_code == 204
    patched = await edit(client, user, job["id"], 0, {"start": 0, "end": 0, "text": "x"})
    undone = await client.delete(f"/jobs/{job['id']}/transcript/edits", headers=user.headers)
    assert patched.status_code == undone.status_code == 409, (patched.text, undone.text)


async def test_a_correction_keeps_the_timings_and_the_recognised_version_stays(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, "Good morning everyone and welcome", mode="mono")
    before = await transcript(client, user, job["id"])
    assert before["revision"] == 0

    response = await edit(client, user, job["id"], 0, {"start": 1, "end": 2, "text": "evening"})
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["revision"] == 1
    assert after["text"] == "Good evening everyone and welcome"
    assert after["utterances"] == []
    assert spans(after) == [
        (w["text"] if i != 1 else "evening", w["start_ms"], w["end_ms"])
        for i, w in enumerate(before["words"])
    ]
    assert after["words"][0] == before["words"][0]  # confidence too
    assert after["words"][1]["confidence"] is None
    assert await transcript(client, user, job["id"]) == after
    assert await transcript(client, user, job["id"], version="current") == after
    assert await transcript(client, user, job["id"], version="recognised") == before
    assert (await fetch(client, user, job["id"], "json")).json() == after
    bad = await client.get(
        f"/jobs/{job['id']}/transcript", params={"version": "draft"}, headers=user.headers
    )
    assert bad.status_code == 400


async def test_insertion_deletion_and_edits_in_sequence(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, "the budget is late", mode="mono")
    recognised = await transcript(client, user, job["id"])
    words = recognised["words"]

    inserted = await edit(client, user, job["id"], 0, {"start": 3, "end": 3, "text": "very"})
    assert inserted.status_code == 200, inserted.text
    # "very" takes the silence between "is" and "late".
    gap = (words[2]["end_ms"], words[3]["start_ms"])
    assert gap[0] < gap[1]
    assert spans(inserted.json())[3] == ("very", *gap)
    assert inserted.json()["text"] == "the budget is very late"

    deleted = await edit(
        client,
        user,
        job["id"],
        1,
        {"start": 0, "end": 1, "text": ""},
        {"start": 4, "end": 5, "text": "late."},
    )
    assert deleted.status_code == 200, deleted.text
    document = deleted.json()
    assert document["revision"] == 2
    assert document["text"] == "budget is very late."
    assert spans(document)[0] == spans(recognised)[1]
    assert spans(document)[3][1:] == spans(recognised)[3][1:]

    # A client still holding revision 1 gets 409 and changes nothing.
    stale = await edit(client, user, job["id"], 1, {"start": 0, "end": 1, "text": "x"})
    assert stale.status_code == 409, stale.text
    assert "revision 2" in stale.json()["detail"]
    assert await transcript(client, user, job["id"]) == document


async def test_speaker_moves_rebuild_turns_and_new_speakers_can_be_named(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, DIALOGUE)
    before = await transcript(client, user, job["id"])
    first_turn = before["utterances"][0]["text"].split()
    last = len(first_turn) - 1  # "today." goes to a speaker nobody had: D

    response = await edit(
        client, user, job["id"], 0, {"start": last, "end": last + 1, "speaker": "D"}
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert spans(after) == spans(before)
    assert [(u["speaker"], u["text"]) for u in after["utterances"][:3]] == [
        ("A", " ".join(first_turn[:-1])),
        ("D", "today."),
        ("B", "Happy to be here. Where do we start?"),
    ]
    assert after["utterances"][1]["start_ms"] == after["words"][last]["start_ms"]
    assert after["utterances"][1]["end_ms"] == after["words"][last]["end_ms"]

    named = await client.patch(
        f"/jobs/{job['id']}/speakers", json={"D": "Dora"}, headers=user.headers
    )
    assert named.status_code == 200, named.text
    assert (await transcript(client, user, job["id"]))["utterances"][1]["speaker_name"] == "Dora"
    cues = list(srt.parse((await fetch(client, user, job["id"], "srt")).text))
    assert any(cue.content == "Dora: today." for cue in cues), [c.content for c in cues]
    txt = (await fetch(client, user, job["id"], "txt")).text
    assert txt.splitlines()[1] == "Dora: today."

    # Text and a new speaker in one edit; a label must look like one.
    both = await edit(
        client, user, job["id"], 1, {"start": 0, "end": 2, "text": "Hello", "speaker": "E"}
    )
    assert both.status_code == 200, both.text
    assert both.json()["utterances"][0] == {
        "speaker": "E",
        "speaker_name": None,
        "start_ms": before["words"][0]["start_ms"],
        "end_ms": before["words"][1]["end_ms"],
        "text": "Hello",
    }
    for label in ("alice", "", "ABCD", "A B"):
        bad = await edit(client, user, job["id"], 2, {"start": 0, "end": 1, "speaker": label})
        assert bad.status_code == 400, (label, bad.text)


async def test_undoing_edits_restores_the_recognised_words_as_a_new_revision(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, DIALOGUE)
    recognised = await transcript(client, user, job["id"])
    for revision in (0, 1):
        response = await edit(
            client, user, job["id"], revision, {"start": 0, "end": 1, "text": "Bad"}
        )
        assert response.status_code == 200, response.text

    undone = await client.delete(f"/jobs/{job['id']}/transcript/edits", headers=user.headers)
    assert undone.status_code == 200, undone.text
    assert undone.json() == {**recognised, "revision": 3}
    assert await transcript(client, user, job["id"]) == undone.json()
    assert (
        await edit(client, user, job["id"], 2, {"start": 0, "end": 1, "text": "x"})
    ).status_code == 409
    # Undoing again still moves the revision on, and editing goes on from there.
    again = await client.delete(f"/jobs/{job['id']}/transcript/edits", headers=user.headers)
    assert again.json()["revision"] == 4
    assert (
        await edit(client, user, job["id"], 4, {"start": 0, "end": 1, "text": "Good"})
    ).status_code == 200


async def test_downloads_and_search_follow_the_edits(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(
        client, user, "The zeppelin budget was approved", mode="mono", filename="memo.txt"
    )

    async def found(q: str) -> list[str]:
        response = await client.get("/jobs", params={"q": q}, headers=user.headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert (
        await fetch(client, user, job["id"], "txt")
    ).text == "The zeppelin budget was approved\n"
    assert await found("zeppelin") == [job["id"]]

    response = await edit(client, user, job["id"], 0, {"start": 1, "end": 2, "text": "lighthouse"})
    assert response.status_code == 200, response.text
    assert (
        await fetch(client, user, job["id"], "txt")
    ).text == "The lighthouse budget was approved\n"
    assert await found("zeppelin") == []
    assert await found("lighthouse") == [job["id"]]

    undone = await client.delete(f"/jobs/{job['id']}/transcript/edits", headers=user.headers)
    assert undone.status_code == 200
    assert (
        await fetch(client, user, job["id"], "txt")
    ).text == "The zeppelin budget was approved\n"
    assert await found("zeppelin") == [job["id"]]
    assert await found("lighthouse") == []


async def test_another_users_transcript_is_404(client: httpx.AsyncClient, worker: Worker) -> None:
    owner, other = await signed_in_user(client), await signed_in_user(client)
    job = await finished_job(client, owner, DIALOGUE)
    patched = await edit(client, other, job["id"], 0, {"start": 0, "end": 1, "text": "x"})
    undone = await client.delete(f"/jobs/{job['id']}/transcript/edits", headers=other.headers)
    recognised = await client.get(
        f"/jobs/{job['id']}/transcript", params={"version": "recognised"}, headers=other.headers
    )
    assert patched.status_code == undone.status_code == recognised.status_code == 404
    missing = "00000000-0000-7000-8000-000000000000"
    assert (
        await edit(client, owner, missing, 0, {"start": 0, "end": 0, "text": "x"})
    ).status_code == 404
    assert (await transcript(client, owner, job["id"]))["revision"] == 0


BAD_BODIES = [
    {"revision": 0, "edits": [{"start": 0, "end": 99, "text": "x"}]},  # past the words
    {"revision": 0, "edits": [{"start": 2, "end": 1, "text": "x"}]},  # start > end
    {"revision": 0, "edits": [{"start": -1, "end": 1, "text": "x"}]},
    {
        "revision": 0,
        "edits": [{"start": 0, "end": 2, "text": "x"}, {"start": 1, "end": 3, "text": "y"}],
    },
    {
        "revision": 0,
        "edits": [{"start": 1, "end": 1, "text": "x"}, {"start": 1, "end": 1, "text": "y"}],
    },
    {"revision": 0, "edits": [{"start": 0, "end": 1}]},  # neither text nor speaker
    {"revision": 0, "edits": [{"start": 0, "end": 1, "text": "x" * 10_001}]},
    {"revision": 0, "edits": [{"start": 0, "end": 1, "text": "a\u0007b"}]},
    {"revision": 0, "edits": [{"start": 0, "end": 1, "text": "a\u0000b"}]},
    {"revision": 0, "edits": [{"start": 0, "end": 1, "speaker": "B"}]},  # mono: no speakers
    {"revision": 0, "edits": [{"start": 0, "end": 0, "text": "x"}] * 1_001},
    {"revision": 0, "edits": []},
    {"revision": 0, "edits": [{"start": 0, "end": 1, "text": "x", "colour": "red"}]},
    {"edits": [{"start": 0, "end": 1, "text": "x"}]},
    [{"start": 0, "end": 1, "text": "x"}],
]


async def test_bad_edits_are_400_and_change_nothing(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, "one two three", mode="mono")
    before = await transcript(client, user, job["id"])
    for body in BAD_BODIES:
        response = await client.patch(
            f"/jobs/{job['id']}/transcript", json=body, headers=user.headers
        )
        assert response.status_code == 400, (body, response.text)
        assert response.json()["detail"]
    assert await transcript(client, user, job["id"]) == before
    assert (await fetch(client, user, job["id"], "txt")).text == "one two three\n"


async def test_edit_routes_are_documented(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    patch = paths["/jobs/{job_id}/transcript"]["patch"]
    undo = paths["/jobs/{job_id}/transcript/edits"]["delete"]
    assert {"200", "400", "404", "409"} <= set(patch["responses"])
    assert {"200", "404", "409"} <= set(undo["responses"])
    version = next(
        p for p in paths["/jobs/{job_id}/transcript"]["get"]["parameters"] if p["name"] == "version"
    )
    assert set(version["schema"]["enum"]) == {"current", "recognised"}


async def test_concurrent_edits_of_one_revision_one_wins(
    client: httpx.AsyncClient, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, "alpha beta gamma delta", mode="mono")
    answers = await asyncio.gather(
        *(
            edit(client, user, job["id"], 0, {"start": i, "end": i + 1, "text": f"word{i}"})
            for i in range(4)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    (winner,) = (a.json() for a in answers if a.status_code == 200)
    assert await transcript(client, user, job["id"]) == winner
    assert winner["revision"] == 1


async def test_stale_renders_go_and_deleting_the_job_removes_the_edits(
    client: httpx.AsyncClient, worker: Worker, storage_dir: Path
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, "one two three", mode="mono", filename="notes.txt")
    folder = storage_dir / "results" / user.id / job["id"]
    await fetch(client, user, job["id"], "txt")
    assert (folder / "plain" / "notes.txt").exists()

    response = await edit(client, user, job["id"], 0, {"start": 0, "end": 1, "text": "zero"})
    assert response.status_code == 200, response.text
    assert not (folder / "plain").exists()
    assert (folder / "transcript.json").exists() and (folder / "transcript.edited.json").exists()
    assert (await fetch(client, user, job["id"], "txt")).text == "zero two three\n"
    assert (folder / "r1-plain" / "notes.txt").exists()

    assert (await client.delete(f"/jobs/{job['id']}", headers=user.headers)).status_code == 204
    assert not folder.exists() or not any(folder.rglob("*"))
