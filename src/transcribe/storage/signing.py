"""Signed URLs for the service's own storage routes (local and memory backends).

They behave like S3 presigned URLs: no Authorization header, an expiry, bound to one
object key (and, for uploads, to the declared size). HMAC-SHA256 with a key derived from
JWT_SECRET, so no second secret needs managing; the derivation label keeps a URL
signature from ever being valid as a token signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

_LABEL = b"transcribe-storage-url-v1"


class UrlSigner:
    def __init__(self, secret: str, public_base_url: str) -> None:
        self._key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
        self._base = public_base_url.rstrip("/")

    def _signature(self, method: str, key: str, expires: int, size: int | None) -> str:
        message = f"{method}\n{key}\n{expires}\n{'' if size is None else size}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def url(self, method: str, key: str, expires: int, size: int | None = None) -> str:
        route = "upload" if method == "PUT" else "download"
        query: dict[str, str | int] = {"expires": expires}
        if size is not None:
            query["size"] = size
        query["signature"] = self._signature(method, key, expires, size)
        return f"{self._base}/files/{route}/{quote(key)}?{urlencode(query)}"

    def is_valid(
        self, method: str, key: str, expires: int, signature: str, size: int | None = None
    ) -> bool:
        expected = self._signature(method, key, expires, size)
        # Bytes, not str: compare_digest refuses non-ASCII text, and a URL may carry anything.
        matches = hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
        return matches and expires >= int(time.time())
