"""`python -m transcribe`: its commands through click, as an operator types them."""

from __future__ import annotations

import os
import subprocess
import sys

COMMANDS = (
    "serve",
    "worker",
    "run",
    "drain",
    "drain-server",
    "migrate",
    "admin",
    "healthcheck",
    "openapi",
)


def transcribe(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "transcribe", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_every_command() -> None:
    shown = transcribe("--help")
    assert shown.returncode == 0, shown.stderr
    listed = {line.split()[0] for line in shown.stdout.splitlines() if line.startswith("  ")}
    assert set(COMMANDS) <= listed


def test_a_mistyped_command_is_a_usage_error() -> None:
    mistyped = transcribe("migarte")
    assert mistyped.returncode == 2
    assert "No such command 'migarte'" in mistyped.stderr


def test_admin_checks_its_arguments_and_names_a_missing_user(database_url: str) -> None:
    wrong = transcribe("admin", "crown", "someone@example.com")
    assert wrong.returncode == 2 and "'crown' is not one of" in wrong.stderr
    missing = transcribe("admin", "promote", "nobody-here@example.com", database_url=database_url)
    assert missing.returncode == 1
    assert "no user with the email 'nobody-here@example.com'" in missing.stdout


def test_openapi_writes_the_document_to_a_file(tmp_path) -> None:
    target = tmp_path / "openapi.json"
    written = transcribe("openapi", str(target))
    assert written.returncode == 0, written.stderr
    assert target.read_text().lstrip().startswith("{") and '"openapi"' in target.read_text()
