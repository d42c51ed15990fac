"""Share-link tokens: derived from the link's id, stored only as SHA-256.

"A second POST returns the same link" needs the token again, yet the table must hold
nothing that works if it leaks (as for account tokens and API keys). So the token is not
random and kept, it is HMAC-SHA256(key, link id) under a key derived from JWT_SECRET (own
label: never valid as any other signature): the service can recompute it from the row at
any time, a reader of the database cannot. The row keeps its SHA-256 for the lookup by
token. Revoking deletes the row, and a new link has a new id, hence a new token.

Rotating JWT_SECRET changes every token: old links keep working until their owner asks for
the link again (which stores the new token's hash) or revokes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

_LABEL = b"transcribe-share-link-v1"


class ShareTokens:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()

    def token(self, link_id: UUID) -> str:
        """43 URL-safe characters (256 bits)."""
        mac = hmac.new(self._key, link_id.bytes, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
