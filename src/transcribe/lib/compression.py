"""Gzip for the few answers that are large: a transcript document is about 100 bytes a word
(3 MB for a 3-hour recording), a tenth of that gzipped. Only those routes compress, by
hand, so every other request keeps the hot path without a compression middleware."""

from __future__ import annotations

import gzip
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, Response
from litestar.enums import MediaType

# Below this, gzip saves less than the time it takes.
MIN_BYTES = 8 * 1024
# Above this, compress off the event loop (zlib releases the GIL).
THREAD_BYTES = 512 * 1024
_encoder = msgspec.json.Encoder()


def accepts_gzip(request: Request[Any, Any, Any]) -> bool:
    """Whether `Accept-Encoding` allows gzip (`gzip` or `*`, not with `q=0`)."""
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        name, _, value = params.strip().partition("=")
        try:
            return name.strip().lower() != "q" or float(value) > 0
        except ValueError:
            return False
    return False


async def json_response(request: Request[Any, Any, Any], value: Any) -> Response[Any]:
    """`value` as JSON, gzipped when it is large and the client takes gzip."""
    body = _encoder.encode(value)
    headers = {"Vary": "Accept-Encoding"}
    if len(body) >= MIN_BYTES and accepts_gzip(request):
        if len(body) >= THREAD_BYTES:
            body = await anyio.to_thread.run_sync(gzip.compress, body, 6)
        else:
            body = gzip.compress(body, 6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=MediaType.JSON, headers=headers)
