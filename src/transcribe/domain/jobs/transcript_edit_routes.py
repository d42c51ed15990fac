"""The transcript document, edits to its words (the web app's editor), and undoing them.

One edit at a time per job: each request takes the job's row lock, checks that the client
edited the current revision (else 409, and nothing changes), stores the next revision, puts
its text in the search index and commits; then the files rendered of the old revision go
(`transcript_changes.py`).
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.jobs import transcript_changes
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.services import JobService
from transcribe.domain.transcripts import store
from transcribe.domain.transcripts.document import TranscriptDocument, with_names
from transcribe.domain.transcripts.schemas import TranscriptEdits
from transcribe.lib.compression import json_response
from transcribe.lib.openapi import errors
from transcribe.storage import Storage

EXAMPLES = [
    Example(
        summary="Correct the second word",
        value={"revision": 0, "edits": [{"start": 1, "end": 2, "text": "morning,"}]},
    ),
    Example(
        summary="Insert two words, delete one, give a word to another speaker",
        value={
            "revision": 0,
            "edits": [
                {"start": 0, "end": 0, "text": "Well,"},
                {"start": 2, "end": 3, "text": ""},
                {"start": 3, "end": 4, "speaker": "B"},
            ],
        },
    ),
]


class TranscriptDocumentController(Controller):
    path = "/jobs"
    tags = ["Transcription jobs"]
    dependencies = job_service_deps

    @get(
        "/{job_id:uuid}/transcript",
        summary="The transcript document: text, utterances and word timings",
        description="Speaker names set with PATCH /jobs/{id}/speakers appear as `speaker_name`. "
        "`version=recognised` gives the document as recognised, before any edit (revision 0).",
        responses=errors(
            400, 401, 404, 409, e400="Unknown version", e409="The job is not completed"
        ),
    )
    async def transcript(
        self,
        request: Request,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
        version: FromQuery[Literal["current", "recognised"]] = "current",
    ) -> Response[TranscriptDocument]:
        job = await jobs_service.get_completed(current_user.id, job_id)
        load = store.load_recognised if version == "recognised" else store.load_document
        document = await load(storage, db_session, job)
        return await json_response(request, with_names(document, dict(job.speaker_names or {})))

    @patch(
        "/{job_id:uuid}/transcript",
        summary="Edit the words of a transcript",
        description="Each edit replaces `words[start:end]` of the document at `revision` by "
        'the words of `text` (an insertion when `start == end`; `""` deletes) and/or gives '
        "them to `speaker` (`dialogue` only). Edits must not overlap. Kept words keep their "
        "timings; new words share the time of the words they replace (an insertion, the gap "
        "between its neighbours). Answers the new document, `revision` one higher; downloads "
        "and search follow it.",
        responses=errors(
            400,
            401,
            404,
            409,
            e400="A range outside the words, overlapping edits, an edit with neither text nor "
            "speaker, text too long, a bad speaker label, or a speaker in mono mode",
            e409="The job is not completed, or `revision` is not the current one (nothing "
            "changed: load the transcript again)",
        ),
    )
    async def edit_transcript(
        self,
        request: Request,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        data: Annotated[TranscriptEdits, Body(examples=EXAMPLES)],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
    ) -> Response[TranscriptDocument]:
        job = await jobs_service.get_completed(current_user.id, job_id, for_update=True)
        edited = await transcript_changes.edit(storage, db_session, job, data)
        return await json_response(request, edited)

    @delete(
        "/{job_id:uuid}/transcript/edits",
        status_code=200,
        summary="Undo every edit of a transcript",
        description="The words as recognised come back, as a new revision (one higher than "
        "the current one, so that editors holding the old revision get 409).",
        responses=errors(401, 404, 409, e409="The job is not completed"),
    )
    async def undo_edits(
        self,
        request: Request,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
    ) -> Response[TranscriptDocument]:
        job = await jobs_service.get_completed(current_user.id, job_id, for_update=True)
        restored = await transcript_changes.undo_edits(storage, db_session, job)
        return await json_response(request, restored)
