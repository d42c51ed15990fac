"""Share links: the owner makes or revokes a job's link; anyone with the token reads the
transcript and plays the recording, without an account."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_dependencies
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from transcribe.db import models as m
from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.accounts.throttle import LoginThrottle
from transcribe.domain.files.serving import serve
from transcribe.domain.jobs.deps import job_service_deps
from transcribe.domain.jobs.media_routes import playable_upload
from transcribe.domain.jobs.services import JobService
from transcribe.domain.sharing.schemas import (
    ShareCreate,
    SharedJob,
    SharedTranscript,
    ShareLinkView,
)
from transcribe.domain.sharing.services import ShareLinkService
from transcribe.domain.sharing.tokens import ShareTokens
from transcribe.domain.transcripts import store
from transcribe.domain.transcripts.document import with_names
from transcribe.lib.compression import json_response
from transcribe.lib.errors import Gone, NotFound
from transcribe.lib.http import client_address
from transcribe.lib.openapi import errors
from transcribe.settings import Settings
from transcribe.storage import Storage

share_link_deps = create_service_dependencies(ShareLinkService, key="share_links")
NOT_SHARED = "No such shared transcript: the link is wrong, revoked or expired"
# Longer than any token this service makes: refused before any work.
MAX_TOKEN_CHARS = 128
VIEW_WINDOW_S = 60


class ShareController(Controller):
    path = "/jobs"
    tags = ["Sharing"]
    dependencies = {**job_service_deps, **share_link_deps}

    @post(
        "/{job_id:uuid}/share",
        status_code=201,
        summary="A public read-only link to the job's transcript and recording",
        responses=errors(
            400, 401, 404, 409, e409="The job is not completed: only a transcript can be shared"
        ),
    )
    async def share(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        share_links: NamedDependency[ShareLinkService],
        settings: NamedDependency[Settings],
        data: Annotated[
            ShareCreate | None,
            Body(
                description="May be left out, or `{}`: no expiry",
                examples=[
                    Example(summary="A link for 30 days", value={"expires_in_days": 30}),
                    Example(summary="A link until revoked", value={}),
                ],
            ),
        ] = None,
    ) -> ShareLinkView:
        """The link (`url`, the web app's `/s/{token}`) works with no account: it shows the
        transcript with its speaker names and plays the recording. A job has one link: a second
        call answers 201 too, with the same token, and a given `expires_in_days` replaces the
        link's expiry (left out, the expiry stays). An expired link is replaced by a new one.
        """
        job = await jobs_service.get_owned(current_user.id, job_id, for_update=True)
        tokens = ShareTokens(settings.auth.jwt_secret)
        link, token = await share_links.share(job, tokens, data.expires_in_days if data else None)
        return _view(settings, link, token)

    @get(
        "/{job_id:uuid}/share",
        summary="The job's share link, if it has one",
        responses=errors(401, 404, e404="No such job"),
    )
    async def current_share(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        share_links: NamedDependency[ShareLinkService],
        settings: NamedDependency[Settings],
    ) -> ShareLinkView | None:
        """The link POST made, while it works (so a page can show it again); `null` when the
        job was never shared, the link was revoked or it expired. (Not a 404: a job without a
        link is the usual case, not an error.)"""
        job = await jobs_service.get_owned(current_user.id, job_id)
        live = await share_links.live(job.id, ShareTokens(settings.auth.jwt_secret))
        return _view(settings, *live) if live is not None else None

    @delete(
        "/{job_id:uuid}/share",
        status_code=204,
        summary="Revoke the job's share link",
        responses=errors(401, 404),
    )
    async def unshare(
        self,
        current_user: CurrentUser,
        job_id: FromPath[UUID],
        jobs_service: NamedDependency[JobService],
        share_links: NamedDependency[ShareLinkService],
    ) -> None:
        """The link stops working at once; a later share makes a new token. 204 also when the
        job had no link (404 only for a job that is not yours).
        """
        job = await jobs_service.get_owned(current_user.id, job_id)
        await share_links.revoke(job.id)


class SharedController(Controller):
    path = "/shared"
    tags = ["Sharing"]
    dependencies = share_link_deps

    @get(
        "/{token:str}",
        exclude_from_auth=True,
        summary="A shared transcript, with no account",
        responses=errors(
            404,
            429,
            e404="Unknown, revoked or expired link, or a job no longer there",
            e429="Too many requests from this address (SHARED_VIEWS_PER_MINUTE); see Retry-After",
        ),
    )
    async def shared(
        self,
        request: Request,
        token: FromPath[str],
        share_links: NamedDependency[ShareLinkService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
    ) -> Response[SharedTranscript]:
        """The job (no owner data), its transcript with speaker names applied, and the URL of its
        recording (`/shared/{token}/media`: it works as long as the link does; null once the
        media was deleted). Requests per client address are limited (SHARED_VIEWS_PER_MINUTE,
        429 with Retry-After beyond).
        """
        await _count_view(request, db_session, settings)
        job = await _shared_job(share_links, token)
        names = dict(job.speaker_names or {})
        document = with_names(await store.load_document(storage, db_session, job), names)
        try:
            upload = await playable_upload(storage, db_session, job)
            media_url: str | None = f"{settings.public_base_url}/shared/{token}/media"
            media_type: str | None = upload.content_type
        except Gone:
            media_url = media_type = None
        shared = SharedTranscript(
            job=SharedJob(
                id=job.id,
                filename=job.filename,
                language=job.language,
                mode=job.mode,  # type: ignore[arg-type]
                audio_duration_s=job.audio_duration_s,
                speaker_names=names,
                completed_at=job.completed_at,
            ),
            transcript=document,
            media_url=media_url,
            media_content_type=media_type,
        )
        return await json_response(request, shared)

    @get(
        "/{token:str}/media",
        exclude_from_auth=True,
        summary="The recording of a shared transcript, for playback",
        responses={
            **errors(
                404,
                410,
                416,
                e404="Unknown, revoked or expired link",
                e410="The media was deleted (MEDIA_RETENTION_DAYS, or the upload was deleted)",
            ),
            200: ResponseSpec(
                None,
                description="The whole recording, with the type it was uploaded with",
                media_type="application/octet-stream",
            ),
            206: ResponseSpec(
                None,
                description="The range asked for, with `Content-Range`",
                media_type="application/octet-stream",
            ),
            302: ResponseSpec(None, description="S3 storage: to a short-lived presigned URL"),
        },
    )
    async def shared_media(
        self,
        request: Request,
        token: FromPath[str],
        share_links: NamedDependency[ShareLinkService],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        """The recording, as long as the link works: served here, inline with its own type and
        `Range` requests answered with 206 (local storage), or a redirect to a short-lived
        presigned URL (S3: media never passes through the API). The link's URL, not the
        storage key, is what the shared page shows. Not counted against
        SHARED_VIEWS_PER_MINUTE: players send a request for every seek.
        """
        job = await _shared_job(share_links, token)
        key = (await playable_upload(storage, db_session, job)).object_key
        if storage.signs_natively:
            signed = await storage.presign_get(key, expires_s=settings.storage.url_ttl_s)
            return Redirect(signed.url, status_code=302)
        return await serve(request, storage, db_session, key)


def _view(settings: Settings, link: m.ShareLink, token: str) -> ShareLinkView:
    return ShareLinkView(
        token=token, url=f"{settings.email.frontend_url}/s/{token}", expires_at=link.expires_at
    )


async def _shared_job(share_links: ShareLinkService, token: str) -> m.TranscriptionJob:
    job = await share_links.shared_job(token) if len(token) <= MAX_TOKEN_CHARS else None
    if job is None:
        raise NotFound(detail=NOT_SHARED)
    return job


async def _count_view(request: Request, session: AsyncSession, settings: Settings) -> None:
    """Every request counts (found or not), per client address, in the login throttle's
    table: the limit holds across API instances."""
    throttle = LoginThrottle(session, window_s=VIEW_WINDOW_S, max_per_email=0, max_per_client=0)
    key = f"shared:{client_address(request, settings.trusted_proxy_hops)}"
    limit = settings.auth.shared_views_per_minute
    await throttle.check_key(key, limit, "Too many requests for shared transcripts; try later")
    await throttle.record_failure(key)
