"""Large transcript answers are gzipped for clients that take gzip (a 3-hour transcript is
about 3 MB of JSON), and the same document either way; small answers and clients that do
not take gzip get plain JSON."""

from __future__ import annotations

import gzip
import json

import httpx

from tests.helpers.accounts import signed_in_user
from tests.helpers.worker import Worker
from tests.integration.jobs.test_transcripts import finished_job

LONG = "".join(
    f"{'AB'[i % 2]}: Sentence number {i} of the long recording, with a few more words.\n"
    for i in range(400)
)


async def raw_get(url: str, headers: dict[str, str]) -> httpx.Response:
    """The answer's bytes as sent (httpx would decode gzip by itself)."""
    async with httpx.AsyncClient(timeout=30) as raw:
        async with raw.stream("GET", url, headers=headers) as response:
            response.raw_body = b"".join([chunk async for chunk in response.aiter_raw()])  # type: ignore[attr-defined]
            return response


async def test_a_large_transcript_is_gzipped_for_clients_that_take_it(
    client: httpx.AsyncClient, base_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, LONG)
    url = f"{base_url}/jobs/{job['id']}/transcript"

    plain = await raw_get(url, {**user.headers, "Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("application/json")
    document = json.loads(plain.raw_body)  # type: ignore[attr-defined]
    assert len(document["words"]) > 4000

    for accept in ("gzip", "br, gzip;q=0.8", "*"):
        packed = await raw_get(url, {**user.headers, "Accept-Encoding": accept})
        assert packed.headers["content-encoding"] == "gzip", accept
        assert "accept-encoding" in packed.headers["vary"].lower()
        body = packed.raw_body  # type: ignore[attr-defined]
        assert len(body) < len(plain.raw_body) / 4  # type: ignore[attr-defined]
        assert json.loads(gzip.decompress(body)) == document

    refused = await raw_get(url, {**user.headers, "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers

    # The same for an edit's answer and for the shared view.
    edited = await client.patch(
        f"/jobs/{job['id']}/transcript",
        json={"revision": 0, "edits": [{"start": 0, "end": 1, "text": "Phrase"}]},
        headers={**user.headers, "Accept-Encoding": "gzip"},
    )
    assert edited.status_code == 200 and edited.headers["content-encoding"] == "gzip"
    assert edited.json()["words"][0]["text"] == "Phrase"
    token = (await client.post(f"/jobs/{job['id']}/share", headers=user.headers)).json()["token"]
    shared = await raw_get(f"{base_url}/shared/{token}", {"Accept-Encoding": "gzip"})
    assert shared.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(shared.raw_body))["transcript"]["revision"] == 1  # type: ignore[attr-defined]


async def test_small_answers_stay_plain(
    client: httpx.AsyncClient, base_url: str, worker: Worker
) -> None:
    user = await signed_in_user(client)
    job = await finished_job(client, user, "A: Short.\n")
    small = await raw_get(
        f"{base_url}/jobs/{job['id']}/transcript", {**user.headers, "Accept-Encoding": "gzip"}
    )
    assert small.status_code == 200 and "content-encoding" not in small.headers
    assert json.loads(small.raw_body)["text"] == "Short."  # type: ignore[attr-defined]
