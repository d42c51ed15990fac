"""Uploading media the way a client does: presign, PUT to the URL, complete."""

from __future__ import annotations

import httpx

from tests.helpers.accounts import SignedInUser


async def upload_file(
    client: httpx.AsyncClient,
    user: SignedInUser,
    content: bytes,
    filename: str = "talk.txt",
    content_type: str = "text/plain",
) -> str:
    presigned = await client.post(
        "/files/presign",
        json={"filename": filename, "size": len(content), "content_type": content_type},
        headers=user.headers,
    )
    assert presigned.status_code == 201, presigned.text
    body = presigned.json()
    async with httpx.AsyncClient(timeout=60) as raw:  # no Authorization: the URL is the key
        put = await raw.request(
            body["method"], body["upload_url"], content=content, headers=body["headers"]
        )
    assert put.status_code in (200, 201), put.text
    done = await client.post(
        "/files/complete", json={"object_key": body["object_key"]}, headers=user.headers
    )
    assert done.status_code == 200, done.text
    return body["object_key"]
