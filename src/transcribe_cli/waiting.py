"""Waiting for a job: follow its event stream, poll if the stream is unavailable, say so
when nothing seems to pick the job up, and give up after a timeout if asked to."""

from __future__ import annotations

import threading
import time

import httpx

from transcribe_cli.api import ApiError, TranscribeApi
from transcribe_cli.output import StatusLine, say

FINAL = {"completed", "failed", "cancelled"}


RESUMES = 5  # reconnections in a row that bring nothing before polling instead


def follow(api: TranscribeApi, job_id: str, line: StatusLine) -> dict:
    """The job's final state, shown as it changes. A stream that breaks after it gave an
    event id is opened again with `Last-Event-ID` (nothing missed), backing off."""
    last_id: str | None = None
    failures = 0
    while True:
        moved = False
        try:
            events = (
                api.job_events(job_id)
                if last_id is None
                else api.job_events(job_id, last_event_id=last_id)
            )
            for job in events:
                moved = True
                line.show(job)
                if job["status"] in FINAL:
                    return job
        except ApiError as exc:
            if exc.status not in (404, 503):
                raise
            break
        except httpx.HTTPError:
            pass
        last_id = getattr(api, "last_event_id", None) or last_id
        failures = 0 if moved else failures + 1
        if last_id is None or failures >= RESUMES:
            break
        time.sleep(min(0.5 * 2**failures, 10))
    say("(events unavailable: polling)")
    delay = 0.5
    while True:
        job = api.job(job_id)
        line.show(job)
        if job["status"] in FINAL:
            return job
        time.sleep(delay)
        delay = min(delay * 1.5, 10)


def wait_for(
    api: TranscribeApi, job_id: str, *, timeout_s: float | None, pending_hint_s: float
) -> dict | None:
    """The final job, or None when `timeout_s` passed first (the job goes on regardless)."""
    line = StatusLine()
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["job"] = follow(api, job_id, line)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    # The stream blocks between events; a thread lets this one keep the time.
    waiter = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    waiter.start()
    waiter.join(pending_hint_s if timeout_s is None else min(pending_hint_s, timeout_s))
    if waiter.is_alive() and line.last and line.last[0] == "pending":
        say(
            f"still pending after {pending_hint_s:g} s: is a worker running? "
            "(`just worker` starts one; `just serve` runs one beside the API)",
            style="yellow",
        )
    remaining = None if timeout_s is None else max(0.0, timeout_s - (time.monotonic() - started))
    waiter.join(remaining)
    if waiter.is_alive():
        return None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["job"]
