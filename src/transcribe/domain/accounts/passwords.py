"""argon2id password hashing, off the event loop, in a bounded pool.

Each hash or check allocates argon2's 64 MiB: with one thread per request, 16 logins at once
would take 1 GiB. A pool of PASSWORD_HASH_WORKERS threads (default: the cores this process
may use) bounds that by design; a burst waits its turn in the pool's queue, where it costs
nothing. Registration, login, password change, reset and account deletion all come here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from transcribe.settings import get_settings

hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
T = TypeVar("T")


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    workers = get_settings().auth.password_hash_workers or len(os.sched_getaffinity(0))
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")


async def _in_pool(work: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool(), work)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await _in_pool(lambda: hasher.hash(password))


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an unknown user is checked against a dummy hash to take as long."""

    def verify() -> bool:
        try:
            return hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await _in_pool(verify)


def needs_rehash(password_hash: str) -> bool:
    return hasher.check_needs_rehash(password_hash)
