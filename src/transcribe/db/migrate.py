"""Bring a database fully up to date: `python -m transcribe.db.migrate`.

`just migrate`, `just serve`, the container's migrate step and the test fixtures all
run this same code, so what the tests see is what production gets.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql

from transcribe.settings import get_settings

log = logging.getLogger(__name__)

_REPO_MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def migrations_dir() -> Path:
    return _REPO_MIGRATIONS if _REPO_MIGRATIONS.is_dir() else Path.cwd() / "migrations"


def alembic_config(sync_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # Alembic's ini interpolation treats '%' specially.
    config.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return config


def create_database_if_missing(libpq_url: str) -> bool:
    """Create the URL's database when the server lacks it; True when it was created."""
    parts = urlsplit(libpq_url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        log.info("created database %s", name)
        return True


def upgrade(sync_url: str | None = None) -> None:
    command.upgrade(alembic_config(sync_url or get_settings().db.sync_url), "head")


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if "--create-database" in argv:
        create_database_if_missing(settings.db.libpq_url)
    upgrade(settings.db.sync_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
