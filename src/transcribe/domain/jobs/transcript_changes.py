"""Changes to a completed job's transcript: speaker names, edited revisions, undoing edits.

The caller holds the job's row lock. Each change commits before the files rendered of the
old version leave storage, so a failed commit leaves every stored render still true.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.jobs import lifecycle, speaker_names
from transcribe.domain.transcripts import store
from transcribe.domain.transcripts.document import TranscriptDocument, speakers, with_names
from transcribe.domain.transcripts.edits import apply_edits, restored
from transcribe.domain.transcripts.schemas import TranscriptEdits
from transcribe.lib.errors import Conflict
from transcribe.storage import Storage


async def rename_speakers(
    storage: Storage,
    session: AsyncSession,
    job: m.TranscriptionJob,
    requested: dict[str, str | None],
) -> m.TranscriptionJob:
    """Names merged into the job's (a null name removes one); the job as it is now."""
    document = await store.load_document(storage, session, job)
    old = dict(job.speaker_names or {})
    names = {**old, **speaker_names.clean(requested, speakers(document))}
    names = {label: name for label, name in names.items() if name is not None}
    renamed = await lifecycle.rename_speakers(session, job.id, names)
    await session.commit()
    if names != old:
        await store.forget_renders(storage, job, old, document.revision)
    return renamed or job


async def edit(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob, edits: TranscriptEdits
) -> TranscriptDocument:
    """The next revision, if `edits` were made to the current one (else 409, nothing
    changes)."""
    current = await store.load_document(storage, session, job)
    if edits.revision != current.revision:
        raise Conflict(
            detail=f"The transcript is at revision {current.revision}, not {edits.revision}: "
            "it was edited elsewhere; load it again"
        )
    edited = apply_edits(current, edits.edits, dialogue=job.mode == "dialogue")
    return await _save(storage, session, job, current, edited)


async def undo_edits(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob
) -> TranscriptDocument:
    """The words as recognised, as a new revision (one higher than the current one, so that
    editors holding the old revision get 409)."""
    current = await store.load_document(storage, session, job)
    recognised = await store.load_recognised(storage, session, job)
    back = restored(recognised, revision=current.revision + 1)
    return await _save(storage, session, job, current, back)


async def _save(
    storage: Storage,
    session: AsyncSession,
    job: m.TranscriptionJob,
    current: TranscriptDocument,
    new: TranscriptDocument,
) -> TranscriptDocument:
    names = dict(job.speaker_names or {})
    await store.save_edited(storage, session, job, new)
    await session.commit()
    await store.forget_renders(storage, job, names, current.revision)
    return with_names(new, names)
