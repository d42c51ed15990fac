from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from transcribe.lib.schema import NoNul, Schema

EventType = Literal["job.completed", "job.failed"]


class EndpointCreate(Schema):
    """A URL of yours to receive job events, and which events."""

    url: Annotated[
        str,
        NoNul,
        msgspec.Meta(
            min_length=1,
            max_length=2048,
            description="An http(s) URL on the public internet",
            examples=["https://example.com/hooks/transcribe"],
        ),
    ]
    events: Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=2)] = msgspec.field(
        default_factory=lambda: ["job.completed", "job.failed"]
    )


class Endpoint(Schema):
    """A webhook endpoint as listed (without its secret)."""

    id: UUID
    url: str
    events: list[str]
    created_at: datetime


class CreatedEndpoint(Schema):
    """A new webhook endpoint; `secret` (to verify signatures) is shown this once."""

    id: UUID
    url: str
    events: list[str]
    created_at: datetime
    secret: Annotated[
        str, msgspec.Meta(description="`whsec_` + base64: verifies signatures; shown this once")
    ]


class EndpointPage(Schema):
    """Your webhook endpoints."""

    items: list[Endpoint]
    total: int
