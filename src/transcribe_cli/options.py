"""Options more than one command takes."""

from __future__ import annotations

from typing import Any

import click

from transcribe_cli.session import Session


def _remember_server(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Session).remember_server(value)


server_option = click.option(
    "--server",
    metavar="URL",
    expose_value=False,
    is_eager=True,
    callback=_remember_server,
    help="The API's address; remembered for the next commands "
    "(default: $TRANSCRIBE_SERVER, the saved one, or http://127.0.0.1:8000).",
)

password_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)


def job_id_argument(function: Any) -> Any:
    return click.argument("job_id", metavar="JOB_ID")(function)
