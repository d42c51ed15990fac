from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.lib.metrics import refresh_job_metrics


class MetricsController(Controller):
    tags = ["Operations"]

    @get("/metrics", exclude_from_auth=True, summary="Prometheus metrics")
    async def metrics(self, db_session: NamedDependency[AsyncSession]) -> Response[bytes]:
        # Job figures come from the database, fresh for each scrape.
        await refresh_job_metrics(db_session)
        return Response(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
