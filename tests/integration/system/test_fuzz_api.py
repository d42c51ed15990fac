"""Schemathesis over the service's own OpenAPI document: every operation, fed generated
input (and, for half the cases, a real job id and a real file key of a signed-in user), must
never answer 5xx. Bounded: a fixed number of examples per operation, derandomized (the same
cases every run), so it takes seconds and fails the same way twice.

It runs against a server of its own whose login limits are out of reach: generated logins
fail by the thousand, and the other tests share the client address 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from collections.abc import Iterator

import httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.helpers.accounts import signed_in_user
from tests.helpers.server import serve_settings
from tests.helpers.uploads import upload_file
from transcribe.settings import Settings

EXAMPLES_PER_OPERATION = 25
# Event streams stay open by design; everything else answers.
STREAMS = r"events$"


@pytest.fixture(scope="module")
def fuzz_base_url(settings: Settings, database_url: str) -> Iterator[str]:
    lenient = dataclasses.replace(
        settings,
        auth=dataclasses.replace(
            settings.auth,
            login_max_failures_per_client=10**9,
            login_max_failures_per_email=10**9,
        ),
    )
    with serve_settings(lenient) as url:
        yield url
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM login_failures")


@pytest.fixture(scope="module")
def real(fuzz_base_url: str) -> dict[str, str]:
    """A signed-in user with a job and an uploaded file, for the cases that use real ids."""
    import asyncio

    async def make() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=fuzz_base_url, timeout=30) as client:
            user = await signed_in_user(client)
            key = await upload_file(client, user, b"A: fuzzed words")
            job = await client.post(
                "/jobs",
                json={"object_key": key, "language": "en", "mode": "dialogue"},
                headers=user.headers,
            )
            assert job.status_code == 201, job.text
            return {"token": user.token, "job_id": job.json()["id"], "object_key": key}

    return asyncio.run(make())


def test_no_input_makes_the_api_fail(fuzz_base_url: str, real: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_base_url}/schema/openapi.json").exclude(
        path_regex=STREAMS
    )
    turns = itertools.count()
    failures: list[str] = []
    answered: Counter[str] = Counter()

    def exercise(case: schemathesis.Case) -> None:
        if next(turns) % 2 and case.path_parameters:  # half the cases reach real rows
            for name in ("job_id", "object_key"):
                if name in case.path_parameters:
                    case.path_parameters[name] = real[name]
        response = case.call(headers={"Authorization": f"Bearer {real['token']}"}, timeout=30)
        answered[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:300]}"
            )

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, not an empty document
    for operation in operations:
        run = settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )(given(case=operation.as_strategy())(exercise))
        run()
    assert not failures, "\n".join(failures)
    # Not only refusals: the real ids and the token took many cases past validation.
    assert answered["2xx"] > 100, answered
