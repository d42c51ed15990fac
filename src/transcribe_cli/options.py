"""Options more than one command takes."""

from __future__ import annotations

from typing import Any

import click

from transcribe_cli.session import Session


def _use_server(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Session).use_server(value)


server_option = click.option(
    "--server",
    metavar="URL",
    expose_value=False,
    is_eager=True,
    callback=_use_server,
    help="The API's address for this command (default: $TRANSCRIBE_SERVER, else the server "
    "last logged in to, else http://127.0.0.1:8000); each server keeps its own login.",
)

password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)


def job_id_argument(function: Any) -> Any:
    """A job's id, or its first characters (at least 4) when they name one job."""
    return click.argument("job_id", metavar="JOB_ID")(function)
