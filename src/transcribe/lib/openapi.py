"""Error responses for the OpenAPI document, so clients see every status a route answers."""

from __future__ import annotations

from litestar.openapi import ResponseSpec

from transcribe.lib.schema import Schema


class ErrorBody(Schema):
    status_code: int
    detail: str


_MEANING = {
    400: "Malformed JSON, a field that fails validation, or an unknown field",
    401: "Missing, malformed, expired or forged token; or wrong email or password",
    402: "The monthly audio quota is used up",
    403: "Bad or expired signature",
    404: "Not found, or not yours",
    409: "Conflicts with the current state",
    410: "Gone for good",
    413: "Larger than allowed",
    415: "Content type is not audio or video",
    429: "Too many attempts; see Retry-After",
    503: "The database does not answer",
}


def errors(*codes: int, **meanings: str) -> dict[int, ResponseSpec]:
    """`responses=` for a route: each code with the standard error body.

    `meanings` (e.g. `e409="..."`) say what a code means on this route.
    """
    return {
        code: ResponseSpec(
            data_container=ErrorBody,
            description=meanings.get(f"e{code}", _MEANING[code]),
            generate_examples=False,
        )
        for code in codes
    }
