"""The application factories: `create_app` (tests build it with their settings) and
`served_app`, the app of a process of its own (`uvicorn --factory transcribe.app:served_app`,
which `python -m transcribe serve` runs)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from advanced_alchemy.exceptions import RepositoryError
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware

from transcribe import plugins
from transcribe.domain.accounts.auth import TokenIssuer, build_jwt_auth
from transcribe.domain.accounts.controllers import AccountController
from transcribe.domain.accounts.current_user import (
    ALCHEMY_STATE_KEY,
    provide_current_user,
    provide_principal,
)
from transcribe.domain.accounts.email_routes import EmailController
from transcribe.domain.accounts.key_routes import ApiKeyController
from transcribe.domain.accounts.usage_routes import UsageController
from transcribe.domain.admin.controllers import AdminController
from transcribe.domain.files.controllers import FileController
from transcribe.domain.files.signed_storage import SignedStorageController
from transcribe.domain.jobs.catch_up import CatchUp
from transcribe.domain.jobs.controllers import JobController
from transcribe.domain.jobs.event_routes import EventController, JobEventController
from transcribe.domain.jobs.events import EventLog, JobEventHub
from transcribe.domain.jobs.media_routes import JobMediaController
from transcribe.domain.jobs.provider_webhooks import ProviderWebhookController
from transcribe.domain.jobs.reads import JobReads
from transcribe.domain.jobs.transcript_edit_routes import TranscriptDocumentController
from transcribe.domain.jobs.transcript_routes import TranscriptController
from transcribe.domain.sharing.controllers import ShareController, SharedController
from transcribe.domain.system.controllers import SystemController
from transcribe.domain.system.metrics import MetricsController
from transcribe.domain.webhooks.controllers import WebhookEndpointController
from transcribe.engines import get_engine
from transcribe.lib import shutdown
from transcribe.lib.body_timeout import BodyTimeoutMiddleware
from transcribe.lib.errors import (
    ServiceError,
    http_error_handler,
    repository_error_handler,
    service_error_handler,
    too_deep_handler,
    unexpected_error_handler,
)
from transcribe.lib.json_only import json_bodies_only
from transcribe.lib.logging import configure_logging
from transcribe.lib.openapi import (
    describe_schemas,
    describe_security_schemes,
    mark_public_operations,
    tighten_document,
)
from transcribe.lib.request_id import RequestContextMiddleware, stamp_response
from transcribe.queue import LazyQueue, build_queue
from transcribe.settings import Settings, get_settings
from transcribe.storage import get_storage
from transcribe.web.serving import web_router

log = logging.getLogger(__name__)


def _outermost_request_middleware(app_config: AppConfig) -> AppConfig:
    app_config.middleware.insert(0, DefineMiddleware(RequestContextMiddleware))
    return app_config


def _event_hub(settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> JobEventHub:
    return JobEventHub(
        settings.db.libpq_url,
        EventLog(alchemy.get_engine()),
        buffer=settings.events.subscriber_buffer,
    )


def _provider_calls_back(settings: Settings, engine_name: str) -> bool:
    """Webhooks from the provider can have been missed while this process was away."""
    return engine_name == "assemblyai" and bool(settings.transcription.assemblyai_webhook_secret)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    for warning in settings.startup_warnings:
        log.warning(warning)
    alchemy = plugins.alchemy_config(settings)
    jwt_auth = build_jwt_auth(settings, alchemy)
    token_issuer = TokenIssuer(jwt_auth, settings.auth.access_token_ttl_s)
    storage = get_storage(settings)
    engine = get_engine(settings)  # the API only asks it which languages it supports
    queue = LazyQueue(build_queue(settings, for_worker=False))  # the API defers; workers run
    event_hub = _event_hub(settings, alchemy)
    job_reads = JobReads(alchemy.get_engine())
    catch_up = CatchUp(alchemy.get_engine(), queue, settings.transcription.catch_up_checks_per_s)

    @asynccontextmanager
    async def queue_pool(_: Litestar) -> AsyncIterator[None]:
        if _provider_calls_back(settings, engine.name):
            catch_up.start()
        forget_streams = shutdown.on_stop(event_hub.end_streams)
        try:
            yield
        finally:
            forget_streams()
            await catch_up.stop()
            await event_hub.close()
            await queue.close()

    return Litestar(
        route_handlers=[
            SystemController,
            MetricsController,
            AccountController,
            EmailController,
            UsageController,
            ApiKeyController,
            AdminController,
            FileController,
            SignedStorageController,
            JobController,
            JobEventController,
            TranscriptController,
            TranscriptDocumentController,
            JobMediaController,
            ShareController,
            SharedController,
            EventController,
            ProviderWebhookController,
            WebhookEndpointController,
            plugins.docs_assets_router(),
            web_router(settings),  # the web app's pages and files
        ],
        on_startup=[
            mark_public_operations,
            describe_schemas,
            describe_security_schemes,
            tighten_document,
        ],
        lifespan=[queue_pool],
        plugins=[plugins.sqlalchemy_plugin(alchemy)],
        # After auth's hook, which puts its middleware first: request ids and logs wrap everything.
        on_app_init=[jwt_auth.on_app_init, _outermost_request_middleware],
        middleware=[
            DefineMiddleware(BodyTimeoutMiddleware, idle_s=settings.body_idle_timeout_s),
        ],
        before_send=[stamp_response],
        state=State({ALCHEMY_STATE_KEY: alchemy}),
        before_request=json_bodies_only,
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "storage": Provide(lambda: storage, sync_to_thread=False),
            "engine": Provide(lambda: engine, sync_to_thread=False),
            "queue": Provide(lambda: queue, sync_to_thread=False),
            "event_hub": Provide(lambda: event_hub, sync_to_thread=False),
            "provider_catch_up": Provide(lambda: catch_up, sync_to_thread=False),
            "token_issuer": Provide(lambda: token_issuer, sync_to_thread=False),
            "job_reads": Provide(lambda: job_reads, sync_to_thread=False, use_cache=True),
            "current_user": provide_current_user,
            "principal": provide_principal,
        },
        # HTTPException keeps Litestar's JSON body; anything else is a logged 500.
        exception_handlers={
            HTTPException: http_error_handler,
            ServiceError: service_error_handler,
            RepositoryError: repository_error_handler,
            RecursionError: too_deep_handler,
            Exception: unexpected_error_handler,
        },
        openapi_config=plugins.openapi_config(),
        logging_config=None,  # configure_logging owns the stdlib handlers
        debug=False,
    )


def _freeze_startup_heap(_: Litestar) -> None:
    """Everything built by startup (the app, its routes, models, libraries) lives as long as
    the process: moved out of the collector's sight, a full collection no longer walks it on
    a request's time (in bench/api.py, p99 of GET /jobs/{id} halved, throughput up a fifth).
    Only for a process that serves one app: frozen objects are never collected."""
    gc.collect()
    gc.freeze()


def served_app() -> Litestar:
    app = create_app()
    app.on_startup.append(_freeze_startup_heap)
    return app
