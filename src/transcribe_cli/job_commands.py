"""Commands about files and jobs: upload, jobs, show, wait, download, speakers, delete."""

from __future__ import annotations

import mimetypes
import os
import sys
from pathlib import Path

import click

from transcribe.lib.text import printable
from transcribe_cli.api import TranscribeApi
from transcribe_cli.job_ids import resolve
from transcribe_cli.options import job_id_argument, server_option
from transcribe_cli.output import CliError, jobs_table, out, say, transfer_progress
from transcribe_cli.session import Session, pass_session
from transcribe_cli.waiting import wait_for

FORMATS = ("txt", "srt", "vtt", "json", "docx")
STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
# After this long in `pending`, --wait says that no worker may be running.
PENDING_HINT_S = float(os.environ.get("TRANSCRIBE_PENDING_HINT_S", "30"))


def _format_for(output: Path | None, given: str | None) -> str:
    """`--format`, else the output file's extension (one of the formats), else txt. An
    extension that names no format is refused: `out.pdf` must not get a TXT inside."""
    if given:
        return given
    suffix = output.suffix.lstrip(".").lower() if output else ""
    if not suffix:
        return "txt"
    if suffix not in FORMATS:
        raise CliError(
            f"{printable(output.name) if output else ''}: .{suffix} is not a transcript format; "
            f"name the file .{', .'.join(FORMATS)}, or choose one with --format",
            exit_code=2,
        )
    return suffix


def _save(api: TranscribeApi, job_id: str, output: Path, fmt: str) -> None:
    """Stream into a side file and rename, so a broken download never leaves half a file."""
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as sink:
            api.download(job_id, sink, fmt)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    say(f"{fmt} transcript saved to {output}")


def _against_engine(engine: dict, language: str, mode: str, size: int) -> str | None:
    """What the server would refuse, found before a byte is sent."""
    if language.strip().lower() not in engine["languages"]:
        return f"the {engine['name']} engine does not know language {language!r}"
    if mode == "dialogue" and not engine["diarization"]:
        return f"the {engine['name']} engine cannot tell speakers apart: use --mode mono"
    if size > engine["max_upload_bytes"]:
        return f"the file is larger than the server accepts ({engine['max_upload_bytes']} bytes)"
    return None


def _finished(api: TranscribeApi, job_id: str, timeout: float | None) -> dict:
    job = wait_for(api, job_id, timeout_s=timeout, pending_hint_s=PENDING_HINT_S)
    if job is None:
        raise CliError(
            f"gave up waiting after {timeout:g} s; the job goes on: `transcribe wait {job_id}`"
        )
    if job["status"] != "completed":
        reason = printable(job.get("error_message") or "no reason given")
        raise CliError(f"job {job['status']}: {reason}")
    return job


def _say_how_to_download(job_id: str) -> None:
    say(
        f"completed: `transcribe download {job_id}` prints it; --output talk.srt saves "
        f"it ({', '.join(FORMATS)} by the extension, or --format)"
    )


timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0), help="Stop waiting after this many seconds."
)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", default="auto", show_default=True, help="ISO 639-1 code, or auto.")
@click.option("--mode", type=click.Choice(["mono", "dialogue"]), default="mono", show_default=True)
@click.option("--speakers", type=click.IntRange(1, 10), help="How many speakers (dialogue).")
@click.option("--keyterm", "keyterms", multiple=True, help="A word or name to favour; repeatable.")
@click.option("--content-type", help="Override the type guessed from the file name.")
@click.option("--wait", is_flag=True, help="Wait until the job finishes.")
@timeout_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the transcript here (implies --wait); its extension picks the format.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="The format for --output.")
@server_option
@pass_session
def upload(
    session: Session,
    file: Path,
    language: str,
    mode: str,
    speakers: int | None,
    keyterms: tuple[str, ...],
    content_type: str | None,
    wait: bool,
    timeout: float | None,
    output: Path | None,
    fmt: str | None,
) -> None:
    """Upload FILE and start transcribing it; prints the job's id."""
    chosen = _format_for(output, fmt) if output else None  # refused before any upload
    api = session.api()
    size = file.stat().st_size
    problem = _against_engine(session.public_api().engine(), language, mode, size)
    if problem:
        raise CliError(problem, exit_code=2)
    kind = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    presigned = api.presign(file.name, size, kind)
    with transfer_progress() as progress:
        task = progress.add_task(f"uploading {printable(file.name)}", total=size)
        api.put_file(presigned, file, lambda sent: progress.advance(task, sent))
    api.complete(presigned["object_key"])
    job = api.create_job(
        presigned["object_key"],
        language,
        mode,
        speakers_expected=speakers,
        keyterms=list(keyterms),
    )
    out.print(job["id"], markup=False)
    if wait or output:
        _finished(api, job["id"], timeout)
        if output and chosen:
            _save(api, job["id"], output, chosen)
        else:
            _say_how_to_download(job["id"])


