"""Error responses: always JSON `{status_code, detail, ...}`, never a stack trace."""

from __future__ import annotations

import logging

from advanced_alchemy.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    NotFoundError,
    RepositoryError,
)
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.exceptions.responses import create_exception_response

from transcribe.lib.request_id import current_request_id

log = logging.getLogger("transcribe.errors")


class PaymentRequiredError(HTTPException):
    status_code = 402


class ConflictError(HTTPException):
    status_code = 409


class GoneError(HTTPException):
    status_code = 410


class PayloadTooLargeError(HTTPException):
    status_code = 413


class UnsupportedMediaTypeError(HTTPException):
    status_code = 415


class TooManyRequestsError(HTTPException):
    status_code = 429


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's JSON error body; a 5xx is our fault, so it is logged like any crash."""
    if exc.status_code >= 500:
        return unexpected_error_handler(request, exc)
    return create_exception_response(request, exc)


def repository_error_handler(request: Request, exc: RepositoryError) -> Response:
    """advanced-alchemy's errors: missing rows are 404, constraint clashes 409, the rest ours."""
    if isinstance(exc, NotFoundError):
        return create_exception_response(request, NotFoundException(detail="Not found"))
    if isinstance(exc, DuplicateKeyError | IntegrityError | ForeignKeyError):
        return create_exception_response(
            request, ConflictError(detail="Conflicts with existing data")
        )
    return unexpected_error_handler(request, exc)


def too_deep_handler(request: Request, exc: RecursionError) -> Response:
    """A body nested past what the decoder follows (JSON thousands of levels deep): the
    client's mistake, answered 400 before it reaches any handler."""
    return create_exception_response(
        request, ValidationException(detail="The JSON body is nested too deeply")
    )


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Log the whole story on our side; tell the client only the request id to quote."""
    # From the scope: an error raised in the auth step reaches here after the request-id
    # middleware has left (and reset its context), but the scope still holds the id.
    request_id = request.scope.get("state", {}).get("request_id") or current_request_id.get()
    log.exception(
        "unhandled error on %s %s (request_id=%s)", request.method, request.url.path, request_id
    )
    return Response(
        {"status_code": 500, "detail": "Internal server error", "request_id": request_id},
        status_code=500,
        media_type=MediaType.JSON,
    )
