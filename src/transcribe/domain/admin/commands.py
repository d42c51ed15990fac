"""`python -m transcribe admin promote|demote EMAIL`: how the first admin is made."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from transcribe.domain.accounts.services import UserService
from transcribe.settings import get_settings

USAGE = "usage: python -m transcribe admin promote|demote EMAIL"


async def _set_admin(email: str, is_admin: bool) -> bool:
    engine = create_async_engine(get_settings().db.async_url)
    try:
        async with async_sessionmaker(engine).begin() as session:
            return await UserService(session=session).set_admin_by_email(email, is_admin)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("promote", "demote"):
        print(USAGE)
        return 2
    action, email = argv
    if not asyncio.run(_set_admin(email, action == "promote")):
        print(f"no user with the email {email!r}")
        return 1
    print(f"{email} is {'now' if action == 'promote' else 'no longer'} an admin")
    return 0
