"""`--wait` with no worker running: the job stays pending, and the CLI says so."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cli.runner import logged_in, run_cli


def test_wait_says_when_nothing_picks_the_job_up(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    logged_in(config, base_url)
    talk = tmp_path / "talk.txt"
    talk.write_text("Nobody is listening.")

    waited = run_cli(
        config,
        base_url,
        "upload",
        str(talk),
        "--language",
        "en",
        "--wait",
        "--timeout",
        "3",
        TRANSCRIBE_PENDING_HINT_S="1",
    )

    assert waited.returncode == 1
    job_id = waited.stdout.strip()
    assert "status: pending" in waited.stderr
    assert "still pending after 1 s: is a worker running?" in waited.stderr
    assert f"gave up waiting after 3 s; the job goes on: `transcribe wait {job_id}`" in (
        waited.stderr
    )
    shown = run_cli(config, base_url, "show", job_id)
    assert "status: pending" in shown.stdout
    cancelled = run_cli(config, base_url, "delete", job_id, "--yes")  # no worker will want it
    assert cancelled.returncode == 0, cancelled.stderr
