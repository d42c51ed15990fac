"""The storage key layout, spelled here only: `uploads/{user}/{uuid}/{name}` for what users
upload, `results/{user}/{job}/...` for what jobs make; and users' filenames made safe to
put in a key."""

from __future__ import annotations

import re
import unicodedata
import uuid
from uuid import UUID

MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(raw: str) -> str:
    """A filename with no separators, no `..`, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", raw)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.replace("/", "_").replace("\\", "_")
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"\.{2,}", ".", name)
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot else ""
        name = (stem if dot else name)[: MAX_NAME - len(ext) - 1].rstrip(" .") + (
            f".{ext}" if ext else ""
        )
    return name or "file"


UPLOADS_ROOT = "uploads/"


def upload_key(user_id: UUID, filename: str) -> str:
    return f"{UPLOADS_ROOT}{user_id}/{uuid.uuid4()}/{safe_filename(filename)}"


def is_owned_key(user_id: UUID, key: str) -> bool:
    return key.startswith(f"{UPLOADS_ROOT}{user_id}/") and ".." not in key.split("/")


RESULTS_ROOT = "results/"


def results_prefix(user_id: UUID, job_id: UUID) -> str:
    """Where everything a job makes goes (its transcript documents and renders)."""
    return f"{RESULTS_ROOT}{user_id}/{job_id}/"
