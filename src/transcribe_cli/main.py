"""transcribe: upload audio or video, wait for the transcript, download it.

\b
  transcribe --server https://transcribe.example.com register
  transcribe upload talk.mp3 --language en --mode dialogue --output talk.srt
  transcribe jobs --search lighthouse
  transcribe download JOB_ID --format docx --output talk.docx

Your logins, one per server, are kept in $XDG_CONFIG_HOME/transcribe/config.json (mode
0600); the server last logged in to is the default. Scripts can use an API key instead:
TRANSCRIBE_API_KEY=trk_...
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
import httpx

from transcribe_cli import job_commands
from transcribe_cli.api import ApiError, SessionExpired
from transcribe_cli.options import password_stdin_option, server_option
from transcribe_cli.output import fail, out, say
from transcribe_cli.session import Session, pass_session


@click.group(help=__doc__, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="transcribe", prog_name="transcribe")
@server_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    ctx.call_on_close(ctx.ensure_object(Session).close)


def _password(from_stdin: bool, *, confirm: bool = False) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm, err=True)


def _email(given: str | None, session: Session) -> str:
    return given or click.prompt("Email", default=session.login.email, err=True)


@cli.command()
@click.option("--email", help="Your email address (prompted for if missing).")
@password_stdin_option
@server_option
@pass_session
def register(session: Session, email: str | None, password_stdin: bool) -> None:
    """Create an account, and log in to it."""
    email = _email(email, session)
    password = _password(password_stdin, confirm=True)
    api = session.public_api()
    account = api.register(email, password)
    session.signed_in(account["email"], api.login(email, password))
    say(f"registered and logged in as {account['email']}; a verification link is on its way")


@cli.command()
@click.option("--email", help="Your email address (prompted for if missing).")
@password_stdin_option
@server_option
@pass_session
def login(session: Session, email: str | None, password_stdin: bool) -> None:
    """Log in; the login renews itself until you log out (or 30 days unused)."""
    email = _email(email, session)
    tokens = session.public_api().login(email, _password(password_stdin))
    session.signed_in(email, tokens)
    say(f"logged in as {email} at {session.server}")


@cli.command()
@server_option
@pass_session
def logout(session: Session) -> None:
    """End this login on the server and forget it here."""
    refresh = session.login.refresh_token
    session.forget_login()
    if refresh:
        try:
            session.public_api().logout(refresh)
        except (ApiError, httpx.TransportError) as exc:
            say(f"forgotten here, but the server was not told ({exc})", style="yellow")
            return
    say("logged out")


@cli.command()
@server_option
@pass_session
def whoami(session: Session) -> None:
    """Show who you are logged in as, and where."""
    me = session.api().me()
    flags = [
        "email verified" if me["email_verified"] else "email not verified",
        *(["admin"] if me["is_admin"] else []),
    ]
    out.print(f"{me['email']} at {session.server} ({', '.join(flags)})", markup=False)


@cli.command()
@server_option
@pass_session
def usage(session: Session) -> None:
    """Show this month's transcribed audio and your quota."""
    now = session.api().usage()
    used = now["audio_seconds"] / 60
    quota = now["quota_seconds"]
    limit = "(no quota)" if quota is None else f"of {quota / 60:.0f} min"
    out.print(
        f"{now['period_start'][:7]}: {used:.1f} min {limit}, {now['jobs_completed']} jobs",
        markup=False,
    )


for command in job_commands.COMMANDS:
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    session: Session | None = None
    try:
        session = Session()
        with cli.make_context("transcribe", args, obj=session) as ctx:
            result: Any = cli.invoke(ctx)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:  # --help
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        say("aborted")
        return 1
    except SessionExpired:
        if os.environ.get("TRANSCRIBE_API_KEY"):
            fail("the API key in TRANSCRIBE_API_KEY was refused (revoked?)")
        else:
            fail("your login has expired or was revoked: run `transcribe login`")
    except ApiError as exc:
        fail(str(exc))
    except httpx.TransportError as exc:
        fail(f"cannot reach {session.server if session else 'the server'}: {exc}")
    except KeyboardInterrupt:
        return 130
    return 1
