"""argon2id password hashing, off the event loop, in a bounded pool.

Each hash or check allocates argon2's 64 MiB: with one thread per request, 16 logins at once
would take 1 GiB. A pool of PASSWORD_HASH_WORKERS threads (default: the cores this process
may use) bounds that by design; a burst waits its turn in the pool's queue, where it costs
nothing. Registration, login, password change, reset and account deletion all come here.

The cost is argon2-cffi's recommended parameters; a test suite may ask for the cheapest
(PASSWORD_HASH_COST=minimal, refused outside ENVIRONMENT=test). A hash carries its own
parameters, so either kind verifies whatever the setting.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from transcribe.settings import get_settings

T = TypeVar("T")

_COSTS = {"standard": profiles.get_default_parameters(), "minimal": profiles.CHEAPEST}


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(_COSTS[get_settings().auth.password_hash_cost])


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    workers = get_settings().auth.password_hash_workers or len(os.sched_getaffinity(0))
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")


async def _in_pool(work: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool(), work)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await _in_pool(lambda: _hasher().hash(password))


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an unknown user is checked against a dummy hash to take as long."""

    def verify() -> bool:
        try:
            matches = _hasher().verify(password_hash or _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return False
        return matches and bool(password_hash)

    return await _in_pool(verify)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
