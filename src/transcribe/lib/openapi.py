"""The OpenAPI document: error responses on every route, so clients see every status a
route answers, `security: []` on the routes that need no token, and descriptions."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
from litestar import Litestar
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Reference,
    RequestBody,
)
from litestar.openapi.spec import Schema as OpenAPISchema

from transcribe.lib.operation_ids import name_operations
from transcribe.lib.schema import Schema

# The operator's bearer token for GET /metrics (METRICS_TOKEN), beside the users' BearerToken.
METRICS_SCHEME = "MetricsToken"


class FieldProblem(Schema):
    """One field that failed validation: where (`source`, `key`) and why (`message`)."""

    message: Annotated[str, msgspec.Meta(examples=["Expected `str` of length >= 8"])]
    key: Annotated[str | None, msgspec.Meta(examples=["password"])] = None
    source: Annotated[str | None, msgspec.Meta(examples=["body"])] = None


class ErrorBody(Schema):
    """Litestar's error body: `extra` lists the fields that failed validation (on 400)."""

    status_code: Annotated[int, msgspec.Meta(examples=[400])]
    detail: Annotated[str, msgspec.Meta(examples=["Validation failed for POST /auth/register"])]
    extra: list[FieldProblem] | dict[str, Any] | None = None


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
    416: "The range is outside the object",
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


def mark_public_operations(app: Litestar) -> None:
    """`security: []` on each operation whose handler is `exclude_from_auth`: the document
    says which routes need no token from the one declaration that makes them so.
    (Litestar leaves an empty operation-level list out, so it is set here, on startup.)"""
    paths = app.openapi_schema.paths or {}
    for route in app.routes:
        item = paths.get(route.path_format or "/")
        for handler in getattr(route, "route_handlers", ()):
            if item is None or not handler.opt.get("exclude_from_auth"):
                continue
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if operation is not None and not operation.security:  # none of its own
                    operation.security = []


def _structs(base: type = msgspec.Struct) -> Iterator[type]:
    for cls in base.__subclasses__():
        yield cls
        yield from _structs(cls)


def describe_schemas(app: Litestar) -> None:
    """Each component schema gets its struct's docstring as its description (Litestar takes
    docstrings of enums only)."""
    package = __name__.split(".")[0]
    docs = {
        cls.__name__: inspect.cleandoc(cls.__doc__)
        for cls in _structs()
        if cls.__module__.split(".")[0] == package and cls.__doc__
    }
    components = app.openapi_schema.components
    for name, schema in (components.schemas or {}).items():
        if schema.description is None and name in docs:
            schema.description = docs[name]


def describe_security_schemes(app: Litestar) -> None:
    """HTTP bearer schemes as OpenAPI defines them: Litestar's JWTAuth adds `name` (an
    `apiKey` field, invalid on `http`, which openapi-spec-validator refuses) and says
    `bearerFormat: JWT`, though an API key (`trk_...`) is a bearer token here too."""
    components = app.openapi_schema.components
    for name, scheme in (components.security_schemes or {}).items():
        if getattr(scheme, "type", None) != "http":
            continue
        scheme.name = None
        if name != METRICS_SCHEME:
            scheme.bearer_format = None
            scheme.description = (
                "A login's access token (a JWT from POST /auth/login) or an API key (trk_...)"
            )


# Response bodies whose every field is always sent (no struct omits defaults): required, so
# generated clients type them as present.
ALWAYS_WHOLE = ("AccessToken", "Account", "AdminJob", "Job", "SharedTranscript")
_PAGE_FIELDS = {"items", "total", "limit", "offset"}
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def tighten_document(app: Litestar) -> None:
    """What client generators need and Litestar leaves loose: every 400 answers our
    ErrorBody (Litestar documents the 400 of path and query parameters with an inline
    schema of its own, whose `extra` has no `items`); fields always sent are required, in
    the response bodies above and in every page (`items`, `total`, `limit`, `offset`),
    and each page is a named schema (`JobPage`), not one class per route; operations have
    the stable names of operation_ids.py; a HEAD's answer has no body, a GET's always one."""
    document = app.openapi_schema
    if document.components.schemas is None:
        document.components.schemas = {}
    schemas = document.components.schemas
    for name in ALWAYS_WHOLE:
        schema = schemas.get(name)
        if schema is not None and schema.properties:
            schema.required = sorted(schema.properties)
    _share_enums(schemas)
    name_operations(document.paths or {}, _OPERATIONS)
    error_body = Reference(ref="#/components/schemas/ErrorBody")
    for item in (document.paths or {}).values():
        for method in _OPERATIONS:
            operation = getattr(item, method, None)
            if operation is None or not operation.responses:
                continue
            for status, response in operation.responses.items():
                if method == "head" and status.startswith("2"):
                    response.content = None  # Litestar says `application/json: null`
                elif method == "get" and status in ("200", "206") and not response.content:
                    # A ResponseSpec without a data container (a recording streamed with
                    # its own type) loses its media type: bytes, not `unknown`.
                    response.content = {"application/octet-stream": OpenAPIMediaType(schema=_BYTES)}
                media = (getattr(response, "content", None) or {}).get("application/json")
                if media is None:
                    continue
                if status == "400" and not isinstance(media.schema, Reference):
                    media.schema = error_body
                    response.description = "A path or query parameter, or the body, is malformed"
                media.schema = _named_page(media.schema, schemas)
            _describe_streams(operation)
    upload = (document.paths or {}).get(UPLOAD_PATH)
    if upload is not None and upload.put is not None:
        upload.put.request_body = RequestBody(
            content={"application/octet-stream": OpenAPIMediaType(schema=_BYTES)},
            description="The file's bytes, exactly the size the URL was signed for",
            required=True,
        )


