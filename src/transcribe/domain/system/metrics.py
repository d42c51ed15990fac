"""GET /metrics: Prometheus text, behind METRICS_TOKEN when that is set."""

from __future__ import annotations

import hmac

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.openapi import ResponseSpec
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.domain.jobs.metrics import refresh_job_metrics
from transcribe.lib.http import bearer_token
from transcribe.lib.openapi import METRICS_SCHEME, errors
from transcribe.settings import Settings


def _check_token(request: Request, expected: str) -> None:
    token = bearer_token(request.headers.get("authorization", "")) or ""
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise NotAuthorizedException(
            detail="GET /metrics needs the METRICS_TOKEN as a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


class MetricsController(Controller):
    tags = ["Operations"]

    @get(
        "/metrics",
        exclude_from_auth=True,  # not a user's token: the operator's METRICS_TOKEN, if set
        security=[{METRICS_SCHEME: []}],
        summary="Prometheus metrics",
        description="Prometheus text exposition format. When the service has a METRICS_TOKEN, "
        "send it as `Authorization: Bearer <METRICS_TOKEN>`.",
        responses={
            200: ResponseSpec(
                data_container=str,
                media_type="text/plain",
                description="Metrics in Prometheus text format",
                generate_examples=False,
            ),
            **errors(401, e401="METRICS_TOKEN is set and was not sent"),
        },
    )
    async def metrics(
        self,
        request: Request,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        if settings.auth.metrics_token:
            _check_token(request, settings.auth.metrics_token)
        # Job figures come from the database, fresh for each scrape.
        await refresh_job_metrics(db_session)
        return Response(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
