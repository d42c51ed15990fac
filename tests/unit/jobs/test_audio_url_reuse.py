"""A retry hands the provider the audio URL an earlier attempt saved, while it is valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from transcribe.db import models as m
from transcribe.domain.jobs.runner import AUDIO_URL_REUSE_S, reusable_audio_url

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _job(url: str | None, saved_s_ago: float | None) -> m.TranscriptionJob:
    saved_at = None if saved_s_ago is None else NOW - timedelta(seconds=saved_s_ago)
    return m.TranscriptionJob(provider_audio_url=url, provider_audio_url_at=saved_at)


def test_a_fresh_url_is_reused() -> None:
    assert reusable_audio_url(_job("https://cdn/upload/1", 60), NOW) == "https://cdn/upload/1"


def test_an_old_url_is_not() -> None:
    assert reusable_audio_url(_job("https://cdn/upload/1", AUDIO_URL_REUSE_S + 1), NOW) is None


def test_no_url_or_no_time_means_a_fresh_one() -> None:
    assert reusable_audio_url(_job(None, None), NOW) is None
    assert reusable_audio_url(_job("https://cdn/upload/1", None), NOW) is None  # saved before 0013
