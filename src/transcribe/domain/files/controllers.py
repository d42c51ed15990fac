from __future__ import annotations

from typing import Annotated

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, JSONBody, Parameter

from transcribe.domain.accounts.current_user import CurrentUser
from transcribe.domain.files import uploads
from transcribe.domain.files.deps import upload_service_deps
from transcribe.domain.files.schemas import (
    CompleteRequest,
    PresignedUpload,
    PresignRequest,
    UploadedFile,
)
from transcribe.domain.files.services import UploadService, check_upload
from transcribe.lib.openapi import errors
from transcribe.lib.pagination import MAX_OFFSET
from transcribe.settings import Settings
from transcribe.storage import Storage


class FileController(Controller):
    path = "/files"
    tags = ["Files"]
    dependencies = upload_service_deps

    @post(
        "/presign",
        status_code=201,
        summary="Get a URL to upload a media file to",
        responses=errors(
            400,
            401,
            413,
            415,
            429,
            e413="Size over MAX_UPLOAD_BYTES",
            e429="Too many uploads presigned and not completed (MAX_PENDING_UPLOADS)",
        ),
    )
    async def presign(
        self,
        current_user: CurrentUser,
        data: Annotated[
            PresignRequest,
            Body(
                examples=[
                    Example(
                        summary="An MP3 of 46 MB",
                        value={
                            "filename": "interview.mp3",
                            "size": 48_213_504,
                            "content_type": "audio/mpeg",
                        },
                    )
                ]
            ),
        ],
        uploads_service: NamedDependency[UploadService],
        storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
    ) -> PresignedUpload:
        """Returns a URL and headers to PUT the file's bytes to, without an Authorization header
        (with S3 storage, the store's own presigned URL). The URL expires and accepts exactly
        `size` bytes; then call POST /files/complete.
        """
        content_type = check_upload(
            data.size,
            data.content_type,
            max_bytes=settings.storage.max_upload_bytes,
            allow_text=settings.transcription.backend == "stub",
        )
        upload = await uploads.start(
            uploads_service.repository.session,
            current_user.id,
            data.filename,
            data.size,
            content_type,
            max_pending=settings.storage.max_pending_uploads,
            retry_after_s=settings.storage.url_ttl_s,
        )
        signed = await storage.presign_put(
            upload.object_key,
            size=data.size,
            content_type=content_type,
            expires_s=settings.storage.url_ttl_s,
        )
        return PresignedUpload(
            object_key=upload.object_key,
            upload_url=signed.url,
            method="PUT",
            headers=signed.headers,
            expires_at=signed.expires_at,
        )

    @post(
        "/complete",
        status_code=200,
        summary="Confirm that an upload finished",
        responses=errors(
            400,
            401,
            404,
            409,
            e409="Nothing uploaded yet, or the size differs from the presigned size",
        ),
    )
    async def complete(
        self,
        current_user: CurrentUser,
        data: JSONBody[CompleteRequest],
        uploads_service: NamedDependency[UploadService],
        storage: NamedDependency[Storage],
    ) -> UploadedFile:
        """Call after the PUT: checks that the object exists with exactly the presigned size. The
        file can then be transcribed (POST /jobs). Completing twice changes nothing.
        """
        upload = await uploads_service.get_owned(current_user.id, data.object_key, for_update=True)
        await uploads.complete(storage, upload)
        return uploads_service.to_schema(upload, schema_type=UploadedFile)

    @get("/", summary="List your files, newest first", responses=errors(400, 401))
    async def list_files(
        self,
        current_user: CurrentUser,
        uploads_service: NamedDependency[UploadService],
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> OffsetPagination[UploadedFile]:
        """Your uploads, newest first: `pending` until completed, `uploaded`, or `expired` once
        retention deleted the media.
        """
        return await uploads_service.page(current_user.id, limit, offset)

    @delete(
        "/{object_key:path}",
        status_code=204,
        summary="Delete a file",
        responses=errors(401, 404, 409, e409="A job that is still running uses this file"),
    )
    async def delete_file(
        self,
        current_user: CurrentUser,
        object_key: FromPath[str],
        uploads_service: NamedDependency[UploadService],
        storage: NamedDependency[Storage],
    ) -> None:
        """Deletes the upload and its media. 409 while a job that is still running uses it; jobs
        already made from it keep their transcripts.
        """
        upload = await uploads_service.get_owned(
            current_user.id, object_key.lstrip("/"), for_update=True
        )
        await uploads.delete_unused(uploads_service.repository.session, storage, upload)
