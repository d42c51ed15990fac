"""Job metrics for Prometheus.

The API's /metrics shows job figures read from PostgreSQL at scrape time, so they are right
whichever worker finished the job. Workers count what only they see (provider errors, live
job durations) and serve it on their own port when WORKER_METRICS_PORT is set.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m

DURATION_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)

JOBS_BY_STATUS = Gauge("transcribe_jobs", "Transcription jobs by status", ["status"])
JOB_DURATION = Histogram(
    "transcribe_worker_job_duration_seconds",
    "Start-to-finish time of jobs this worker finished",
    ["status"],
    buckets=DURATION_BUCKETS,
)
PROVIDER_ERRORS = Counter(
    "transcribe_provider_errors",
    "Errors from the recognition provider seen by this worker",
    ["kind"],
)


class FinishedJobDurations(Collector):
    """`transcribe_job_duration_seconds`: a histogram of all finished jobs, from the database."""

    def __init__(self) -> None:
        self.by_status: dict[str, tuple[list[tuple[str, float]], float]] = {}

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "transcribe_job_duration_seconds",
            "Start-to-finish time of finished jobs",
            labels=["status"],
        )
        for status, (buckets, total) in sorted(self.by_status.items()):
            family.add_metric([status], buckets, total)
        yield family


FINISHED_JOB_DURATIONS = FinishedJobDurations()
REGISTRY.register(FINISHED_JOB_DURATIONS)

_DURATIONS = text(
    """
    WITH finished AS (
        SELECT status, extract(epoch FROM completed_at - started_at)::float8 AS seconds
        FROM transcription_jobs
        WHERE status = ANY(CAST(:finished AS text[]))
          AND started_at IS NOT NULL AND completed_at IS NOT NULL
    )
    SELECT status,
           array_agg(n ORDER BY le) AS cumulative,
           max(total) AS total
    FROM (
        SELECT f.status, b.le, count(*) FILTER (WHERE f.seconds <= b.le) AS n,
               sum(f.seconds) AS total
        FROM finished f CROSS JOIN unnest(CAST(:buckets AS float8[])) AS b(le)
        GROUP BY f.status, b.le
    ) per_bucket
    GROUP BY status
    """
)


async def refresh_job_metrics(session: AsyncSession) -> None:
    counts = dict(
        (
            await session.execute(
                text("SELECT status, count(*) FROM transcription_jobs GROUP BY status")
            )
        ).all()
    )
    for status in m.JobStatus:
        JOBS_BY_STATUS.labels(status=status.value).set(counts.get(status.value, 0))
    bounds = [float(b) for b in DURATION_BUCKETS] + [float("inf")]
    labels = [f"{b:g}" for b in DURATION_BUCKETS] + ["+Inf"]
    finished = [m.JobStatus.COMPLETED.value, m.JobStatus.FAILED.value]
    rows = (await session.execute(_DURATIONS, {"buckets": bounds, "finished": finished})).all()
    FINISHED_JOB_DURATIONS.by_status = {
        status: (list(zip(labels, map(float, cumulative), strict=True)), float(total or 0))
        for status, cumulative, total in rows
    }
