"""transcribe: upload audio or video, wait for the transcript, download it.

transcribe register --email ada@example.com
transcribe login --email ada@example.com
transcribe upload talk.mp3 --language en --mode dialogue --wait --output talk.txt
transcribe jobs [--status completed] [--search WORD]
transcribe download JOB_ID [--format srt] [--output talk.srt]
transcribe speakers JOB_ID A=Alice B=Bob
"""

from __future__ import annotations

import argparse
import getpass
import mimetypes
import os
import sys
import time
from pathlib import Path

import httpx

from transcribe_cli.api import ApiError, TranscribeApi
from transcribe_cli.config import CliConfig
from transcribe_cli.progress import ProgressBar

FINAL = {"completed", "failed", "cancelled"}


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("Password: ")


def _email(args: argparse.Namespace, config: CliConfig) -> str:
    return args.email or config.email or input("Email: ").strip()


def cmd_register(args: argparse.Namespace, config: CliConfig) -> int:
    email = _email(args, config)
    account = TranscribeApi(config.server).register(email, _password(args))
    print(f"registered {account['email']}; now run `transcribe login`")
    return 0


def cmd_login(args: argparse.Namespace, config: CliConfig) -> int:
    email = _email(args, config)
    config.token = TranscribeApi(config.server).login(email, _password(args))
    config.email = email
    path = config.save()
    print(f"logged in as {email} (token saved in {path})")
    return 0


class _StatusLine:
    """Prints a job's status (and progress, where the engine reports it) when it changes."""

    def __init__(self) -> None:
        self.last: tuple | None = None

    def show(self, job: dict) -> None:
        shown = (job["status"], job.get("progress"))
        if shown != self.last:
            progress = f" {job['progress']}%" if job.get("progress") is not None else ""
            print(f"status: {job['status']}{progress}", file=sys.stderr)
            self.last = shown


def _wait(api: TranscribeApi, job_id: str) -> dict:
    """Follow the job's event stream; if it breaks or is unavailable, poll instead."""
    line = _StatusLine()
    try:
        for job in api.job_events(job_id):
            line.show(job)
            if job["status"] in FINAL:
                return job
    except ApiError as exc:
        if exc.status not in (404, 503):
            raise
    except httpx.HTTPError:
        pass
    print("(events unavailable: polling)", file=sys.stderr)
    delay = 0.5
    while True:
        job = api.job(job_id)
        line.show(job)
        if job["status"] in FINAL:
            return job
        time.sleep(delay)
        delay = min(delay * 1.5, 10)


