"""The storage module against each real backend: local disk, memory, and S3 (rclone)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from transcribe.settings import Settings
from transcribe.storage import Storage, get_storage


@pytest.fixture(params=["local", "memory", "s3"])
def storage(request: pytest.FixtureRequest, settings: Settings) -> Storage:
    if request.param == "s3":
        return get_storage(request.getfixturevalue("s3_settings"))
    return get_storage(
        dataclasses.replace(
            settings, storage=dataclasses.replace(settings.storage, backend=request.param)
        )
    )


async def _chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for i in range(count):
        yield bytes([i % 256]) * size


async def test_streamed_write_read_head_delete(storage: Storage) -> None:
    key = f"tests/{storage.backend}/big.bin"
    written = await storage.write_stream(
        key, _chunks(9, 1 << 20)
    )  # crosses the multipart threshold
    assert written == 9 << 20
    assert (await storage.head(key)).size == 9 << 20
    total, first = 0, None
    async for chunk in storage.read_stream(key, chunk_size=1 << 20):
        first = first if first is not None else chunk[:1]
        total += len(chunk)
    assert total == 9 << 20 and first == b"\x00"
    await storage.delete(key)
    assert await storage.head(key) is None
    await storage.delete(key)  # deleting twice is fine


async def test_missing_object_has_no_head(storage: Storage) -> None:
    assert await storage.head("tests/nothing/here.bin") is None


async def test_only_s3_gives_the_provider_a_url(storage: Storage) -> None:
    await storage.put_bytes("tests/url.txt", b"fetch me", "text/plain")
    url = await storage.external_audio_url("tests/url.txt", expires_s=60)
    if storage.backend == "s3":
        async with httpx.AsyncClient() as http:
            assert (await http.get(url)).content == b"fetch me"
    else:
        assert url is None


async def test_s3_presigned_urls_are_checked_by_the_server(s3_settings: Settings) -> None:
    storage = get_storage(s3_settings)
    put = await storage.presign_put(
        "tests/s3/a.wav", size=4, content_type="audio/wav", expires_s=60
    )
    async with httpx.AsyncClient() as http:
        assert (await http.put(put.url, content=b"RIFF", headers=put.headers)).status_code == 200
        get = await storage.presign_get("tests/s3/a.wav", expires_s=60)
        assert (await http.get(get.url)).content == b"RIFF"
        tampered_sig = get.url.replace("X-Amz-Signature=", "X-Amz-Signature=f")
        assert (await http.get(tampered_sig)).status_code == 403
        other_key = get.url.replace("tests/s3/a.wav", "tests/s3/b.wav")
        assert (await http.get(other_key)).status_code == 403
        expired = await storage.presign_get("tests/s3/a.wav", expires_s=1)

        await asyncio.sleep(2.2)
        # AWS says 403 for an expired URL, rclone 400: either way the store refuses it.
        assert (await http.get(expired.url)).status_code in (400, 403)


async def test_s3_urls_can_name_the_public_endpoint_and_skip_the_provider(
    s3_settings: Settings,
) -> None:
    """In containers the API reaches the store by one name and clients by another."""
    public = s3_settings.storage.s3_endpoint_url.replace("127.0.0.1", "localhost")
    storage = get_storage(
        dataclasses.replace(
            s3_settings,
            storage=dataclasses.replace(
                s3_settings.storage, s3_public_endpoint_url=public, s3_provider_can_fetch=False
            ),
        )
    )
    await storage.put_bytes("tests/public.txt", b"by another name", "text/plain")
    signed = await storage.presign_get("tests/public.txt", expires_s=60)
    assert signed.url.startswith(public)
    async with httpx.AsyncClient() as http:
        assert (await http.get(signed.url)).content == b"by another name"
    assert await storage.external_audio_url("tests/public.txt", expires_s=60) is None
