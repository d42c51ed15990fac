"""What the benchmarks share: a migrated throwaway database, rows seeded as the API would
write them (faster than through the API: no argon2, no HTTP), and process readings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from tests.helpers.database import fresh_database


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory from the kernel: now (VmRSS) or at its peak (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def migrated_database() -> Iterator[str]:
    """A fresh database at the latest revision (queue schema included); dropped after."""
    from transcribe.db.migrate import upgrade
    from transcribe.settings import DatabaseSettings

    with fresh_database("transcribe_bench") as url:
        upgrade(DatabaseSettings(url=url).sync_url)
        yield url


def insert_user(conn: psycopg.Connection) -> uuid.UUID:
    """A user row with no usable password (nobody logs in as it; tokens, where needed, come
    from the API's own TokenIssuer)."""
    user_id = uuid.uuid4()
    conn.execute(
        "INSERT INTO users (id, email, password_hash, created_at, updated_at) "
        "VALUES (%s, %s, '!', now(), now())",
        (user_id, f"bench-{user_id.hex[:12]}@example.com"),
    )
    return user_id


def insert_job(
    conn: psycopg.Connection,
    user_id: Any,
    object_key: str,
    filename: str,
    mode: str = "mono",
    engine: str | None = None,
) -> str:
    """A pending English job row as POST /jobs writes it (not deferred: the caller does that
    if a worker is to run it); its id."""
    return conn.execute(
        "INSERT INTO transcription_jobs (id, user_id, status, language, mode, engine, "
        "source_object_key, filename, created_at, updated_at) VALUES "
        "(gen_random_uuid(), %s, 'pending', 'en', %s, %s, %s, %s, now(), now()) RETURNING id::text",
        (user_id, mode, engine, object_key, filename),
    ).fetchone()[0]


async def insert_upload_job(
    conn: psycopg.Connection,
    user_id: uuid.UUID,
    content: bytes,
    filename: str,
    content_type: str,
    mode: str = "mono",
) -> str:
    """`content` stored under a new upload key of the user's, its completed upload row, and
    a pending job of it (as presign, PUT, complete and POST /jobs leave them); the job's id."""
    from transcribe.settings import get_settings
    from transcribe.storage import get_storage
    from transcribe.storage.keys import upload_key

    key = upload_key(user_id, filename)
    await get_storage(get_settings()).put_bytes(key, content)
    conn.execute(
        "INSERT INTO uploads (id, user_id, object_key, filename, size, content_type, status, "
        "created_at, updated_at) VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, 'uploaded', "
        "now(), now())",
        (user_id, key, filename, len(content), content_type),
    )
    return insert_job(conn, user_id, key, filename, mode)
