"""Shared fixtures: one fresh, migrated database and one real HTTP server per test session;
and, for modules that need them, their own API server and worker (see "A module's own API
and worker" below).

The environment is set here, before any `transcribe` module reads settings.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

_STORAGE_DIR = tempfile.mkdtemp(prefix="transcribe-test-storage-")
os.environ.update(
    {
        "ENV_FILE": "/nonexistent/.env",  # a developer's .env must not leak into tests
        "ENVIRONMENT": "test",
        "JWT_SECRET": "test-secret-" + "x" * 40,
        "STORAGE_BACKEND": "local",
        "LOCAL_STORAGE_DIR": _STORAGE_DIR,
        "TRANSCRIPTION_BACKEND": "stub",
        "LOG_LEVEL": "WARNING",
        "EVENTS_KEEPALIVE_S": "1",  # idle streams show their keep-alive comments quickly
        "REGISTER_MAX_PER_CLIENT": "100000",  # every test registers from 127.0.0.1
        # argon2's cheapest parameters: 0.2 s of CPU per sign-up and per login otherwise.
        # tests/integration/accounts/test_password_pool.py measures the standard cost.
        "PASSWORD_HASH_COST": "minimal",
    }
)
os.environ.pop("ASSEMBLYAI_API_KEY", None)

from tests.helpers.database import end_leftover_work, fresh_database  # noqa: E402
from tests.helpers.engines import engine_env, engine_settings  # noqa: E402
from tests.helpers.fake_assemblyai import FakeAssemblyAI, run_fake_assemblyai  # noqa: E402
from tests.helpers.s3_server import S3Server, running_s3_server  # noqa: E402
from tests.helpers.server import free_port, serve, serve_settings  # noqa: E402
from tests.helpers.worker import Worker, running_worker  # noqa: E402
from transcribe.settings import Settings, get_settings  # noqa: E402

HERE = Path(__file__).resolve().parent
CHAOS = HERE / "chaos"
CHAOS_IDS = f"{CHAOS.relative_to(HERE.parent).as_posix()}/"  # how its tests' ids begin


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """How `just test` shares the suite between its processes (pytest-xdist, `--dist
    loadgroup`): test by test, as each process is free, except the chaos modules, which go
    to a single process, one after another: they start several API processes and workers
    each, and two of them at once would pass the shared cluster's 100 connections. (Modules
    kept whole were slower, and xdist's own `xdist_group` marks do not reach its scheduler
    under pytest 9: the group it writes into the test's id is lost, so the group is told by
    path here.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ChaosTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return CHAOS_IDS if nodeid.startswith(CHAOS_IDS) else nodeid

    return ChaosTogether(config, log)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering; the browser conftest's first
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The chaos group first, so that no long group is left for the end. (Not beside the
    speech recognition tests on purpose: a database restart under a burst of jobs once
    timed out with both cores taken by them.) Stable, so browser modules stay last
    (tests/browser/conftest.py)."""
    items.sort(key=lambda item: not item.path.is_relative_to(CHAOS))


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    from transcribe.db.migrate import upgrade
    from transcribe.settings import DatabaseSettings

    with fresh_database() as url:
        os.environ["DATABASE_URL"] = url
        upgrade(DatabaseSettings(url=url).sync_url)
        yield url


@pytest.fixture(scope="module", autouse=True)
def no_work_left_in_flight(database_url: str) -> None:
    """Each module starts with no work in flight: its worker would otherwise take up what
    the modules before it left (queued jobs, jobs at a provider, owed cancels), against its
    own engine and fake provider, and which modules run before it in a process varies."""
    end_leftover_work(database_url)


@pytest.fixture(scope="session")
def server_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def settings(database_url: str, server_port: int) -> Settings:
    os.environ["PORT"] = str(server_port)
    os.environ["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server_port}"
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
def base_url(settings: Settings, server_port: int) -> Iterator[str]:
    from transcribe.app import create_app

    with serve(create_app(settings), port=server_port) as url:
        yield url


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="session", autouse=True)
def storage_dir() -> Iterator[Path]:
    """The local storage backend's directory for this run; removed at the end."""
    yield Path(_STORAGE_DIR)
    shutil.rmtree(_STORAGE_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    return dataclasses.replace(
        settings,
        storage=dataclasses.replace(
            settings.storage,
            backend="s3",
            s3_endpoint_url=s3_server.endpoint_url,
            s3_region=s3_server.region,
            s3_bucket=s3_server.bucket,
            s3_access_key_id=s3_server.access_key_id,
            s3_secret_access_key=s3_server.secret_access_key,
        ),
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAssemblyAI]:
    """The fake AssemblyAI on loopback, one per test module."""
    with run_fake_assemblyai() as server:
        yield server


# A module's own API and worker. Most modules talk to the session's server (`base_url`,
# `client`, stub engine). One that needs a worker, another engine or other settings asks for
# `api` (a client), `api_url` and `worker`, which are declared here only
# (tests/unit/test_test_fixtures.py), and says how its own differ by overriding
# `transcription_backend`, `api_settings` or `worker_env` (an override may take the fixture
# it overrides and add to it).


@pytest.fixture(scope="module")
def transcription_backend() -> str:
    """The engine of the module's API and worker: stub, local (faster-whisper) or assemblyai
    (against the module's fake provider, `fake`)."""
    return "stub"


@pytest.fixture(scope="module")
def api_settings(
    request: pytest.FixtureRequest, settings: Settings, transcription_backend: str
) -> Settings:
    """What the module's API server runs on: the session's settings with its engine."""
    fake = request.getfixturevalue("fake") if transcription_backend == "assemblyai" else None
    return engine_settings(settings, transcription_backend, fake)


@pytest.fixture(scope="module")
def worker_env(request: pytest.FixtureRequest, transcription_backend: str) -> dict[str, str]:
    """The module's worker's environment beyond the session's (and fast recovery's)."""
    fake = request.getfixturevalue("fake") if transcription_backend == "assemblyai" else None
    return engine_env(transcription_backend, fake)


@pytest.fixture(scope="module")
def api_url(api_settings: Settings) -> Iterator[str]:
    """The module's API server, in this process, advertising its own address."""
    with serve_settings(api_settings) as url:
        yield url


@pytest.fixture
async def api(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def worker(
    database_url: str,
    settings: Settings,  # its environment (PORT, PUBLIC_BASE_URL) is the worker's too
    worker_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Worker]:
    """One real worker process for the module."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with running_worker(database_url, log_path, **worker_env) as process:
        yield Worker(process, log_path)
