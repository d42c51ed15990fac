"""Every plugin and cross-cutting piece, wired in one place."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from transcribe import __version__
from transcribe.db.migrate import migrations_dir
from transcribe.lib.openapi import METRICS_SCHEME
from transcribe.settings import Settings


def alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    # A fixed pool: under load requests queue for a connection instead of opening and
    # closing overflow connections (which costs PostgreSQL a backend each time).
    pool_size = settings.db.pool_size or settings.db.API_POOL_SIZE
    return SQLAlchemyAsyncConfig(
        connection_string=settings.db.async_url,
        # pool_pre_ping: after a database restart, pooled connections are dead; each is checked
        # (and replaced) when taken, so the first requests afterwards are not 500s.
        engine_config=EngineConfig(pool_size=pool_size, max_overflow=0, pool_pre_ping=True),
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        engine_dependency_key="db_engine",
        alembic_config=AlembicAsyncConfig(script_location=str(migrations_dir())),
    )


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