def cmd_upload(args: argparse.Namespace, config: CliConfig, api: TranscribeApi) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    size = path.stat().st_size
    problem = _against_engine(api.engine(), args.language, args.mode, size)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    content_type = (
        args.content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    presigned = api.presign(path.name, size, content_type)
    bar = ProgressBar(size, f"uploading {path.name}")
    api.put_file(presigned, path, bar.advance)
    api.complete(presigned["object_key"])
    job = api.create_job(presigned["object_key"], args.language, args.mode)
    print(job["id"])
    if not (args.wait or args.output):
        return 0
    job = _wait(api, job["id"])
    if job["status"] != "completed":
        print(
            f"error: job {job['status']}: {job.get('error_message') or 'no reason given'}",
            file=sys.stderr,
        )
        return 1
    if args.output:
        _save(api, job["id"], Path(args.output))
        print(f"transcript saved to {args.output}", file=sys.stderr)
    return 0


def _against_engine(engine: dict, language: str, mode: str, size: int) -> str | None:
    """What the server would refuse, found before a byte is sent."""
    if language.strip().lower() not in engine["languages"]:
        return f"the {engine['name']} engine does not know language {language!r}"
    if mode == "dialogue" and not engine["diarization"]:
        return f"the {engine['name']} engine cannot tell speakers apart: use --mode mono"
    if size > engine["max_upload_bytes"]:
        return f"the file is larger than the server accepts ({engine['max_upload_bytes']} bytes)"
    return None


def _save(api: TranscribeApi, job_id: str, output: Path, fmt: str = "txt") -> None:
    """Stream into a side file and rename, so a broken download never leaves half a transcript."""
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as sink:
            api.download(job_id, sink, fmt)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def cmd_jobs(args: argparse.Namespace, config: CliConfig, api: TranscribeApi) -> int:
    page = api.jobs(args.status, args.limit, args.search)
    print(f"{'ID':<36}  {'STATUS':<10}  {'LANG':<5}  {'MODE':<8}  {'CREATED':<20}  FILE")
    for job in page["items"]:
        print(
            f"{job['id']:<36}  {job['status']:<10}  {job['language']:<5}  {job['mode']:<8}  "
            f"{job['created_at'][:19]:<20}  {job['filename']}"
        )
    print(f"{len(page['items'])} of {page['total']} jobs", file=sys.stderr)
    return 0


def cmd_download(args: argparse.Namespace, config: CliConfig, api: TranscribeApi) -> int:
    if args.output:
        _save(api, args.job_id, Path(args.output), args.format)
        print(f"transcript saved to {args.output}", file=sys.stderr)
    else:
        api.download(args.job_id, sys.stdout.buffer, args.format)
        sys.stdout.buffer.flush()
    return 0


def cmd_speakers(args: argparse.Namespace, config: CliConfig, api: TranscribeApi) -> int:
    names: dict[str, str | None] = {}
    for pair in args.names:
        label, sep, name = pair.partition("=")
        if not sep or not label:
            print(f"error: {pair!r} is not LABEL=NAME (e.g. A=Alice; A= removes)", file=sys.stderr)
            return 2
        names[label] = name or None
    job = api.name_speakers(args.job_id, names)
    for label, name in sorted(job["speaker_names"].items()):
        print(f"{label}: {name}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="transcribe", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument(
        "--server",
        help="API address (default: saved, $TRANSCRIBE_SERVER, or http://127.0.0.1:8000)",
    )
    commands = root.add_subparsers(dest="command", required=True)
    for name in ("register", "login"):
        sub = commands.add_parser(name, help=f"{name} with email and password")
        sub.add_argument("--email")
        sub.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    upload = commands.add_parser("upload", help="upload a file and start transcribing it")
    upload.add_argument("file")
    upload.add_argument("--language", default="auto", help="ISO 639-1 code or auto (default)")
    upload.add_argument("--mode", choices=["mono", "dialogue"], default="mono")
    upload.add_argument("--content-type", help="override the type guessed from the file name")
    upload.add_argument("--wait", action="store_true", help="wait until the job finishes")
    upload.add_argument("--output", help="save the transcript here (implies --wait)")
    jobs = commands.add_parser("jobs", help="list your jobs, newest first")
    jobs.add_argument(
        "--status", choices=["pending", "processing", "completed", "failed", "cancelled"]
    )
    jobs.add_argument("--limit", type=int, default=20)
    jobs.add_argument("--search", help="only jobs whose transcript or file name has these words")
    download = commands.add_parser("download", help="print or save a finished transcript")
    download.add_argument("job_id")
    download.add_argument("--format", choices=["txt", "srt", "vtt", "json", "docx"], default="txt")
    download.add_argument("--output")
    speakers = commands.add_parser("speakers", help="name the speakers of a transcript")
    speakers.add_argument("job_id")
    speakers.add_argument("names", nargs="+", metavar="LABEL=NAME", help="e.g. A=Alice B=Bob")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = CliConfig.load()
    server = args.server or os.environ.get("TRANSCRIBE_SERVER")
    if server:
        config.server = server
    try:
        if args.command in ("register", "login"):
            return {"register": cmd_register, "login": cmd_login}[args.command](args, config)
        if not config.token:
            print("error: not logged in (run `transcribe login`)", file=sys.stderr)
            return 1
        api = TranscribeApi(config.server, config.token)
        try:
            handler = {
                "upload": cmd_upload,
                "jobs": cmd_jobs,
                "download": cmd_download,
                "speakers": cmd_speakers,
            }[args.command]
            return handler(args, config, api)
        finally:
            api.close()
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:
        print(f"error: cannot reach {config.server}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
