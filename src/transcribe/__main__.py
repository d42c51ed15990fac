"""`python -m transcribe COMMAND`: the service's entry points, on click (as the `transcribe`
CLI is). `serve` is the API alone, `worker` a worker, `run` both together; `drain` runs the
due tasks once, `drain-server` on every POST; `migrate`, `admin`, `healthcheck` and
`openapi` (the API's OpenAPI document, what the web app's client is generated from). Each
command imports what it needs when it runs: a health check stays light."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click


@click.group(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.pass_context
def cli(context: click.Context) -> None:
    """Transcribe's server processes. Without a command: serve."""
    if context.invoked_subcommand is None:
        context.invoke(serve)


@cli.command()
def serve() -> None:
    """The API on HOST:PORT (uvicorn); open event streams end on SIGTERM."""
    import uvicorn

    from transcribe.lib.headers_timeout import headers_timeout_protocol
    from transcribe.lib.shutdown import DrainingServer
    from transcribe.settings import get_settings

    settings = get_settings()
    timed = {"http": headers_timeout_protocol(settings.headers_timeout_s)}
    config = uvicorn.Config(
        "transcribe.app:served_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        **(timed if settings.headers_timeout_s > 0 else {}),
    )
    DrainingServer(config).run()  # uvicorn.run, but event streams end on SIGTERM


@cli.command()
def worker() -> None:
    """A worker (WORKER_CONCURRENCY tasks at once; SIGTERM finishes gracefully)."""
    from transcribe.worker import main as worker_main

    sys.exit(asyncio.run(worker_main.run()))


@cli.command()
def run() -> None:
    """The API and a worker, stopped together."""
    from transcribe import supervise

    sys.exit(supervise.run())


@cli.command()
def drain() -> None:
    """Run the tasks that are due, once, then exit (serverless)."""
    from transcribe.worker import drain as draining

    sys.exit(asyncio.run(draining.drain()))


@cli.command("drain-server")
def drain_server() -> None:
    """Run the due tasks on every POST (a serverless container's trigger)."""
    from transcribe.worker import drain as draining

    sys.exit(draining.serve())


@cli.command()
@click.option("--create-database", is_flag=True, help="Create the database first if missing.")
def migrate(create_database: bool) -> None:
    """Bring the database (and the queue's schema) up to date."""
    from transcribe.db import migrate as migrations

    sys.exit(migrations.main(["--create-database"] if create_database else []))


@cli.command()
@click.argument("action", type=click.Choice(["promote", "demote"]))
@click.argument("email")
def admin(action: str, email: str) -> None:
    """Make a user an admin (promote) or not (demote): how the first admin is made."""
    from transcribe.domain.admin import commands

    sys.exit(commands.main([action, email]))


@cli.command()
@click.argument("role", type=click.Choice(["api", "worker"]), default="api")
def healthcheck(role: str) -> None:
    """Exit 0 when this container's API (or worker) answers."""
    from transcribe import healthcheck as checks

    sys.exit(checks.main([role]))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
def openapi(file: Path | None) -> None:
    """Print (or write to FILE) the API's OpenAPI document."""
    from transcribe.web import api_document  # builds the app: only for this command

    sys.exit(api_document.main([str(file)] if file else []))


def main(argv: list[str]) -> int:
    """Run a command as `python -m transcribe` would; its exit status."""
    try:
        cli.main(args=argv, prog_name="python -m transcribe", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
