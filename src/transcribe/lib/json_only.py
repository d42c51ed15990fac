"""Routes that read a JSON body take nothing else: 415 for another declared type, before
any parsing (Litestar would otherwise read any body as JSON).

A `before_request` hook rather than a guard: Litestar copies the route handler for each
guard call, which made this check a tenth of a fast request's time.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from transcribe.lib.errors import UnsupportedMediaTypeException


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def json_bodies_only(request: Request[Any, Any, Any]) -> None:
    # Async on purpose: Litestar would run a plain function in a thread, on every request.
    if "data" not in request.route_handler.parsed_fn_signature.parameters:
        return  # no JSON body here (raw uploads, bodiless calls)
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return  # no body at all: validation says what is missing
    if not _is_json(headers.get("content-type", "")):
        raise UnsupportedMediaTypeException(
            detail="The body must be JSON, sent with Content-Type: application/json"
        )
