"""Job ids as people type them: the whole id, or its first characters (as git takes a
commit's), found among the newest jobs."""

from __future__ import annotations

import re

from transcribe_cli.api import TranscribeApi
from transcribe_cli.output import CliError, short_ids

_WHOLE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PREFIX = re.compile(r"^[0-9a-f-]+$")
MIN_PREFIX = 4
_PAGE = 100
_SEARCHED = 1_000  # a prefix is looked for among this many newest jobs


def resolve(api: TranscribeApi, given: str) -> str:
    """The whole id of the job `given` names; CliError (exit 2) when it names none or many."""
    wanted = given.strip().lower()
    if _WHOLE.match(wanted):
        return wanted
    if len(wanted) < MIN_PREFIX or not _PREFIX.match(wanted):
        raise CliError(
            f"{given!r} is not a job id: give the id, or at least its first {MIN_PREFIX} "
            "characters (`transcribe jobs` lists them)",
            exit_code=2,
        )
    found: list[str] = []
    for offset in range(0, _SEARCHED, _PAGE):
        page = api.jobs(None, _PAGE, offset=offset)
        found += [job["id"] for job in page["items"] if job["id"].startswith(wanted)]
        if offset + _PAGE >= page["total"]:
            break
    if len(found) == 1:
        return found[0]
    if not found:
        raise CliError(f"no job's id starts with {given!r} among your newest {_SEARCHED}", 2)
    raise CliError(
        f"{given!r} starts {len(found)} jobs' ids ({', '.join(short_ids(found))}): "
        "give more characters",
        exit_code=2,
    )
