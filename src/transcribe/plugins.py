"""Every plugin and cross-cutting piece, wired in one place."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from transcribe import __version__
from transcribe.db.migrate import migrations_dir
from transcribe.settings import Settings


def alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    return SQLAlchemyAsyncConfig(
        connection_string=settings.db.async_url,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        engine_dependency_key="db_engine",
        alembic_config=AlembicAsyncConfig(script_location=str(migrations_dir())),
    )


def sqlalchemy_plugin(config: SQLAlchemyAsyncConfig) -> SQLAlchemyPlugin:
    return SQLAlchemyPlugin(config=config)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Transcribe API",
        version=__version__,
        description="Upload audio or video, transcribe it, download the transcript.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(path="/swagger"), ScalarRenderPlugin(path="/")],
    )
