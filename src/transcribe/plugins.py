"""Every plugin and cross-cutting piece, wired in one place."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.static_files import create_static_files_router
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from transcribe import __version__
from transcribe.db.lost_connections import ReadRetrySession, watch_first_use
from transcribe.db.migrate import migrations_dir
from transcribe.lib.openapi import METRICS_SCHEME
from transcribe.settings import Settings


def alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    # A fixed pool: under load requests queue for a connection instead of opening and
    # closing overflow connections (which costs PostgreSQL a backend each time).
    pool_size = settings.db.pool_size or settings.db.API_POOL_SIZE
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.db.async_url,
        engine_config=EngineConfig(
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=settings.db.API_WAIT_S,
            connect_args={
                "timeout": settings.db.API_WAIT_S,  # asyncpg's connect (60 s by default)
                "command_timeout": max(settings.db.statement_timeout_s, 0) or None,
            },
        ),
        session_config=AsyncSessionConfig(expire_on_commit=False, class_=ReadRetrySession),
        before_send_handler="autocommit",
        engine_dependency_key="db_engine",
        alembic_config=AlembicAsyncConfig(script_location=str(migrations_dir())),
    )
    event.listen(config.get_engine().sync_engine.pool, "checkout", _replace_if_closed)
    watch_first_use(config.get_engine())  # and one that dies just after: db/lost_connections.py
    return config


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """After a database restart, pooled connections are dead. asyncpg already knows (the
    server closed the socket, which its protocol saw), so each is checked when taken and the
    pool replaces it: what `pool_pre_ping` does, without a round trip per request."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def sqlalchemy_plugin(config: SQLAlchemyAsyncConfig) -> SQLAlchemyPlugin:
    return SQLAlchemyPlugin(config=config)


DOCS_ASSETS = "/schema/assets"


def openapi_config() -> OpenAPIConfig:
    """The document at /schema/openapi.json and Swagger UI at /schema and /schema/swagger,
    its scripts served from the swagger-ui-py package: the viewer works with no internet."""
    swagger = SwaggerRenderPlugin(
        path=["/", "/swagger"],
        js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{DOCS_ASSETS}/favicon-32x32.png'>",
    )
    metrics_token = SecurityScheme(
        type="http",
        scheme="bearer",
        description="The operator's METRICS_TOKEN (only when the service sets one).",
    )
    return OpenAPIConfig(
        title="Transcribe API",
        version=__version__,
        description="Upload audio or video, transcribe it, download the transcript.",
        path="/schema",
        render_plugins=[swagger],
        use_handler_docstrings=True,  # a handler's docstring is its operation's description
        components=Components(security_schemes={METRICS_SCHEME: metrics_token}),
        tags=[Tag(name=name) for name in TAG_ORDER],
    )


# In the order a user needs them (Swagger UI lists them so): sign in, upload, transcribe.
TAG_ORDER = (
    "Accounts",
    "Files",
    "Transcription jobs",
    "Sharing",
    "Webhooks",
    "API keys",
    "Administration",
    "Operations",
    "Provider webhooks",
)


def _swagger_ui_static() -> Path:
    # Found without importing the package, which would load its framework adapters.
    spec = importlib.util.find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return Path(spec.submodule_search_locations[0]) / "static"


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=DOCS_ASSETS,
        directories=[_swagger_ui_static()],
        include_in_schema=False,
        opt={"exclude_from_auth": True},
    )
