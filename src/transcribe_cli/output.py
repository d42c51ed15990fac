"""What the CLI shows: results on stdout (transcripts, ids, tables), everything else on
stderr, so that `transcribe download ID > talk.txt` and `$(transcribe upload ...)` work.

Text that came from the server or a user (file names, speaker names, error details) is
shown without control or bidi-override characters and never as rich markup.
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from transcribe.lib.text import printable

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def say(message: str, *, style: str | None = None) -> None:
    """A line for the person at the terminal (stderr)."""
    err.print(message, style=style, markup=False)


def fail(message: str) -> None:
    err.print(f"error: {message}", style="bold red", markup=False)


class CliError(click.ClickException):
    """A plain message and an exit status (2: refused before asking the server)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: object = None) -> None:
        fail(self.message)


def transfer_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
    )


JOB_COLUMNS = ("id", "status", "language", "mode", "created_at", "filename")


SHORT_ID = 8  # the fewest characters of an id the table shows


def short_ids(ids: list[str]) -> list[str]:
    """Each id cut to the fewest characters (at least SHORT_ID) that no other of `ids`
    shares. Ids made in the same minute share their first characters (they begin with the
    time), so those show more."""
    shortened = []
    for index, job_id in enumerate(ids):
        others = ids[:index] + ids[index + 1 :]
        length = SHORT_ID
        while length < len(job_id) and any(o.startswith(job_id[:length]) for o in others):
            length += 1
        shortened.append(job_id[:length])
    return shortened


def jobs_table(jobs: list[dict]) -> None:
    """A table at a terminal; tab-separated lines for scripts and pipes."""
    rows = [[printable(str(job.get(column) or "")) for column in JOB_COLUMNS] for job in jobs]
    for row in rows:
        row[4] = row[4][:19].replace("T", " ")  # created_at, to the second
    if not out.is_terminal:
        # Straight to the stream: rich would expand the tabs that `cut -f` splits on.
        out.file.write("".join("\t".join(row) + "\n" for row in rows))
        out.file.flush()
        return
    # At a terminal, ids as short as they can be (commands take any unique start of one).
    for row, short in zip(rows, short_ids([row[0] for row in rows]), strict=True):
        row[0] = short
    table = Table(box=None, header_style="bold")
    for column in JOB_COLUMNS:
        table.add_column(column.upper().replace("_AT", ""), no_wrap=column != "filename")
    for row in rows:
        table.add_row(*row)
    out.print(table)


class StatusLine:
    """Shows a job's status (and progress, where the engine reports it) when it changes."""

    def __init__(self) -> None:
        self.last: tuple | None = None

    def show(self, job: dict) -> None:
        shown = (job["status"], job.get("progress"))
        if shown != self.last:
            progress = f" {job['progress']}%" if job.get("progress") is not None else ""
            say(f"status: {job['status']}{progress}")
            self.last = shown
