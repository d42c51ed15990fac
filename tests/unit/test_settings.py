from __future__ import annotations

import subprocess
import sys

import pytest

from transcribe.settings import ConfigError, DatabaseSettings, _load


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("JWT_SECRET", "ENVIRONMENT", "ASSEMBLYAI_API_KEY", "TRANSCRIPTION_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_jwt_secret(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ENVIRONMENT", "production")
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        _load()


def test_production_refuses_a_short_jwt_secret(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ENVIRONMENT", "production")
    clean_env.setenv("JWT_SECRET", "short")
    with pytest.raises(ConfigError, match="32 characters"):
        _load()


def test_development_falls_back_to_a_dev_key_with_a_warning(
    clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _load()
    assert settings.auth.jwt_secret
    assert "JWT_SECRET is not set" in caplog.text


def test_transcription_backend_follows_the_api_key_then_the_local_engine(
    clean_env: pytest.MonkeyPatch,
) -> None:
    import transcribe.settings as settings_module

    assert _load().transcription.backend == "local"  # the `local` extra is installed here
    clean_env.setattr(settings_module, "_local_engine_installed", lambda: False)
    assert _load().transcription.backend == "stub"
    clean_env.setenv("TRANSCRIPTION_BACKEND", "local")
    with pytest.raises(ConfigError, match=r"\.\[local\]"):
        _load()
    clean_env.delenv("TRANSCRIPTION_BACKEND")
    clean_env.setenv("ASSEMBLYAI_API_KEY", "key")
    assert _load().transcription.backend == "assemblyai"


def test_bad_numbers_are_config_errors(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MAX_UPLOAD_BYTES", "lots")
    with pytest.raises(ConfigError, match="MAX_UPLOAD_BYTES"):
        _load()


def test_database_url_drivers() -> None:
    db = DatabaseSettings(url="postgresql+asyncpg://u:p@h:5432/d?sslmode=require")
    assert db.async_url == "postgresql+asyncpg://u:p@h:5432/d?ssl=require"
    assert db.sync_url == "postgresql+psycopg://u:p@h:5432/d?sslmode=require"
    assert db.libpq_url.startswith("postgresql://u:p@h:5432/d")


def test_the_service_process_exits_without_jwt_secret_in_production() -> None:
    env = {"ENVIRONMENT": "production", "PATH": "/usr/bin:/bin", "ENV_FILE": "/nonexistent"}
    result = subprocess.run(
        [sys.executable, "-c", "from transcribe.app import create_app; create_app()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "JWT_SECRET is required" in result.stderr


def test_webhook_settings_are_read_and_checked(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
    clean_env.setenv("WEBHOOK_RETRY_SCHEDULE_S", "1, 2.5,10")
    settings = _load()
    assert settings.webhooks.allow_private_urls is True
    assert settings.webhooks.retry_schedule_s == (1.0, 2.5, 10.0)
    clean_env.setenv("WEBHOOK_RETRY_SCHEDULE_S", "1,soon")
    with pytest.raises(ConfigError, match="WEBHOOK_RETRY_SCHEDULE_S"):
        _load()
    clean_env.setenv("WEBHOOK_RETRY_SCHEDULE_S", "-1")
    with pytest.raises(ConfigError, match="negative"):
        _load()
    clean_env.delenv("WEBHOOK_RETRY_SCHEDULE_S")
    clean_env.setenv("WEBHOOK_ALLOW_PRIVATE_URLS", "maybe")
    with pytest.raises(ConfigError, match="true or false"):
        _load()
