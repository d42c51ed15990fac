"""The password hash's cost follows PASSWORD_HASH_COST, and a hash made at either cost
verifies whatever the setting (a hash carries its parameters)."""

from __future__ import annotations

from argon2 import extract_parameters, profiles

from tests.helpers.accounts import password_cost
from transcribe.domain.accounts import passwords


async def test_standard_is_argon2_cffis_recommended_cost() -> None:
    with password_cost("standard"):
        standard = await passwords.hash_password("correct horse")
    parameters = extract_parameters(standard)
    assert parameters == profiles.get_default_parameters()
    assert parameters.memory_cost == 64 * 1024 and parameters.time_cost == 3

    with password_cost("minimal"):
        minimal = await passwords.hash_password("correct horse")
        assert extract_parameters(minimal).memory_cost == profiles.CHEAPEST.memory_cost
        # Each verifies under the other setting.
        assert await passwords.verify_password(standard, "correct horse")
        assert not await passwords.verify_password(standard, "wrong horse")
    with password_cost("standard"):
        assert await passwords.verify_password(minimal, "correct horse")
        assert passwords.needs_rehash(minimal) and not passwords.needs_rehash(standard)
