"""Request metrics, labelled by route template: the series Litestar's Prometheus middleware
exports (same names and labels), recorded by the request-context middleware.

Litestar's middleware builds a Request and looks up four labelled children on every request,
a tenth of a fast read; here each route's children are looked up once and kept.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PREFIX = "transcribe"
APP_NAME = "transcribe"
LABELS = ("method", "path", "status_code", "app_name")
EXCLUDED_PATHS = frozenset({"/metrics"})  # the scrape itself is not traffic

REQUESTS = Counter(f"{PREFIX}_requests_total", "Total requests", LABELS)
ERRORS = Counter(f"{PREFIX}_requests_error_total", "Total errors in requests", LABELS)
DURATION = Histogram(f"{PREFIX}_request_duration_seconds", "Request duration, in seconds", LABELS)
IN_PROGRESS = Gauge(
    f"{PREFIX}_requests_in_progress",
    "Total requests currently in progress",
    ("method", "path", "app_name"),
    multiprocess_mode="livesum",
)


class RequestMetrics:
    """The labelled children of each (method, route, status), created on first use."""

    def __init__(self) -> None:
        self._in_progress: dict[tuple[str, str], Gauge] = {}
        self._finished: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}

    def started(self, method: str, path: str) -> Gauge:
        gauge = self._in_progress.get((method, path))
        if gauge is None:
            gauge = self._in_progress[method, path] = IN_PROGRESS.labels(method, path, APP_NAME)
        gauge.inc()
        return gauge

    def finished(self, method: str, path: str, status: int, duration_s: float) -> None:
        children = self._finished.get((method, path, status))
        if children is None:
            labels = (method, path, str(status), APP_NAME)
            children = self._finished[method, path, status] = (
                REQUESTS.labels(*labels),
                DURATION.labels(*labels),
                ERRORS.labels(*labels) if status >= 500 else None,
            )
        requests, duration, errors = children
        requests.inc()
        duration.observe(duration_s)
        if errors is not None:
            errors.inc()
