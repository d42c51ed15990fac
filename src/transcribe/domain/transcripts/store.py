"""Where a job's results live in object storage, and the rendered files cached there.

    results/{user_id}/{job_id}/transcript.json            the document as recognised, written once
    results/{user_id}/{job_id}/transcript.edited.json     the current revision, once edited
    results/{user_id}/{job_id}/{version}/{stem}.{format}  rendered on first download

`{version}` is the revision (`r3-`, none for 0) and a digest of the speaker names, so an edit
or a renaming leaves the old renders unreachable (and deletes them); `{stem}` is the upload's
name, which is also the name the file downloads under. Undoing the edits writes the
recognised words as the next revision, so revisions only grow.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import PurePosixPath
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.transcripts.document import (
    TranscriptDocument,
    Utterance,
    Word,
    decode,
    encode,
)
from transcribe.domain.transcripts.render import FORMATS
from transcribe.lib.http import content_disposition
from transcribe.storage import PresignedRequest, Storage
from transcribe.storage.keys import results_prefix, safe_filename


def document_key(user_id: UUID, job_id: UUID) -> str:
    return results_prefix(user_id, job_id) + "transcript.json"


def edited_key(user_id: UUID, job_id: UUID) -> str:
    return results_prefix(user_id, job_id) + "transcript.edited.json"


def names_version(names: dict[str, str]) -> str:
    if not names:
        return "plain"
    digest = hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()
    return f"names-{digest[:16]}"


def render_version(names: dict[str, str], revision: int) -> str:
    """The folder of the renders of `revision` with `names` (as before edits, for revision 0)."""
    return f"r{revision}-{names_version(names)}" if revision else names_version(names)


def download_name(job: m.TranscriptionJob, fmt: str) -> str:
    stem = safe_filename(PurePosixPath(job.filename).stem) if job.filename else ""
    return f"{stem or 'transcript'}.{fmt}"


def rendered_key(
    job: m.TranscriptionJob, names: dict[str, str], fmt: str, revision: int = 0
) -> str:
    prefix = results_prefix(job.user_id, job.id)
    return f"{prefix}{render_version(names, revision)}/{download_name(job, fmt)}"


async def save_document(storage: Storage, user_id: UUID, document: TranscriptDocument) -> str:
    key = document_key(user_id, document.job_id)
    await storage.put_bytes(key, encode(document), "application/json")
    return key


async def load_document(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob
) -> TranscriptDocument:
    """The current document: the latest revision once edited, else as recognised."""
    edited = await _read(storage, edited_key(job.user_id, job.id))
    return edited if edited is not None else await load_recognised(storage, session, job)


async def load_recognised(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob
) -> TranscriptDocument:
    """The document as the engine gave it (revision 0)."""
    recognised = await _read(storage, document_key(job.user_id, job.id))
    return recognised if recognised is not None else await _from_transcript_row(session, job)


async def save_edited(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob, document: TranscriptDocument
) -> None:
    """Store a new revision and make search find its text (the caller holds the job's row
    lock and commits; the object is written first, so a failed commit leaves the new words
    in storage with the old search text, never search text for words that are not stored)."""
    await storage.put_bytes(edited_key(job.user_id, job.id), encode(document), "application/json")
    await save_search_text(session, job.id, document.text)


async def save_search_text(session: AsyncSession, job_id: UUID, text: str) -> None:
    """The text search finds the job by (the `transcripts` row; the document itself stays in
    object storage)."""
    await session.execute(
        insert(m.Transcript)
        .values(job_id=job_id, plain_text=text)
        .on_conflict_do_update(
            index_elements=[m.Transcript.job_id],
            set_={"plain_text": text, "updated_at": datetime.now(UTC)},
        )
    )


async def forget_search_text(session: AsyncSession, job_id: UUID) -> None:
    await session.execute(delete(m.Transcript).where(m.Transcript.job_id == job_id))


async def _read(storage: Storage, key: str) -> TranscriptDocument | None:
    if await storage.head(key) is None:
        return None
    data = bytearray()
    async for chunk in storage.read_stream(key):
        data += chunk
    return decode(bytes(data))


async def _from_transcript_row(
    session: AsyncSession, job: m.TranscriptionJob
) -> TranscriptDocument:
    """Jobs completed before documents existed kept only their text and utterances."""
    row = await session.scalar(select(m.Transcript).where(m.Transcript.job_id == job.id))
    text = row.plain_text if row else ""
    utterances = [
        Utterance(u["speaker"], None, u.get("start_ms"), u.get("end_ms"), u["text"])
        for u in (row.diarized_json if row and row.diarized_json else [])
    ]
    words: list[Word] = []
    return TranscriptDocument(
        job.id,
        job.detected_language,
        job.audio_duration_s,
        text,
        utterances,
        words,
        language_confidence=job.language_confidence,
    )


async def rendered_link(
    storage: Storage,
    session: AsyncSession,
    job: m.TranscriptionJob,
    fmt: str,
    *,
    expires_s: int,
) -> PresignedRequest:
    """A signed URL to the job's transcript in `fmt`, rendered and stored on first use."""
    names = dict(job.speaker_names or {})
    # The render's key needs the revision: an edited transcript is read for it (downloads
    # are rare next to reads of the job; an unedited one costs one HEAD).
    edited = await _read(storage, edited_key(job.user_id, job.id))
    key = rendered_key(job, names, fmt, edited.revision if edited else 0)
    if await storage.head(key) is None:
        document = edited if edited is not None else await load_recognised(storage, session, job)
        await storage.put_bytes(
            key,
            FORMATS[fmt].render(document, names),
            FORMATS[fmt].media_type,
            content_disposition=content_disposition(download_name(job, fmt)),
        )
    return await storage.presign_get(key, expires_s=expires_s)


async def forget_renders(
    storage: Storage, job: m.TranscriptionJob, names: dict[str, str], revision: int
) -> None:
    """Drop the files rendered of `revision` with `names` (the names or the words just changed)."""
    prefix = results_prefix(job.user_id, job.id)
    await storage.delete_prefix(f"{prefix}{render_version(names, revision)}/")
