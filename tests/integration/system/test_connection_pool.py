"""The API's database pool is fixed (DATABASE_POOL_SIZE, no overflow), so nothing may hold a
connection longer than it needs: an event stream lasts hours, and gives its connection back
when its response starts (the session is committed and closed then)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
from httpx_sse import aconnect_sse

from tests.helpers.accounts import signed_in_user
from tests.helpers.server import serve
from tests.helpers.uploads import upload_file
from transcribe.settings import Settings


async def test_open_event_streams_leave_the_pool_to_requests(
    settings: Settings, base_url: str
) -> None:
    """(The presigned upload URL names the session's server, `base_url`; both share storage.)"""
    from transcribe.app import create_app

    small = dataclasses.replace(settings, db=dataclasses.replace(settings.db, pool_size=2))
    with serve(create_app(small)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            user = await signed_in_user(client)
            key = await upload_file(client, user, b"nobody works on this one")
            job = await client.post(
                "/jobs",
                json={"object_key": key, "language": "en", "mode": "mono"},
                headers=user.headers,
            )
            job_id = job.json()["id"]
            opened = asyncio.Event()
            first_events: list[dict] = []

            async def watch() -> None:
                async with aconnect_sse(
                    client, "GET", f"/jobs/{job_id}/events", headers=user.headers
                ) as source:
                    async for event in source.aiter_sse():
                        first_events.append(json.loads(event.data))
                        if len(first_events) == 4:
                            opened.set()
                        await asyncio.sleep(3600)  # keep the stream open

            streams = [asyncio.create_task(watch()) for _ in range(4)]  # twice the pool
            try:
                await asyncio.wait_for(opened.wait(), timeout=10)
                answer = await asyncio.wait_for(
                    client.get(f"/jobs/{job_id}", headers=user.headers), timeout=5
                )
                assert answer.status_code == 200
                assert all(event["id"] == job_id for event in first_events)
            finally:
                for stream in streams:
                    stream.cancel()
                await asyncio.gather(*streams, return_exceptions=True)
                await client.delete(f"/jobs/{job_id}", headers=user.headers)
