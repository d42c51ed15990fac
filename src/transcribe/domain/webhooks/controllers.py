"""`/webhook-endpoints`: where a user's own servers are told that their jobs finished."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.webhooks import endpoints
from transcribe.domain.webhooks.addresses import UnsafeUrlError, resolve
from transcribe.domain.webhooks.schemas import (
    CreatedEndpoint,
    Endpoint,
    EndpointCreate,
    EndpointPage,
)
from transcribe.lib.errors import InvalidInput
from transcribe.lib.openapi import errors
from transcribe.settings import Settings


def _view(endpoint: m.WebhookEndpoint) -> Endpoint:
    return Endpoint(
        id=endpoint.id, url=endpoint.url, events=endpoint.events, created_at=endpoint.created_at
    )


class WebhookEndpointController(Controller):
    path = "/webhook-endpoints"
    tags = ["Webhooks"]

    @post(
        "/",
        status_code=201,
        summary="Register a URL to be told when your jobs finish",
        description="Deliveries follow the Standard Webhooks specification; keep the "
        "`secret` to verify them. At most 10 endpoints per user.",
        responses=errors(
            400,
            401,
            409,
            e400="Not an http(s) URL, a host that does not resolve, or a private, loopback "
            "or link-local address",
            e409="Too many endpoints",
        ),
    )
    async def create_endpoint(
        self,
        current_user: CurrentUser,
        data: JSONBody[EndpointCreate],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> CreatedEndpoint:
        try:
            await resolve(data.url, allow_private=settings.webhooks.allow_private_urls)
        except UnsafeUrlError as exc:
            raise InvalidInput(detail=str(exc)) from None
        endpoint = await endpoints.create(db_session, current_user.id, data.url, data.events)
        return CreatedEndpoint(
            id=endpoint.id,
            url=endpoint.url,
            events=endpoint.events,
            created_at=endpoint.created_at,
            secret=endpoint.secret,
        )

    @get("/", summary="Your webhook endpoints", responses=errors(401))
    async def list_endpoints(
        self, current_user: CurrentUser, db_session: NamedDependency[AsyncSession]
    ) -> EndpointPage:
        """Your endpoints, without their secrets (shown only at creation)."""
        rows = list(
            await db_session.scalars(
                select(m.WebhookEndpoint)
                .where(m.WebhookEndpoint.user_id == current_user.id)
                .order_by(m.WebhookEndpoint.created_at)
            )
        )
        return EndpointPage(items=[_view(row) for row in rows], total=len(rows))

    @delete(
        "/{endpoint_id:uuid}",
        status_code=204,
        summary="Stop sending to an endpoint (pending deliveries are dropped)",
        responses=errors(401, 404),
    )
    async def delete_endpoint(
        self,
        current_user: CurrentUser,
        endpoint_id: FromPath[UUID],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        """No more events go to the endpoint; deliveries not yet made are dropped."""
        await endpoints.delete_owned(db_session, current_user.id, endpoint_id)
