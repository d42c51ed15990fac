"""Job events routes: `GET /jobs/{id}/events` and `GET /events` (Server-Sent Events)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.params import FromPath
from litestar.response import ServerSentEvent

from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.jobs import events
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.schemas import job_view
from transcribe.domain.jobs.services import JobService
from transcribe.lib.openapi import errors
from transcribe.settings import Settings


class JobEventController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = job_service_deps

    @get(
        "/{job_id:uuid}/events",
        summary="Server-Sent Events of one job: its state now, then each change",
        description="Each event is `event: job` with the job JSON as `data`. The stream ends "
        "after a final status (`completed`, `failed`, `cancelled`); a comment line at least "
        "every 15 seconds keeps an idle stream open.",
        media_type="text/event-stream",
        responses=errors(401, 404, 503),
    )
    async def job_events(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        event_hub: NamedDependency[events.JobEventHub],
        settings: NamedDependency[Settings],
    ) -> ServerSentEvent:
        await jobs_service.get_owned(current_user.id, job_id)  # 404 before streaming
        subscriber = await _subscribe(event_hub, current_user.id, job_id)
        # Read after subscribing: a change in between arrives as an event, none is lost.
        try:
            current = job_view(await jobs_service.get_owned(current_user.id, job_id))
        except Exception:
            event_hub.unsubscribe(subscriber)
            raise
        return ServerSentEvent(
            events.stream(
                event_hub, subscriber, initial=current, keepalive_s=settings.events.keepalive_s
            )
        )


class EventController(Controller):
    path = "/events"
    tags = ["Transcription jobs"]

    @get(
        "/",
        summary="Server-Sent Events of all your jobs",
        description="One `event: job` with the job JSON per change of any of your jobs. The "
        "stream stays open; a comment line at least every 15 seconds keeps it alive. It ends "
        "when this server loses its database connection: reconnect and re-read the jobs.",
        media_type="text/event-stream",
        responses=errors(401, 503),
    )
    async def user_events(
        self,
        current_user: CurrentUser,
        event_hub: NamedDependency[events.JobEventHub],
        settings: NamedDependency[Settings],
    ) -> ServerSentEvent:
        subscriber = await _subscribe(event_hub, current_user.id, None)
        return ServerSentEvent(
            events.stream(
                event_hub, subscriber, initial=None, keepalive_s=settings.events.keepalive_s
            )
        )


async def _subscribe(
    hub: events.JobEventHub, user_id: UUID, job_id: UUID | None
) -> events.Subscriber:
    try:
        return await hub.subscribe(user_id, job_id)
    except events.EventsUnavailableError:
        raise ServiceUnavailableException(
            detail="Job events are unavailable right now; poll GET /jobs/{id} meanwhile"
        ) from None