def _named_page(schema: Any, schemas: dict[str, Any]) -> Any:
    """An inline page of `X` (Litestar's OffsetPagination) becomes `XPage`, a component with
    every field required; anything else is returned as it is."""
    if not isinstance(schema, OpenAPISchema) or set(schema.properties or {}) != _PAGE_FIELDS:
        return schema
    schema.required = sorted(_PAGE_FIELDS)
    items = schema.properties["items"]
    item = getattr(items, "items", None)
    if not isinstance(item, Reference):
        return schema
    item_name = item.ref.rsplit("/", 1)[-1]
    name = f"{item_name}Page"
    schema.title = name
    schema.description = (
        f"A page of {item_name}: `items` from `offset` on, at most `limit`, of `total` in all."
    )
    if schemas.setdefault(name, schema) != schema:
        raise ValueError(f"two different schemas would be named {name}")
    return Reference(ref=f"#/components/schemas/{name}")


# Closed sets that several schemas share, by the property that holds them: one named enum
# each (one class in a generated client, not one per schema), and a webhook endpoint's
# `events` as listed or created are the events one can ask for, not any string.
SHARED_ENUMS = {
    "mode": ("JobMode", "`mono`: the text alone; `dialogue`: one line per speaker turn"),
    "events": ("WebhookEvent", "A job event that a webhook endpoint can be sent"),
    "format": ("TranscriptFormat", "A format a transcript can be downloaded in"),
    "formats": ("TranscriptFormat", "A format a transcript can be downloaded in"),
}


def _share_enums(schemas: dict[str, Any]) -> None:
    """Each SHARED_ENUMS property, wherever a component has it, refers to its named enum."""
    holders = [
        (schema.properties, prop, value)
        for schema in list(schemas.values())
        for prop, value in (getattr(schema, "properties", None) or {}).items()
        if prop in SHARED_ENUMS and _string_enum(value) is not None
    ]
    for prop, (name, description) in SHARED_ENUMS.items():
        mine = [holder for holder in holders if holder[1] == prop]
        enums = {tuple(_string_enum(value).enum or ()) for _, _, value in mine} - {()}
        if len(enums) > 1:
            raise ValueError(f"`{prop}` has different enums, so cannot be one {name}: {enums}")
        if not enums:
            continue
        schemas[name] = OpenAPISchema(
            type=OpenAPIType.STRING, enum=list(enums.pop()), title=name, description=description
        )
        ref = f"#/components/schemas/{name}"
        for properties, _, value in mine:
            if value.type == OpenAPIType.ARRAY:
                value.items = Reference(ref=ref)
            else:
                properties[prop] = Reference(ref=ref, description=value.description)


def _string_enum(schema: Any) -> OpenAPISchema | None:
    """The string schema a property (or an array property's items) holds, if it is one."""
    if not isinstance(schema, OpenAPISchema):
        return None
    inner = schema.items if schema.type == OpenAPIType.ARRAY else schema
    if isinstance(inner, OpenAPISchema) and inner.type == OpenAPIType.STRING:
        return inner
    return None


UPLOAD_PATH = "/files/upload/{object_key}"  # the local backend's presigned PUT
_BYTES = OpenAPISchema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


def _describe_streams(operation: Any) -> None:
    """Event streams say what their events carry (the job, as GET /jobs/{id} shows it);
    byte streams (Litestar's `Stream`, documented as JSON with an empty schema) are bytes."""
    ok = operation.responses.get("200")
    content = getattr(ok, "content", None) or {}
    events = content.get("text/event-stream")
    if events is not None:
        events.schema = Reference(
            ref="#/components/schemas/Job",
            description="The data of each `job` event (comments keep the stream alive)",
        )
    media = content.get("application/json")
    if media is not None and media.schema == OpenAPISchema():
        ok.content = {"application/octet-stream": OpenAPIMediaType(schema=_BYTES)}
        ok.description = (
            "The object's bytes; its Content-Type is the object's own (a transcript's format, "
            "the recording's type), so read the body as bytes"
        )
