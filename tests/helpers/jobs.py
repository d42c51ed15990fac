"""Waiting for a job through the API, and reading its transcript as the user downloads it."""

from __future__ import annotations

import asyncio
import time

import httpx


async def wait_for_status(
    client: httpx.AsyncClient, headers: dict, job_id: str, statuses: set[str], timeout: float = 60
) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job stayed {job['status']}: {job}")
        await asyncio.sleep(0.2)


async def download_text(client: httpx.AsyncClient, headers: dict, job_id: str) -> str:
    link = await client.get(f"/jobs/{job_id}/download", headers=headers)
    assert link.status_code == 200, link.text
    assert link.json()["format"] == "txt"
    async with httpx.AsyncClient(timeout=30) as raw:
        response = await raw.get(link.json()["url"])
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8")
