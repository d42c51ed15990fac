"""A crash is our fault: a JSON 500 with a request id, the stack trace only in our log."""

from __future__ import annotations

import httpx
import pytest
from litestar import get

from tests.helpers.server import serve
from transcribe.settings import Settings


@get("/boom", exclude_from_auth=True)
async def boom() -> None:
    raise RuntimeError("secret internals: db password hunter2")


async def test_unexpected_error_is_a_logged_json_500(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from transcribe.app import create_app

    app = create_app(settings)
    app.register(boom)
    with serve(app) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.get("/boom", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    body = response.json()
    assert body == {"status_code": 500, "detail": "Internal server error", "request_id": "crash-1"}
    assert "hunter2" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "transcribe.errors"]
    assert logged and "crash-1" in logged[0].getMessage() and logged[0].exc_info


async def test_an_outage_in_the_authentication_step_is_a_503_with_its_request_id(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    """The database is away while a token is checked: a 503 to retry, naming the request."""
    import dataclasses

    from tests.helpers.accounts import signed_in_user
    from tests.helpers.server import free_port, serve
    from transcribe.app import create_app
    from transcribe.settings import DatabaseSettings

    token = (await signed_in_user(client)).token
    dead = dataclasses.replace(
        settings, db=DatabaseSettings(url=f"postgresql://postgres@127.0.0.1:{free_port()}/nope")
    )
    with serve(create_app(dead)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            answer = await http.get(
                "/auth/me",
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": "auth-crash-1"},
            )
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["request_id"] == "auth-crash-1"
    assert answer.headers["x-request-id"] == "auth-crash-1"
