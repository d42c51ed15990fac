"""Job events routes: `GET /jobs/{id}/events` and `GET /events` (Server-Sent Events)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.jobs import events
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.schemas import job_view
from transcribe.domain.jobs.services import JobService
from transcribe.lib.openapi import errors
from transcribe.settings import Settings

_RESUME = (
    " Each event has an `id:` that grows; reconnect with the `Last-Event-ID` header (or the "
    "`last_event_id` query parameter) to get first the events after it that you missed "
    "(kept at least an hour), then the live ones. An id that is unknown or too old replays "
    "nothing: re-read what you show."
)


class JobEventController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = job_service_deps

    @get(
        "/{job_id:uuid}/events",
        summary="Server-Sent Events of one job: its state now, then each change",
        description="Each event is `event: job` with the job JSON as `data`. The stream ends "
        "after a final status (`completed`, `failed`, `cancelled`); a comment line at least "
        "every 15 seconds keeps an idle stream open." + _RESUME + " With a known id, the "
        "job's missed events come first and its current state (without an id) only if it is "
        "newer than they are.",
        media_type="text/event-stream",
        responses=errors(401, 404, 503),
    )
    async def job_events(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        event_hub: NamedDependency[events.JobEventHub],
        settings: NamedDependency[Settings],
        last_event_id_header: LastEventIdHeader = None,
        last_event_id: LastEventIdQuery = None,
    ) -> ServerSentEvent:
        await jobs_service.get_owned(current_user.id, job_id)  # 404 before streaming
        subscriber = await _subscribe(event_hub, current_user.id, job_id)
        try:
            begin = await events.start(
                event_hub, subscriber, _last_id(last_event_id_header, last_event_id), db_session
            )
            # Read after subscribing and after `start`: a change in between arrives as an
            # event, none is lost.
            begin.current = job_view(await jobs_service.get_owned(current_user.id, job_id))
        except Exception:
            event_hub.unsubscribe(subscriber)
            raise
        return ServerSentEvent(
            events.stream(event_hub, subscriber, begin, keepalive_s=settings.events.keepalive_s)
        )


class EventController(Controller):
    path = "/events"
    tags = ["Transcription jobs"]

    @get(
        "/",
        summary="Server-Sent Events of all your jobs",
        description="One `event: job` with the job JSON per change of any of your jobs. The "
        "stream stays open, also while this server reconnects to its database (it then "
        "sends what happened meanwhile); a comment line at least every 15 seconds keeps it "
        "alive." + _RESUME,
        media_type="text/event-stream",
        responses=errors(401, 503),
    )
    async def user_events(
        self,
        current_user: CurrentUser,
        db_session: NamedDependency[AsyncSession],
        event_hub: NamedDependency[events.JobEventHub],
        settings: NamedDependency[Settings],
        last_event_id_header: LastEventIdHeader = None,
        last_event_id: LastEventIdQuery = None,
    ) -> ServerSentEvent:
        subscriber = await _subscribe(event_hub, current_user.id, None)
        try:
            begin = await events.start(
                event_hub, subscriber, _last_id(last_event_id_header, last_event_id), db_session
            )
        except Exception:
            event_hub.unsubscribe(subscriber)
            raise
        return ServerSentEvent(
            events.stream(event_hub, subscriber, begin, keepalive_s=settings.events.keepalive_s)
        )


LastEventIdHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        required=False,
        description="The `id:` of the last event received; the events after it come first",
    ),
]
LastEventIdQuery = Annotated[
    int | None,
    QueryParameter(
        ge=0,
        required=False,
        description="As the `Last-Event-ID` header, for clients that cannot set headers",
    ),
]


def _last_id(header: str | None, query: int | None) -> int | None:
    """The header wins; a value that is not an id counts as unknown (nothing replayed)."""
    if header is not None and header.strip():
        value = header.strip()
        return int(value) if value.isdigit() and len(value) < 19 else None
    return query


async def _subscribe(
    hub: events.JobEventHub, user_id: UUID, job_id: UUID | None
) -> events.Subscriber:
    try:
        return await hub.subscribe(user_id, job_id)
    except events.EventsUnavailableError:
        raise ServiceUnavailableException(
            detail="Job events are unavailable right now; poll GET /jobs/{id} meanwhile"
        ) from None