@click.command(name="jobs")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--search", help="Only jobs whose transcript or file name has these words.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@server_option
@pass_session
def list_jobs(session: Session, status: str | None, search: str | None, limit: int) -> None:
    """List your jobs, newest first (best match first with --search)."""
    page = session.api().jobs(status, limit, search)
    jobs_table(page["items"])
    say(f"{len(page['items'])} of {page['total']} jobs")


@click.command()
@job_id_argument
@server_option
@pass_session
def show(session: Session, job_id: str) -> None:
    """Show one job."""
    api = session.api()
    job = api.job(resolve(api, job_id))
    for field, value in job.items():
        if value not in (None, {}, []):
            out.print(f"{field}: {printable(str(value))}", markup=False)


@click.command()
@job_id_argument
@timeout_option
@server_option
@pass_session
def wait(session: Session, job_id: str, timeout: float | None) -> None:
    """Wait for a job to finish; fails unless it completed."""
    api = session.api()
    job_id = resolve(api, job_id)
    _finished(api, job_id, timeout)
    _say_how_to_download(job_id)


@click.command()
@job_id_argument
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from --output, or txt.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save here instead of printing.",
)
@server_option
@pass_session
def download(session: Session, job_id: str, fmt: str | None, output: Path | None) -> None:
    """Print or save a finished transcript."""
    chosen = _format_for(output, fmt)
    api = session.api()
    job_id = resolve(api, job_id)
    if output:
        _save(api, job_id, output, chosen)
        return
    if chosen == "docx" and sys.stdout.isatty():
        raise CliError("a Word document does not belong on a terminal: use --output", 2)
    api.download(job_id, sys.stdout.buffer, chosen)
    sys.stdout.buffer.flush()


@click.command()
@job_id_argument
@click.argument("names", nargs=-1, required=True, metavar="LABEL=NAME...")
@server_option
@pass_session
def speakers(session: Session, job_id: str, names: tuple[str, ...]) -> None:
    """Name the speakers of a transcript (A=Alice B=Bob; A= removes a name)."""
    wanted: dict[str, str | None] = {}
    for pair in names:
        label, sep, name = pair.partition("=")
        if not sep or not label:
            raise CliError(f"{pair!r} is not LABEL=NAME (e.g. A=Alice; A= removes)", 2)
        wanted[label] = name or None
    api = session.api()
    job = api.name_speakers(resolve(api, job_id), wanted)
    for label, name in sorted(job["speaker_names"].items()):
        out.print(f"{printable(label)}: {printable(name)}", markup=False)


@click.command()
@job_id_argument
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@server_option
@pass_session
def delete(session: Session, job_id: str, yes: bool) -> None:
    """Cancel a job, or delete a finished one with its transcript."""
    api = session.api()
    job_id = resolve(api, job_id)
    job = api.job(job_id)
    if not yes:
        click.confirm(
            f"{'delete' if job['status'] in ('completed', 'failed', 'cancelled') else 'cancel'} "
            f"the job on {printable(job['filename'])}?",
            abort=True,
            err=True,
        )
    api.cancel(job_id)
    say(f"job {job_id} deleted")


COMMANDS = (upload, list_jobs, show, wait, download, speakers, delete)
