"""What the provider catch-up queued, read from procrastinate's own table."""

from __future__ import annotations

import psycopg


def catch_up_checks(database_url: str, job_ids: list[str]) -> list[float]:
    """When the catch-up checks of these jobs were (or are) due, in seconds since the epoch."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM scheduled_at) FROM procrastinate_jobs"
            " WHERE queueing_lock = ANY(%s) ORDER BY scheduled_at",
            ([f"transcription-catch-up:{job_id}" for job_id in job_ids],),
        ).fetchall()
    return [float(row[0]) for row in rows]
