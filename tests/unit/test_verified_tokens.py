"""The cache of checked access tokens: it remembers only the token's own claims, until the
token expires, and stays bounded."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from litestar.middleware import AuthenticationResult
from litestar.security.jwt import Token

from transcribe.domain.accounts.auth import VerifiedTokens
from transcribe.domain.accounts.current_user import Principal


def _result(expires_in_s: float) -> AuthenticationResult:
    token = Token(exp=datetime.now(UTC) + timedelta(seconds=expires_in_s), sub=str(uuid4()))
    return AuthenticationResult(user=Principal(uuid4(), 3), auth=token)


def test_a_checked_token_is_known_until_it_expires() -> None:
    cache = VerifiedTokens()
    live, dead = _result(60), _result(1.5)
    cache.put("live", live)
    cache.put("dead", dead)
    assert cache.get("dead") is not None
    time.sleep(1.6)  # (exp has whole seconds) the short-lived token's time runs out
    known = cache.get("live")
    assert known is not None and known.auth is live.auth
    assert known.user == Principal(live.user.user_id, 3)
    assert known.user is not live.user  # a fresh principal per request (it caches the row)
    assert cache.get("dead") is None and cache.get("never seen") is None


def test_the_cache_is_bounded_oldest_first() -> None:
    cache = VerifiedTokens(size=2)
    for name in ("a", "b", "c"):
        cache.put(name, _result(60))
    assert cache.get("a") is None
    assert cache.get("b") is not None and cache.get("c") is not None
