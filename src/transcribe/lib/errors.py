"""Error responses: always JSON `{status_code, detail, ...}`, never a stack trace."""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from transcribe.lib.request_id import current_request_id

log = logging.getLogger("transcribe.errors")


class ConflictError(HTTPException):
    status_code = 409


class PayloadTooLargeError(HTTPException):
    status_code = 413


class UnsupportedMediaTypeError(HTTPException):
    status_code = 415


class TooManyRequestsError(HTTPException):
    status_code = 429


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Log the whole story on our side; tell the client only the request id to quote."""
    request_id = current_request_id.get()
    log.exception(
        "unhandled error on %s %s (request_id=%s)", request.method, request.url.path, request_id
    )
    return Response(
        {"status_code": 500, "detail": "Internal server error", "request_id": request_id},
        status_code=500,
        media_type=MediaType.JSON,
    )
