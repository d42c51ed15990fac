from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts.current_user import (
    CurrentUser,
    Principal,
    read_without_transaction,
    session_of,
)
from transcribe.domain.jobs import actions
from transcribe.domain.jobs.creation import JobCreation, job_creation
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.reads import JobReads
from transcribe.domain.jobs.schemas import Job, JobCreate
from transcribe.domain.jobs.services import JobService
from transcribe.engines import TranscriptionEngine, is_supported_language, language_refusal
from transcribe.lib.errors import InvalidInput
from transcribe.lib.openapi import errors
from transcribe.lib.pagination import MAX_OFFSET
from transcribe.queue import LazyQueue
from transcribe.settings import Settings
from transcribe.storage import Storage

MAX_KEYTERM_WORDS = 6


# Swagger's "Try it out" sends these: requests the service takes, once `object_key` is
# the one POST /files/presign gave (tests/integration/jobs/test_openapi_examples.py).
CREATE_EXAMPLES = [
    Example(
        summary="English, one voice",
        value={
            "object_key": "uploads/<your user id>/<upload id>/interview.mp3",
            "language": "en",
            "mode": "mono",
        },
    ),
    Example(
        summary="Russian, two speakers, with words to favour",
        value={
            "object_key": "uploads/<your user id>/<upload id>/interview.mp3",
            "language": "ru",
            "mode": "dialogue",
            "speakers_expected": 2,
            "keyterms": ["Yandex Cloud"],
        },
    ),
    Example(
        summary="Detect the language",
        value={
            "object_key": "uploads/<your user id>/<upload id>/interview.mp3",
            "language": "auto",
            "mode": "mono",
        },
    ),
]


class JobController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = {
        **job_service_deps,
        "job_creation": Provide(job_creation, sync_to_thread=False),
    }

    @post(
        "/",
        status_code=201,
        summary="Start transcribing an uploaded file",
        responses=errors(
            400,
            401,
            402,
            404,
            409,
            410,
            e400="Unknown language or mode, `dialogue` with an engine that cannot tell "
            "speakers apart, bad hints, or a malformed body",
            e404="No such uploaded file, or not yours",
            e409="The upload is not completed",
            e410="The upload's media was deleted under the retention policy",
        ),
    )
    async def create_job(
        self,
        request: Request[Principal, Any, Any],
        data: Annotated[JobCreate, Body(examples=CREATE_EXAMPLES)],
        job_creation: NamedDependency[JobCreation],
        engine: NamedDependency[TranscriptionEngine],
        settings: NamedDependency[Settings],
    ) -> Job:
        """Queues a transcription of a completed upload. Follow it with GET /jobs/{id}/events (or
        poll GET /jobs/{id}); when it is `completed`, fetch the transcript.
        """
        language = data.language.strip().lower()
        if not is_supported_language(engine, language):
            raise InvalidInput(detail=language_refusal(engine, language))
        if data.mode == "dialogue" and not engine.diarization:
            raise InvalidInput(
                detail=f"The {engine.name} engine cannot tell speakers apart: use mode 'mono'"
            )
        if data.speakers_expected is not None and data.mode != "dialogue":
            raise InvalidInput(detail="speakers_expected is only for mode 'dialogue'")
        keyterms = _clean_keyterms(data.keyterms)
        # No session: the user is checked, and the quota read, with the upload (creation.py).
        return await job_creation.create(
            request.user,
            data.object_key,
            language,
            data.mode,
            engine=engine.name,
            default_quota_minutes=settings.auth.quota_monthly_audio_minutes,
            speakers_expected=data.speakers_expected,
            keyterms=keyterms,
        )

    @get(
        "/",
        summary="List your jobs, newest first, or search them",
        description="With `q`, only jobs whose transcript or file name has its words, best "
        "match first (words as written, any language; quotes for a phrase, `-word` to "
        "exclude).",
        responses=errors(400, 401),
    )
    async def list_jobs(
        self,
        request: Request[Principal, Any, Any],
        job_reads: NamedDependency[JobReads],
        status: FromQuery[m.JobStatus | None] = None,
        q: Annotated[
            str | None, Parameter(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> OffsetPagination[Job]:
        if q is not None and q.strip():
            session = session_of(request)
            await read_without_transaction(request, session)
            user = await request.user.load(session)
            return await JobService(session=session).search_for_user(
                user.id, q, status, limit, offset
            )
        # The page web clients open most: one statement, no session, no service.
        return await job_reads.page(request.user, status, limit, offset)

    @get("/{job_id:uuid}", summary="One job", responses=errors(401, 404))
    async def get_job(
        self,
        request: Request[Principal, Any, Any],
        job_id: FromPath[UUID],
        job_reads: NamedDependency[JobReads],
    ) -> Job:
        """The job's status, progress where the engine reports it, timings, detected language and
        audio duration, and the error in plain words if it failed.
        """
        # No session and no service: the one read clients poll goes at the driver's speed.
        return await job_reads.owned(request.user, job_id)

    @delete(
        "/{job_id:uuid}",
        status_code=204,
        summary="Cancel an unfinished job, or delete a finished one",
        responses=errors(401, 404),
    )
    async def delete_job(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
        queue: NamedDependency[LazyQueue],
        settings: NamedDependency[Settings],
    ) -> None:
        """An unfinished job is cancelled (at the provider too); a finished one is deleted with
        its transcript and result files.
        """
        job = await jobs_service.get_owned(current_user.id, job_id, for_update=True)
        await actions.cancel_or_delete(
            db_session, queue, storage, job, settle_s=_settle_s(settings)
        )


def _clean_keyterms(keyterms: list[str]) -> list[str]:
    cleaned: dict[str, None] = {}
    for term in keyterms:
        term = " ".join(term.split())
        if not term:
            raise InvalidInput(detail="keyterms must not be blank")
        if len(term.split()) > MAX_KEYTERM_WORDS:
            raise InvalidInput(
                detail=f"keyterms are words or short phrases (at most {MAX_KEYTERM_WORDS} words)"
            )
        cleaned[term] = None
    return list(cleaned)


def _settle_s(settings: Settings) -> float:
    """How long a submission in flight may still take to get the provider's answer."""
    return 2 * settings.transcription.assemblyai_timeout_s + 30
