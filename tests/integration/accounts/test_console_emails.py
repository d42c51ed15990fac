"""The console email backend (`just serve` needs no SMTP): in development it logs the
message whole, link and token included (a log line like any other, unredacted), so a developer can verify an email or reset a
password locally; anywhere else the token is redacted like every secret in the logs."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import httpx

from tests.helpers.accounts import signed_in_user
from tests.helpers.worker import running_worker

FRONTEND = "http://app.example.test"


async def _printed_link(log_path: Path, email: str, timeout: float = 30) -> str:
    """The link in the worker's log line for the email to `email` (a JSON line, as all)."""
    deadline = time.monotonic() + timeout
    while True:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("{") and f"email to {email}" in line:
                found = re.search(r"(\S+verify-email\?token=[\w-]+)", json.loads(line)["event"])
                assert found, line
                return found.group(1)
        assert time.monotonic() < deadline, text[-2000:]
        await asyncio.sleep(0.2)


async def test_in_development_the_link_is_printed_whole_and_works(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    log_path = tmp_path / "worker.log"
    env = {"ENVIRONMENT": "development", "EMAIL_BACKEND": "console", "FRONTEND_URL": FRONTEND}
    env["PASSWORD_HASH_COST"] = "standard"  # the suite's minimal is refused in development
    with running_worker(database_url, log_path, LOG_LEVEL="INFO", **env):
        user = await signed_in_user(client)
        link = await _printed_link(log_path, user.email)
    assert link.startswith(f"{FRONTEND}/verify-email?token=")
    token = link.split("token=", 1)[1]
    assert (await client.post("/auth/verify-email", json={"token": token})).status_code == 204


async def test_elsewhere_the_token_is_redacted(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    log_path = tmp_path / "worker.log"
    env = {"ENVIRONMENT": "test", "EMAIL_BACKEND": "console", "FRONTEND_URL": FRONTEND}
    with running_worker(database_url, log_path, LOG_LEVEL="INFO", **env):
        user = await signed_in_user(client)
        deadline = time.monotonic() + 30
        while "verify-email?token=" not in log_path.read_text(errors="replace"):
            assert time.monotonic() < deadline, "no email was logged"
            await asyncio.sleep(0.2)
    text = log_path.read_text(errors="replace")
    assert "verify-email?token=[redacted]" in text
    assert f"email to {user.email}" not in text  # not printed whole
