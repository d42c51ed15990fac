"""Structured logs: every line is one JSON object (or a readable line in development).

stdlib loggers (uvicorn, litestar, procrastinate, ours) all go through structlog's
formatter, so context bound with `structlog.contextvars` (request_id, user_id, job_id)
lands on every line, and values under secret-looking keys never do.

structlog's own loggers run the same processors and write straight to stderr, skipping
stdlib's records and handlers: that path costs a third of the other (structlog's
"Performance" advice). The per-request line goes further: `request_line` writes the line the
configured processors would, without a bound logger (whose machinery cost as much as the
processors, in bench/api.py), and for JSON in one pass.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import msgspec
import structlog

_SECRET_KEY = re.compile(
    r"pass(word)?|secret|token|authorization|api[_-]?key|signature|credential|cookie", re.I
)
_SECRET_QUERY = re.compile(r"((?:signature|X-Amz-Signature|X-Amz-Credential|token)=)[^&\s]+", re.I)


_secret_keys: dict[str, bool] = {}  # keys are names in our code and libraries': few


def _is_secret_key(key: str) -> bool:
    secret = _SECRET_KEY.search(key) is not None
    if len(_secret_keys) < 4096:
        _secret_keys[key] = secret
    return secret


def redact_secrets(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    # A dict of the keys seen, not lru_cache, and values replaced in place (the keys stay):
    # this runs on every line, and that took a third off its instructions.
    known = _secret_keys
    for key, value in event.items():
        secret = known.get(key)
        if secret is None:
            secret = _is_secret_key(key)
        if secret:
            event[key] = "[redacted]"
        elif isinstance(value, str) and "=" in value:
            event[key] = _SECRET_QUERY.sub(r"\1[redacted]", value)
    return event


class UtcTimestamp:
    """structlog's `TimeStamper(fmt="iso", utc=True)` ("2026-12-02T05:21:31.171393Z"), with
    the part down to the second formatted once a second: `datetime.now(UTC).isoformat()`
    was the request line's dearest step."""

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")  # one tuple: threads log too

    def __call__(self, _: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        second = int(now)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (
                second,
                time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)),
            )
        # %-formatting: fewer steps than the f-string with its int() and format spec.
        event["timestamp"] = "%s%06dZ" % (cached[1], (now - second) * 1_000_000)  # noqa: UP031
        return event


_encoder = msgspec.json.Encoder(enc_hook=str)


def render_json(_: Any, __: str, event: dict[str, Any]) -> str:
    """structlog's `JSONRenderer` with msgspec, called without its keyword arguments."""
    return _encoder.encode(event).decode()


def _write_line(message: str) -> None:
    # Whatever `sys.stderr` is when the line is written (a test runner swaps it), flushed per
    # line like stdlib's StreamHandler.
    stream = sys.stderr
    stream.write(message + "\n")
    if not getattr(stream, "line_buffering", False):  # a line-buffered stream just did
        stream.flush()


class _StderrLogger:
    """structlog's WriteLogger, onto the current `sys.stderr`."""

    def msg(self, message: str) -> None:
        _write_line(message)

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


Processor = Callable[[Any, str, dict[str, Any]], Any]


_CONTEXT_PREFIX = structlog.contextvars.STRUCTLOG_KEY_PREFIX
_CONTEXT_PREFIX_LEN = len(_CONTEXT_PREFIX)


class RequestLine:
    """An info event (a dict with its "event" key) through the configured processors, the
    last of which renders it, and onto stderr: the line `structlog.get_logger().info(...)`
    writes, without the bound logger's proxy, copies and dispatch. Writes nothing until
    `configure_logging` enables it, or when the level is above INFO.

    In JSON, the processors' work is done in one pass (`_json_line`): the line is written
    once per request, and the steps one by one took 6.7 % of a `GET /jobs/{id}`'s
    instructions (bench/api.py). tests/unit/lib/test_request_line.py holds it to the line
    the processors write, key order and redaction included."""

    def __init__(self) -> None:
        self._steps: tuple[Processor, ...] = ()
        self._render: Processor | None = None
        self._stamp: UtcTimestamp | None = None

    def configure(
        self, processors: list[Processor], *, enabled: bool, json_stamp: UtcTimestamp | None
    ) -> None:
        """`json_stamp`: the timestamp step of `configure_logging`'s JSON processors, when
        they are the ones configured (their steps are what `_json_line` does)."""
        *steps, render = processors
        self._steps, self._render = tuple(steps), render if enabled else None
        self._stamp = json_stamp if enabled else None

    def __call__(self, event: dict[str, Any]) -> None:
        if self._stamp is not None:
            self._json_line(event, self._stamp)
            return
        render = self._render
        if render is None:
            return
        for step in self._steps:
            event = step(None, "info", event)
        _write_line(render(None, "info", event))

    @staticmethod
    def _json_line(event: dict[str, Any], stamp: UtcTimestamp) -> None:
        # merge_contextvars (the event's own keys win), add_log_level, the timestamp,
        # redact_secrets, render_json. Of the event's own fields (the request's method, path,
        # status, duration, id) no key is secret, and only the path's value may hold a "=".
        known = _secret_keys
        for var, value in contextvars.copy_context().items():
            name = var.name
            if name.startswith(_CONTEXT_PREFIX) and value is not Ellipsis:
                key = name[_CONTEXT_PREFIX_LEN:]
                if key in event:
                    continue
                secret = known.get(key)
                if secret is None:
                    secret = _is_secret_key(key)
                if secret:
                    value = "[redacted]"
                elif isinstance(value, str) and "=" in value:
                    value = _SECRET_QUERY.sub(r"\1[redacted]", value)
                event[key] = value
        event["level"] = "info"
        stamp(None, "info", event)
        path = event.get("path")
        if isinstance(path, str) and "=" in path:
            event["path"] = _SECRET_QUERY.sub(r"\1[redacted]", path)
        _write_line(_encoder.encode(event).decode())


request_line = RequestLine()


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    # What no line of ours shows, stdlib logging need not work out for every record (the
    # logging HOWTO's "Optimization"): the caller's frame, thread, process.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    timestamp = UtcTimestamp()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        timestamp,
        redact_secrets,
    ]
    renderer = structlog.dev.ConsoleRenderer(colors=False) if fmt == "console" else render_json
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        timestamp,
        redact_secrets,
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        logger_factory=lambda *_: _StderrLogger(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    request_line.configure(
        processors,
        enabled=logging.getLevelName(level) <= logging.INFO,
        json_stamp=timestamp if renderer is render_json else None,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler._transcribe = True  # type: ignore[attr-defined]
    _configure_unredacted(shared, renderer)
    root = logging.getLogger()
    # Replace plain console handlers (ours from an earlier call, basicConfig's); keep others,
    # such as a test runner's capture or an operator's file handler.
    root.handlers = [
        h
        for h in root.handlers
        if type(h) is not logging.StreamHandler and not getattr(h, "_transcribe", False)
    ] + [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "procrastinate", "litestar"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Our request log replaces uvicorn's, which would print signed URLs' query strings.
    logging.getLogger("uvicorn.access").disabled = True


# A logger whose lines keep their secrets: only for what development shows on purpose (the
# console email backend's links). Its own handler, so every other line's path is unchanged.
UNREDACTED_LOGGER = "transcribe.unredacted"


def _configure_unredacted(shared: list[Any], renderer: Any) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[p for p in shared if p is not redact_secrets],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    unredacted = logging.getLogger(UNREDACTED_LOGGER)
    unredacted.handlers = [handler]
    unredacted.propagate = False
