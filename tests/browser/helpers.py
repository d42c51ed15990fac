"""What browser tests share: the live service (`python -m transcribe run` as a process, with
its own database, storage folder and SMTP inbox), accounts made through the API, the links
of the emails it sends, and an axe-core check of the page.

The front end signs in by itself; these helpers stay at the API's level so they do not
depend on how the app keeps its tokens.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.accounts import SignedInUser, unique_email
from tests.helpers.database import fresh_database
from tests.helpers.server import free_port
from tests.helpers.smtp import Inbox, SmtpServer, link_token
from transcribe.settings import WEB_DIST_DIR

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "src" / "web" / "node_modules" / "axe-core" / "axe.min.js"
# Headless, and quiet: no request of Chromium's own may leave the machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 60


def web_app_built() -> bool:
    """Whether the package holds a build of the web app (what the live service serves)."""
    return (WEB_DIST_DIR / "index.html").is_file()


@dataclass
class LiveService:
    url: str
    database_url: str
    storage_dir: Path
    log_path: Path
    smtp: SmtpServer

    @property
    def inbox(self) -> Inbox:
        return self.smtp.inbox

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _environment(port: int, database_url: str, storage: Path, smtp_port: int) -> dict[str, str]:
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "ASSEMBLYAI_API_KEY"}
    env.update(
        {
            "ENV_FILE": "/nonexistent/.env",
            "ENVIRONMENT": "test",
            "JWT_SECRET": "browser-test-secret-" + "x" * 40,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_BASE_URL": url,
            "FRONTEND_URL": url,
            "DATABASE_URL": database_url,
            "TRANSCRIPTION_BACKEND": "stub",
            "STORAGE_BACKEND": "local",
            "LOCAL_STORAGE_DIR": str(storage),
            "EMAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_STARTTLS": "false",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "console",
            "REGISTER_MAX_PER_CLIENT": "100000",
            "LOGIN_MAX_FAILURES_PER_CLIENT": "100000",
            "WORKER_CONCURRENCY": "4",
            "WORKER_SHUTDOWN_GRACEFUL_TIMEOUT_S": "5",
            "WORKER_METRICS_PORT": "0",
        }
    )
    return env


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the service exited with status {process.returncode}:\n"
                + log_path.read_text(errors="replace")[-4000:]
            )
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"the service was not ready in {START_TIMEOUT_S} s:\n"
        + log_path.read_text(errors="replace")[-4000:]
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the supervisor stops the API and the worker
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own process group: the children too
        process.wait()


@contextmanager
def live_service() -> Iterator[LiveService]:
    """`python -m transcribe run` (the API and one worker) on a free port of loopback, on a
    fresh migrated database, local storage in a temporary folder, the stub engine, and
    emails to an SMTP server here; stopped with SIGTERM and cleaned up after."""
    from transcribe.db.migrate import upgrade
    from transcribe.settings import DatabaseSettings

    workdir = Path(tempfile.mkdtemp(prefix="transcribe-browser-"))
    smtp = SmtpServer()
    smtp.start()
    try:
        with fresh_database("transcribe_browser") as database_url:
            upgrade(DatabaseSettings(url=database_url).sync_url)
            port = free_port()
            storage = workdir / "storage"
            storage.mkdir()
            log_path = workdir / "service.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "transcribe", "run"],
                    cwd=workdir,  # nothing of the checkout's var/ or .env
                    env=_environment(port, database_url, storage, smtp.port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_ready(url, process, log_path)
                yield LiveService(url, database_url, storage, log_path, smtp)
            finally:
                _stop(process)
    finally:
        smtp.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# Accounts, through the API.


def make_user(
    service_url: str, email: str | None = None, password: str = PASSWORD, *, login: bool = True
) -> SignedInUser:
    """A new account (unverified, as after sign-up) and, with `login`, its access token."""
    email = email or unique_email()
    with httpx.Client(base_url=service_url, timeout=30) as http:
        created = http.post("/auth/register", json={"email": email, "password": password})
        assert created.status_code == 201, created.text
        token = ""
        if login:
            signed_in = http.post("/auth/login", json={"email": email, "password": password})
            assert signed_in.status_code == 200, signed_in.text
            token = signed_in.json()["access_token"]
    return SignedInUser(created.json()["id"], email, password, token)


def user_api(service_url: str, user: SignedInUser) -> httpx.Client:
    """A client of the API signed in as `user`: what a test does or checks behind the page."""
    return httpx.Client(
        base_url=service_url, timeout=30, headers={"Authorization": f"Bearer {user.token}"}
    )


def last_email(inbox: Inbox, address: str, *, after: int = 0, timeout: float = 30) -> EmailMessage:
    """The newest email to `address`, waiting for it; `after`: how many there were before
    (e.g. `len(inbox.to(address))` before asking for a password reset)."""
    return inbox.wait_for(address, count=after + 1, timeout=timeout)[-1]


def email_link(
    inbox: Inbox, address: str, *, after: int = 0, timeout: float = 30
) -> tuple[str, str]:
    """The link (`FRONTEND_URL/verify-email?token=...` or `/reset-password?token=...`) in
    the newest email to `address`, and its token."""
    return link_token(last_email(inbox, address, after=after, timeout=timeout))


# Accessibility.


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"  # the script's value: none


def axe_violations(
    page: Any, impacts: Sequence[str] = ("serious", "critical"), **options: Any
) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is, of the given impacts: a list of
    `{id, impact, help, targets}` (empty is the goal). `options` go to `axe.run`."""
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: run `npm ci` in src/web")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated, not `page.add_script_tag(path=...)`: that adds an inline <script>, which
        # the app's own CSP (script-src 'self') blocks, and bypassing the CSP would hide
        # the app's violations from the tests.
        page.evaluate(_axe_source())
    results = page.evaluate("options => window.axe.run(document, options)", options or {})
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]
