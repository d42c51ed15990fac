"""The per-request line, written without a bound logger: the line structlog itself writes for
the same event, at the configured level, in the configured format."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import structlog

from transcribe.lib.logging import UtcTimestamp, configure_logging, request_line
from transcribe.settings import get_settings


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The settings' logging again afterwards, once capsys has given `sys.stderr` back (the
    root handler binds the stream it finds)."""
    yield
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


@pytest.fixture
def stderr(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> Iterator[pytest.CaptureFixture[str]]:
    """What the lines wrote to `sys.stderr` (both look it up when they write)."""
    structlog.contextvars.clear_contextvars()
    yield capsys
    structlog.contextvars.clear_contextvars()


def _event() -> dict:
    # In the order RequestContextMiddleware.log_line builds it, "event" last.
    return {
        "logger": "transcribe.requests",
        "method": "GET",
        "path": "/jobs/42",
        "status": 200,
        "duration_ms": 1.5,
        "event": "request",
    }


def _through_structlog(event: dict) -> None:
    fields = dict(event)
    structlog.get_logger().info(fields.pop("event"), **fields)


def test_the_json_line_is_structlogs_with_context_merged_and_secrets_redacted(
    stderr: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    structlog.contextvars.bind_contextvars(request_id="r-1", user_id="u-1", api_key="k-123")
    request_line(_event())
    _through_structlog(_event())
    ours, theirs = (json.loads(line) for line in stderr.readouterr().err.splitlines())
    stamps = [datetime.fromisoformat(line.pop("timestamp")) for line in (ours, theirs)]
    assert ours == theirs
    assert list(ours) == list(theirs)  # the same key order too
    assert ours["request_id"] == "r-1" and ours["level"] == "info"
    assert ours["api_key"] == "[redacted]"
    assert all(abs(datetime.now(UTC) - stamp) < timedelta(seconds=5) for stamp in stamps)


@pytest.mark.parametrize(
    ("own", "context"),
    [
        # the router's line: its own request id, which wins over the context's
        ({"request_id": "r-own", "path": "/nope"}, {"request_id": "r-context"}),
        # a path and context values that carry signatures, keys that are secret
        (
            {"path": "/files/token=abc/x"},
            {"user_id": "u", "next": "https://x/?X-Amz-Signature=s3cr3t&a=1", "password": 1},
        ),
        ({}, {}),  # no context at all
        ({"status": 503}, {"job_id": 42, "cause": "a=b", "session_cookie": "c"}),
    ],
)
def test_the_json_line_equals_structlogs_for_every_event_and_context(
    stderr: pytest.CaptureFixture[str], own: dict, context: dict
) -> None:
    configure_logging("INFO", "json")
    structlog.contextvars.bind_contextvars(**context)
    event = _event() | own
    event["event"] = event.pop("event")  # last, as the callers' and structlog's
    request_line(dict(event))
    _through_structlog(event)
    ours, theirs = (json.loads(line) for line in stderr.readouterr().err.splitlines())
    for line in (ours, theirs):
        line.pop("timestamp")
    assert ours == theirs and list(ours) == list(theirs)
    assert "s3cr3t" not in json.dumps(ours) and "abc" not in ours["path"]


def test_above_info_nothing_is_written(stderr: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", "json")
    request_line(_event())
    _through_structlog(_event())
    assert stderr.readouterr().err == ""


def test_the_console_format_renders_it_as_structlog_does(
    stderr: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "console")
    structlog.contextvars.bind_contextvars(request_id="r-2")
    request_line(_event())
    _through_structlog(_event())
    ours, theirs = stderr.readouterr().err.splitlines()
    # The lines start with their timestamps; the rest is the same.
    assert ours.split(" ", 1)[1] == theirs.split(" ", 1)[1]
    assert "request" in ours and "path=/jobs/42" in ours and "request_id=r-2" in ours


@pytest.mark.parametrize(
    "now",
    [
        1_764_653_491.171393,  # 2025-12-02T05:31:31.171393Z
        1_764_653_491.0,  # on the second: its microseconds are written all the same
        1_764_653_491.999_999_5,
        951_782_400.25,  # 2000-02-29, leap day
    ],
)
def test_timestamps_are_iso_utc_to_the_microsecond(
    monkeypatch: pytest.MonkeyPatch, now: float
) -> None:
    stamp = UtcTimestamp()
    for seconds_later in (0, 1, 0, 86_400):  # the cached second is replaced when it changes
        monkeypatch.setattr(time, "time", lambda at=now + seconds_later: at)
        written = stamp(None, "info", {})["timestamp"]
        assert written.endswith("Z") and len(written) == len("2025-12-02T05:31:31.171393Z")
        expected = datetime.fromtimestamp(now + seconds_later, UTC)
        assert abs(datetime.fromisoformat(written) - expected) <= timedelta(microseconds=1)
