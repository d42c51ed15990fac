"""A module that imports `api_settings` from here runs its `api` tests on local storage and
on S3 (rclone), each with the module's own API server."""

from __future__ import annotations

import dataclasses

import pytest

from transcribe.settings import Settings


@pytest.fixture(name="api_settings", scope="module", params=["local", "s3"])
def api_settings_on_local_and_s3(
    request: pytest.FixtureRequest, api_settings: Settings
) -> Settings:
    """The tests that take `api` run on local storage and on S3 (rclone)."""
    if request.param == "local":
        return api_settings
    s3_settings = request.getfixturevalue("s3_settings")
    return dataclasses.replace(api_settings, storage=s3_settings.storage)
