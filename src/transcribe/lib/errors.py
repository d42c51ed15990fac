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
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.exceptions.responses import create_exception_response

from transcribe.db.outage import is_database_outage
from transcribe.lib.request_id import current_request_id

log = logging.getLogger("transcribe.errors")


# The statuses Litestar has no class of its own for.
class PaymentRequiredException(ClientException):
    status_code = 402


class ConflictException(ClientException):
    status_code = 409


class GoneException(ClientException):
    status_code = 410


class UnsupportedMediaTypeException(ClientException):
    status_code = 415


class ServiceError(Exception):
    """A request the service refuses, said in the domain's words: services and handlers raise
    these, and `HTTP_ANSWERS` below is the one place that gives each its HTTP status."""

    def __init__(self, detail: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class InvalidInput(ServiceError):
    """The request's content is wrong (a field, a token, a name)."""


class NotAuthenticated(ServiceError):
    """Credentials missing or wrong."""


class QuotaExceeded(ServiceError):
    """The user's allowance for the period is used up."""


class Forbidden(ServiceError):
    """Known caller, not allowed to do this."""


class NotFound(ServiceError):
    """No such thing, or not the caller's (the two look the same)."""


class Conflict(ServiceError):
    """The thing is not in a state that allows this (yet)."""


class Gone(ServiceError):
    """It existed, and was removed for good."""


class TooLarge(ServiceError):
    """Over a size limit."""


class UnsupportedMediaType(ServiceError):
    """A content type the service does not take."""


class RateLimited(ServiceError):
    """Too many of these for now; `retry_after_s` says when to try again."""


HTTP_ANSWERS: dict[type[ServiceError], type[HTTPException]] = {
    InvalidInput: ValidationException,
    NotAuthenticated: NotAuthorizedException,
    QuotaExceeded: PaymentRequiredException,
    Forbidden: PermissionDeniedException,
    NotFound: NotFoundException,
    Conflict: ConflictException,
    Gone: GoneException,
    TooLarge: RequestEntityTooLarge,
    UnsupportedMediaType: UnsupportedMediaTypeException,
    RateLimited: TooManyRequestsException,
}


def as_http(exc: ServiceError) -> HTTPException:
    answer = next(HTTP_ANSWERS[kind] for kind in type(exc).__mro__ if kind in HTTP_ANSWERS)
    headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else None
    return answer(detail=exc.detail, headers=headers)


def service_error_handler(request: Request, exc: ServiceError) -> Response:
    return create_exception_response(request, as_http(exc))


# What Litestar raises (as a 500) when a client goes away before its body is complete.
CLIENT_GONE = "client disconnected prematurely"


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's JSON error body; a 5xx is our fault, so it is logged like any crash."""
    if exc.status_code == 500 and exc.detail == CLIENT_GONE:
        # Not our failure: the client stopped sending. Nobody reads the answer.
        log.info("the client went away before sending its whole request: %s", request.url.path)
        return create_exception_response(
            request, ClientException(detail="The request was interrupted by the client")
        )
    if exc.status_code >= 500:
        return unexpected_error_handler(request, exc)
    return create_exception_response(request, exc)


def repository_error_handler(request: Request, exc: RepositoryError) -> Response:
    """advanced-alchemy's errors: missing rows are 404, constraint clashes 409, the rest ours."""
    if isinstance(exc, NotFoundError):
        return create_exception_response(request, NotFoundException(detail="Not found"))
    if isinstance(exc, DuplicateKeyError | IntegrityError | ForeignKeyError):
        return create_exception_response(
            request, ConflictException(detail="Conflicts with existing data")
        )
    return unexpected_error_handler(request, exc)


def too_deep_handler(request: Request, exc: RecursionError) -> Response:
    """A body nested past what the decoder follows (JSON thousands of levels deep): the
    client's mistake, answered 400 before it reaches any handler."""
    return create_exception_response(
        request, ValidationException(detail="The JSON body is nested too deeply")
    )


# How long a client is asked to wait when the database is away: a restart takes seconds.
OUTAGE_RETRY_AFTER_S = 5


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Log the whole story on our side; tell the client only the request id to quote. A
    database that is away is a 503 with Retry-After: the client should try again shortly."""
    # From the scope: an error raised in the auth step reaches here after the request-id
    # middleware has left (and reset its context), but the scope still holds the id.
    request_id = request.scope.get("state", {}).get("request_id") or current_request_id.get()
    where = (request.method, request.url.path, request_id)
    if is_database_outage(exc):
        log.warning("database unavailable on %s %s (request_id=%s): %s", *where, exc)
        return _our_error(
            503,
            "The service is briefly unavailable: retry in a few seconds",
            request_id,
            headers={"Retry-After": str(OUTAGE_RETRY_AFTER_S)},
        )
    log.exception("unhandled error on %s %s (request_id=%s)", *where)
    return _our_error(500, "Internal server error", request_id)


def _our_error(
    status: int, detail: str, request_id: str, headers: dict[str, str] | None = None
) -> Response:
    """A 5xx body: what went wrong in a word, and the request id to quote."""
    return Response(
        {"status_code": status, "detail": detail, "request_id": request_id},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )
