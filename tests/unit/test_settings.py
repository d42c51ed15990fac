from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from transcribe.settings import ConfigError, DatabaseSettings, _load


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "JWT_SECRET",
        "ENVIRONMENT",
        "ASSEMBLYAI_API_KEY",
        "TRANSCRIPTION_BACKEND",
        "PASSWORD_HASH_COST",
    ):
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
    clean_env: pytest.MonkeyPatch,
) -> None:
    """The warning is kept for the process to log once its logging is set up (in its
    format: tests/integration/system/test_startup_logs.py)."""
    settings = _load()
    assert settings.auth.jwt_secret
    assert settings.startup_warnings == ("JWT_SECRET is not set: using a development-only key",)


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


def _readme_configuration() -> dict[str, str]:
    """Name -> default as the README's configuration table gives them."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = [part.strip().strip("`") for part in cells[0].split(",")]
        defaults = [part.strip() for part in cells[-1].split(",")]
        if len(defaults) != len(names):  # one default for several names, or prose
            defaults = [cells[-1]] * len(names)
        rows.update(zip(names, defaults, strict=True))
    return rows


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float):
        return f"{default:g}"
    if isinstance(default, tuple):
        return ",".join(f"{x:g}" if isinstance(x, float | int) else str(x) for x in default)
    return str(default)


def test_the_readme_documents_every_setting_with_its_default() -> None:
    from transcribe.settings import env_names

    declared = env_names()
    documented = _readme_configuration()
    assert set(declared) - set(documented) == set(), "settings missing from the README"
    # Read by others than the settings: uvicorn, the dotenv loader, the CLI.
    others = {"FORWARDED_ALLOW_IPS", "ENV_FILE"}
    assert set(documented) - set(declared) - others == set(), "documented but never read"
    for name, default in declared.items():
        shown = documented[name]
        literal = shown.startswith("`") and shown.endswith("`") and shown.count("`") == 2
        if literal and default not in ("", ()):
            value = shown.strip("`")
            same = Path(value) == default if isinstance(default, Path) else value == _shown(default)
            assert same, (name, shown, default)


@pytest.mark.parametrize("environment", ["development", "production"])
def test_the_minimal_password_cost_is_for_test_suites_only(
    clean_env: pytest.MonkeyPatch, environment: str
) -> None:
    clean_env.setenv("ENVIRONMENT", environment)
    clean_env.setenv("JWT_SECRET", "s" * 40)
    clean_env.setenv("PASSWORD_HASH_COST", "minimal")
    with pytest.raises(ConfigError, match="test suites only"):
        _load()
    clean_env.setenv("PASSWORD_HASH_COST", "cheap")
    with pytest.raises(ConfigError, match="PASSWORD_HASH_COST must be standard or minimal"):
        _load()
    clean_env.delenv("PASSWORD_HASH_COST")
    assert _load().auth.password_hash_cost == "standard"
    clean_env.setenv("ENVIRONMENT", "test")
    clean_env.setenv("PASSWORD_HASH_COST", "Minimal")
    assert _load().auth.password_hash_cost == "minimal"
