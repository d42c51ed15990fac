"""Object storage over obstore: the one module that talks to S3, the local disk or memory.

Backends:
- `s3`: any S3-compatible store (Yandex Object Storage, MinIO, AWS). Presigned URLs are
  the store's own, so media never passes through the API.
- `local` (default): files under LOCAL_STORAGE_DIR; presigned URLs point at the
  service's own signed `/files/upload/...` and `/files/download/...` routes.
- `memory`: for tests, same URLs as `local`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import LocalStore, MemoryStore, S3Store

from transcribe.settings import Settings, StorageSettings
from transcribe.storage.signing import UrlSigner

# Where the service's own upload route receives bytes before they take their key.
STAGING_PREFIX = "staging/"
CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small enough for flat memory


@dataclass(frozen=True)
class PresignedRequest:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class Storage:
    def __init__(
        self,
        backend: str,
        store: S3Store | LocalStore | MemoryStore,
        signer: UrlSigner,
        *,
        signing_store: S3Store | None = None,
        provider_can_fetch: bool = True,
    ) -> None:
        self.backend = backend
        self._store = store
        self._signer = signer  # for backends that cannot sign URLs themselves
        # Signs URLs for the endpoint clients reach, which may differ from ours (containers).
        self._signing_store = signing_store or store
        self._provider_can_fetch = provider_can_fetch

    @property
    def signer(self) -> UrlSigner:
        return self._signer

    @property
    def signs_natively(self) -> bool:
        return self.backend == "s3"

    async def _sign(
        self, method: str, key: str, expires_s: int, size: int | None
    ) -> PresignedRequest:
        expires = int(time.time()) + expires_s
        if self.signs_natively:
            url = await obstore.sign_async(
                self._signing_store,  # type: ignore[arg-type]
                method,  # type: ignore[arg-type]
                key,
                timedelta(seconds=expires_s),
            )
        else:
            url = self._signer.url(method, key, expires, size)
        return PresignedRequest(url, method, {}, datetime.fromtimestamp(expires, UTC))

    async def presign_put(
        self, key: str, *, size: int, content_type: str, expires_s: int
    ) -> PresignedRequest:
        signed = await self._sign("PUT", key, expires_s, size)
        headers = {"Content-Type": content_type, "Content-Length": str(size)}
        return PresignedRequest(signed.url, signed.method, headers, signed.expires_at)

    async def presign_get(
        self, key: str, *, expires_s: int, filename: str | None = None
    ) -> PresignedRequest:
        return await self._sign("GET", key, expires_s, None)

    async def external_audio_url(self, key: str, *, expires_s: int) -> str | None:
        """A URL a third party (the recognition provider) can fetch, if this backend has one."""
        if not (self.signs_natively and self._provider_can_fetch):
            return None
        return (await self.presign_get(key, expires_s=expires_s)).url

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            meta = await obstore.head_async(self._store, key)
        except (NotFoundError, FileNotFoundError):
            return None
        return ObjectInfo(key=key, size=int(meta["size"]))

    async def read_stream(
        self, key: str, *, chunk_size: int = CHUNK, byte_range: tuple[int, int] | None = None
    ) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; with `byte_range` (start, end exclusive), only those."""
        options = {"range": byte_range} if byte_range is not None else None
        result = await obstore.get_async(self._store, key, options=options)  # type: ignore[arg-type]
        async for chunk in result.stream(min_chunk_size=chunk_size):
            yield bytes(chunk)

    async def write_stream(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Stream chunks into the object; written atomically (nothing visible until done)."""
        written = 0

        async def counted() -> AsyncIterator[bytes]:
            nonlocal written
            async for chunk in chunks:
                written += len(chunk)
                yield chunk

        await obstore.put_async(
            self._store, key, counted(), chunk_size=8 * CHUNK, max_concurrency=2
        )
        return written

    async def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str | None = None,
        *,
        content_disposition: str | None = None,
    ) -> None:
        """Store `data`; on S3 the object also keeps the type and download name it is
        served with (the service's own download route derives both from the key)."""
        attributes: dict[str, str] = {}
        if self.signs_natively:
            if content_type:
                attributes["Content-Type"] = content_type
            if content_disposition:
                attributes["Content-Disposition"] = content_disposition
        await obstore.put_async(self._store, key, data, attributes=attributes or None)  # type: ignore[arg-type]

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix` (a folder: it must end with `/`)."""
        assert prefix.endswith("/"), prefix
        keys = [
            meta["path"]
            async for batch in obstore.list(self._store, prefix=prefix)
            for meta in batch
        ]
        for key in keys:
            await self.delete(key)
        return len(keys)

    async def rename(self, source: str, target: str) -> None:
        """Move an object (a rename on local disk: atomic, replacing any object at `target`)."""
        await obstore.rename_async(self._store, source, target)

    async def delete_older_than(self, prefix: str, before: datetime) -> int:
        """Delete the objects under `prefix` last written before `before`."""
        assert prefix.endswith("/"), prefix
        keys = [
            meta["path"]
            async for batch in obstore.list(self._store, prefix=prefix)
            for meta in batch
            if meta["last_modified"] < before
        ]
        for key in keys:
            await self.delete(key)
        return len(keys)

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, key)
        except (NotFoundError, FileNotFoundError):
            pass


def _s3_store(config: StorageSettings, endpoint: str) -> S3Store:
    options = {"allow_http": True} if endpoint.startswith("http://") else None
    return S3Store(
        config.s3_bucket,
        endpoint=endpoint or None,
        region=config.s3_region,
        access_key_id=config.s3_access_key_id or None,
        secret_access_key=config.s3_secret_access_key or None,
        # Path-style works with MinIO, rclone and Yandex alike, whatever the bucket's name.
        virtual_hosted_style_request=False,
        client_options=options,
    )


_memory_stores: dict[str, MemoryStore] = {}


def get_storage(settings: Settings) -> Storage:
    config = settings.storage
    signer = UrlSigner(settings.auth.jwt_secret, settings.public_base_url)
    if config.backend == "s3":
        public = config.s3_public_endpoint_url or config.s3_endpoint_url
        return Storage(
            "s3",
            _s3_store(config, config.s3_endpoint_url),
            signer,
            signing_store=_s3_store(config, public) if public != config.s3_endpoint_url else None,
            provider_can_fetch=config.s3_provider_can_fetch,
        )
    if config.backend == "memory":
        # One store per process, so every request sees the same objects.
        store = _memory_stores.setdefault("default", MemoryStore())
        return Storage("memory", store, signer)
    root = Path(config.local_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return Storage("local", LocalStore(prefix=root, mkdir=True, automatic_cleanup=True), signer)


__all__ = ["ObjectInfo", "PresignedRequest", "Storage", "get_storage"]
