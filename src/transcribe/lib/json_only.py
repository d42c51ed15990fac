"""Routes that read a JSON body take nothing else: 415 for another declared type, before
any parsing (Litestar would otherwise read any body as JSON)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from transcribe.lib.errors import UnsupportedMediaTypeException


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def json_bodies_only(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    # Async on purpose: Litestar runs a plain function guard in a thread, on every request.
    if "data" not in handler.parsed_fn_signature.parameters:
        return  # no JSON body here (raw uploads, bodiless calls)
    headers = connection.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return  # no body at all: validation says what is missing
    if not _is_json(headers.get("content-type", "")):
        raise UnsupportedMediaTypeException(
            detail="The body must be JSON, sent with Content-Type: application/json"
        )
