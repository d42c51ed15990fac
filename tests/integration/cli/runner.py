"""Run the `transcribe` CLI as a user would: a separate process with its own config folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.accounts import unique_email

PASSWORD = "cli-password-123"


def run_cli(
    config_dir: Path, server: str | None, *args: str, stdin: str = "", **env_vars: str
) -> subprocess.CompletedProcess:
    """`server` goes in $TRANSCRIBE_SERVER (None: not set, the saved one is used)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSCRIBE_")}
    env.update(TRANSCRIBE_CONFIG_DIR=str(config_dir), **env_vars)
    if server:
        env["TRANSCRIBE_SERVER"] = server
    return subprocess.run(
        [sys.executable, "-m", "transcribe_cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def logged_in_as(config_dir: Path, server: str) -> str:
    """Register and log in with `--server` (no $TRANSCRIBE_SERVER); returns the email."""
    email = unique_email()
    for command in ("register", "login"):
        result = run_cli(
            config_dir,
            None,
            command,
            "--server",
            server,
            "--email",
            email,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stderr
    return email


def logged_in(config_dir: Path, server: str) -> str:
    """Register a fresh account and log in through the CLI; returns the email."""
    email = unique_email()
    for command in ("register", "login"):
        result = run_cli(
            config_dir, server, command, "--email", email, "--password-stdin", stdin=PASSWORD + "\n"
        )
        assert result.returncode == 0, result.stderr
    return email
