"""Where a job's results live in object storage, and the rendered files cached there.

    results/{user_id}/{job_id}/transcript.json            the document, written once
    results/{user_id}/{job_id}/{names}/{stem}.{format}    rendered on first download

`{names}` is a digest of the speaker names, so renaming speakers leaves the old renders
unreachable (and deletes them); `{stem}` is the upload's name, which is also the name the
file downloads under.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.files.names import safe_filename
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

RESULTS_ROOT = "results/"


def results_prefix(user_id: UUID, job_id: UUID) -> str:
    return f"{RESULTS_ROOT}{user_id}/{job_id}/"


def document_key(user_id: UUID, job_id: UUID) -> str:
    return results_prefix(user_id, job_id) + "transcript.json"


def names_version(names: dict[str, str]) -> str:
    if not names:
        return "plain"
    digest = hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()
    return f"names-{digest[:16]}"


def download_name(job: m.TranscriptionJob, fmt: str) -> str:
    stem = safe_filename(PurePosixPath(job.filename).stem) if job.filename else ""
    return f"{stem or 'transcript'}.{fmt}"


def rendered_key(job: m.TranscriptionJob, names: dict[str, str], fmt: str) -> str:
    prefix = results_prefix(job.user_id, job.id)
    return f"{prefix}{names_version(names)}/{download_name(job, fmt)}"


async def save_document(storage: Storage, user_id: UUID, document: TranscriptDocument) -> str:
    key = document_key(user_id, document.job_id)
    await storage.put_bytes(key, encode(document), "application/json")
    return key


async def load_document(
    storage: Storage, session: AsyncSession, job: m.TranscriptionJob
) -> TranscriptDocument:
    key = document_key(job.user_id, job.id)
    if await storage.head(key) is not None:
        data = bytearray()
        async for chunk in storage.read_stream(key):
            data += chunk
        return decode(bytes(data))
    return await _from_transcript_row(session, job)


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
        job.id, job.detected_language, job.audio_duration_s, text, utterances, words
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
    key = rendered_key(job, names, fmt)
    if await storage.head(key) is None:
        document = await load_document(storage, session, job)
        await storage.put_bytes(
            key,
            FORMATS[fmt].render(document, names),
            FORMATS[fmt].media_type,
            content_disposition=content_disposition(download_name(job, fmt)),
        )
    return await storage.presign_get(key, expires_s=expires_s)


async def forget_renders(storage: Storage, job: m.TranscriptionJob, names: dict[str, str]) -> None:
    """Drop the files rendered with `names` (the names just changed)."""
    await storage.delete_prefix(f"{results_prefix(job.user_id, job.id)}{names_version(names)}/")
