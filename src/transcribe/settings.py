"""The one reader of the environment (and `.env`).

Every other module asks `get_settings()`; tests set environment variables and call
`get_settings.cache_clear()` before building an app.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from dotenv import load_dotenv

log = logging.getLogger(__name__)

GIB = 1024**3
Number = TypeVar("Number", int, float)
DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 - a known, refused-in-prod default


DEFAULT_WEBHOOK_RETRY_SCHEDULE_S = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800, 28800)


class ConfigError(RuntimeError):
    """The environment cannot run the service as configured."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_number(name: str, default: Number) -> Number:
    """An int or float setting, of the default's type; a bad value is a ConfigError."""
    raw = _env(name)
    if not raw:
        return default
    kind = type(default)
    try:
        return kind(raw)
    except ValueError as exc:
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from exc


def _env_numbers(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    """A comma-separated list of non-negative numbers."""
    raw = _env(name)
    if not raw:
        return default
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be numbers separated by commas, got {raw!r}") from exc
    if any(value < 0 for value in values):
        raise ConfigError(f"{name} must not hold negative numbers, got {raw!r}")
    return values


def _env_flag(name: str, default: bool = False) -> bool:
    raw = _env(name).lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, *parts[1:]))


@dataclass(frozen=True)
class DatabaseSettings:
    url: str

    @property
    def async_url(self) -> str:
        """SQLAlchemy URL for the API (asyncpg, which calls libpq's `sslmode` `ssl`)."""
        parts = urlsplit(_with_scheme(self.url, "postgresql+asyncpg"))
        query = "&".join(
            "ssl=" + pair.split("=", 1)[1] if pair.startswith("sslmode=") else pair
            for pair in parts.query.split("&")
            if pair
        )
        return urlunsplit((*parts[:3], query, parts.fragment))

    @property
    def sync_url(self) -> str:
        """SQLAlchemy URL for Alembic (psycopg 3, which runs multi-statement SQL)."""
        return _with_scheme(self.url, "postgresql+psycopg")

    @property
    def libpq_url(self) -> str:
        """Plain libpq URL for psycopg/procrastinate."""
        return _with_scheme(self.url, "postgresql")

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True)
class AuthSettings:
    jwt_secret: str
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 30 * 24 * 3600
    login_window_s: int = 900
    login_max_failures_per_email: int = 10
    login_max_failures_per_client: int = 50
    # Registrations one client address may attempt in the login window.
    register_max_per_client: int = 20
    # Default monthly audio quota per user, in minutes; 0: unlimited.
    quota_monthly_audio_minutes: int = 0
    # When set, GET /metrics needs `Authorization: Bearer <metrics_token>`.
    metrics_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class StorageSettings:
    backend: str = "local"
    local_dir: Path = Path("./var/storage")
    s3_endpoint_url: str = ""
    # The endpoint clients reach, for presigned URLs (SigV4 signs the host); defaults to the above.
    s3_public_endpoint_url: str = ""
    # Whether the recognition provider can fetch presigned URLs (a bucket on the internet).
    s3_provider_can_fetch: bool = True
    s3_region: str = ""
    s3_bucket: str = ""
    s3_access_key_id: str = field(default="", repr=False)
    s3_secret_access_key: str = field(default="", repr=False)
    max_upload_bytes: int = 2 * GIB
    url_ttl_s: int = 3600
    # Uploads one user may have presigned and not completed; past it, presign answers 429.
    max_pending_uploads: int = 50
    # Uploaded media is deleted this many days after its last job finished; 0 keeps it.
    media_retention_days: int = 0


@dataclass(frozen=True)
class TranscriptionSettings:
    backend: str = "stub"
    assemblyai_api_key: str = field(default="", repr=False)
    assemblyai_base_url: str = "https://api.assemblyai.com"
    assemblyai_timeout_s: float = 30.0
    # First wait between status checks; it grows 1.5x per check up to `poll_max_s`.
    poll_initial_s: float = 1.0
    poll_max_s: float = 30.0
    # With a secret, AssemblyAI calls PUBLIC_BASE_URL/webhooks/assemblyai when a transcript
    # is done; scheduled checks then only rescue lost webhooks, this often.
    assemblyai_webhook_secret: str = field(default="", repr=False)
    # The local engine: a faster-whisper size name or a CTranslate2 model folder ("" is the
    # bundled English tiny.en), where named models are downloaded, and how many run at once.
    local_model: str = ""
    local_model_dir: Path = Path("./var/models")
    local_concurrency: int = 1
    local_cpu_threads: int = 0  # 0: CTranslate2 decides (every core)
    # `speech_models` sent to AssemblyAI, in order of preference; empty: its default.
    assemblyai_speech_models: tuple[str, ...] = ()
    webhook_fallback_s: float = 600.0


@dataclass(frozen=True)
class EmailSettings:
    backend: str = "console"  # or "smtp"
    frontend_url: str = ""  # where links in emails point
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "Transcribe <no-reply@localhost>"
    smtp_starttls: bool = False
    smtp_timeout_s: float = 15.0
    password_reset_ttl_s: int = 3600
    verification_ttl_s: int = 86400


@dataclass(frozen=True)
class EventSettings:
    # A comment line at least this often keeps idle event streams open through proxies.
    keepalive_s: float = 15.0
    # Events waiting for one slow client before its stream is closed (it reconnects).
    subscriber_buffer: int = 100


@dataclass(frozen=True)
class WebhookSettings:
    allow_private_urls: bool = False
    timeout_s: float = 10.0
    # Waits between delivery attempts: about 31 hours in all before a delivery is abandoned.
    retry_schedule_s: tuple[float, ...] = DEFAULT_WEBHOOK_RETRY_SCHEDULE_S


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = 8
    # A worker whose heartbeat is older than this is dead; its jobs get re-queued.
    heartbeat_s: float = 10.0
    stalled_after_s: float = 60.0
    # How often the recovery task runs (cron; a sixth, trailing field counts seconds).
    recovery_cron: str = "* * * * *"
    # A job re-queued more often than this is failed rather than tried again.
    max_recoveries: int = 5
    # How often abandoned uploads and expired login failures are removed.
    housekeeping_cron: str = "17 * * * *"
    # Attempts of one queue job on transient failures (network, 429, 5xx), backing off.
    max_attempts: int = 8
    retry_base_s: int = 2
    shutdown_graceful_timeout_s: float = 30.0
    # Where a worker serves its own Prometheus metrics; 0 turns it off.
    metrics_port: int = 0


@dataclass(frozen=True)
class Settings:
    environment: str
    host: str
    port: int
    public_base_url: str
    log_level: str
    log_format: str
    db: DatabaseSettings
    auth: AuthSettings
    storage: StorageSettings
    transcription: TranscriptionSettings
    worker: WorkerSettings
    events: EventSettings = field(default_factory=EventSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _load() -> Settings:
    # `.env` fills gaps only: the real environment always wins.
    load_dotenv(Path(_env("ENV_FILE", ".env")), override=False)
    environment = _env("ENVIRONMENT", "development").lower()

    jwt_secret = _env("JWT_SECRET")
    if not jwt_secret:
        if environment not in ("development", "test"):
            raise ConfigError(f"JWT_SECRET is required when ENVIRONMENT={environment}")
        log.warning("JWT_SECRET is not set: using a development-only key")
        jwt_secret = DEV_JWT_SECRET
    elif len(jwt_secret) < 32 and environment == "production":
        raise ConfigError("JWT_SECRET must be at least 32 characters in production")

    api_key = _env("ASSEMBLYAI_API_KEY")
    backend = _env("TRANSCRIPTION_BACKEND").lower() or _default_backend(api_key)
    if backend not in ("assemblyai", "local", "stub"):
        raise ConfigError(
            f"TRANSCRIPTION_BACKEND must be assemblyai, local or stub, got {backend!r}"
        )
    if backend == "local" and not _local_engine_installed():
        raise ConfigError(
            "TRANSCRIPTION_BACKEND=local needs the local engine: pip install '.[local]'"
        )
    if backend == "assemblyai" and not api_key:
        raise ConfigError("TRANSCRIPTION_BACKEND=assemblyai needs ASSEMBLYAI_API_KEY")

    storage_backend = _env("STORAGE_BACKEND", "local").lower()
    if storage_backend not in ("local", "s3", "memory"):
        raise ConfigError(f"STORAGE_BACKEND must be local, s3 or memory, got {storage_backend!r}")
    storage = StorageSettings(
        backend=storage_backend,
        local_dir=Path(_env("LOCAL_STORAGE_DIR", "./var/storage")),
        s3_endpoint_url=_env("S3_ENDPOINT_URL"),
        s3_public_endpoint_url=_env("S3_PUBLIC_ENDPOINT_URL") or _env("S3_ENDPOINT_URL"),
        s3_provider_can_fetch=_env("S3_PROVIDER_CAN_FETCH", "true").lower() in ("1", "true", "yes"),
        s3_region=_env("S3_REGION", "us-east-1"),
        s3_bucket=_env("S3_BUCKET"),
        s3_access_key_id=_env("S3_ACCESS_KEY_ID"),
        s3_secret_access_key=_env("S3_SECRET_ACCESS_KEY"),
        max_upload_bytes=_env_number("MAX_UPLOAD_BYTES", 2 * GIB),
        url_ttl_s=_env_number("SIGNED_URL_TTL_S", 3600),
        max_pending_uploads=_env_number("MAX_PENDING_UPLOADS", 50),
        media_retention_days=_env_number("MEDIA_RETENTION_DAYS", 0),
    )
    if storage.backend == "s3" and not storage.s3_bucket:
        raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")

    port = _env_number("PORT", 8000)
    host = _env("HOST", "127.0.0.1")
    public_base_url = _env("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/")
    email_backend = _env("EMAIL_BACKEND", "console").lower()
    if email_backend not in ("console", "smtp"):
        raise ConfigError(f"EMAIL_BACKEND must be console or smtp, got {email_backend!r}")
    return Settings(
        environment=environment,
        host=host,
        port=port,
        public_base_url=public_base_url,
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        log_format=_env("LOG_FORMAT", "json").lower(),
        db=DatabaseSettings(
            url=_env("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/transcribe")
        ),
        auth=AuthSettings(
            jwt_secret=jwt_secret,
            access_token_ttl_s=_env_number("ACCESS_TOKEN_TTL_S", 3600),
            refresh_token_ttl_s=_env_number("REFRESH_TOKEN_TTL_S", 30 * 24 * 3600),
            login_window_s=_env_number("LOGIN_THROTTLE_WINDOW_S", 900),
            login_max_failures_per_email=_env_number("LOGIN_MAX_FAILURES_PER_EMAIL", 10),
            login_max_failures_per_client=_env_number("LOGIN_MAX_FAILURES_PER_CLIENT", 50),
            register_max_per_client=_env_number("REGISTER_MAX_PER_CLIENT", 20),
            quota_monthly_audio_minutes=_env_number("QUOTA_MONTHLY_AUDIO_MINUTES", 0),
            metrics_token=_env("METRICS_TOKEN"),
        ),
        storage=storage,
        transcription=TranscriptionSettings(
            backend=backend,
            assemblyai_api_key=api_key,
            assemblyai_base_url=_env("ASSEMBLYAI_BASE_URL", "https://api.assemblyai.com"),
            assemblyai_timeout_s=_env_number("ASSEMBLYAI_TIMEOUT_S", 30.0),
            poll_initial_s=_env_number("TRANSCRIPTION_POLL_INITIAL_S", 1.0),
            poll_max_s=_env_number("TRANSCRIPTION_POLL_MAX_S", 30.0),
            assemblyai_webhook_secret=_env("ASSEMBLYAI_WEBHOOK_SECRET"),
            local_model=_env("LOCAL_MODEL"),
            local_model_dir=Path(_env("LOCAL_MODEL_DIR", "./var/models")),
            local_concurrency=_env_number("LOCAL_ENGINE_CONCURRENCY", 1),
            local_cpu_threads=_env_number("LOCAL_CPU_THREADS", 0),
            assemblyai_speech_models=tuple(
                model.strip()
                for model in _env("ASSEMBLYAI_SPEECH_MODELS").split(",")
                if model.strip()
            ),
            webhook_fallback_s=_env_number("ASSEMBLYAI_WEBHOOK_FALLBACK_S", 600.0),
        ),
        email=EmailSettings(
            backend=email_backend,
            frontend_url=(_env("FRONTEND_URL") or public_base_url).rstrip("/"),
            smtp_host=_env("SMTP_HOST", "127.0.0.1"),
            smtp_port=_env_number("SMTP_PORT", 25),
            smtp_username=_env("SMTP_USERNAME"),
            smtp_password=_env("SMTP_PASSWORD"),
            smtp_from=_env("SMTP_FROM", "Transcribe <no-reply@localhost>"),
            smtp_starttls=_env_flag("SMTP_STARTTLS"),
            password_reset_ttl_s=_env_number("PASSWORD_RESET_TTL_S", 3600),
            verification_ttl_s=_env_number("EMAIL_VERIFICATION_TTL_S", 86400),
        ),
        events=EventSettings(
            keepalive_s=_env_number("EVENTS_KEEPALIVE_S", 15.0),
            subscriber_buffer=_env_number("EVENTS_SUBSCRIBER_BUFFER", 100),
        ),
        webhooks=WebhookSettings(
            allow_private_urls=_env_flag("WEBHOOK_ALLOW_PRIVATE_URLS"),
            timeout_s=_env_number("WEBHOOK_TIMEOUT_S", 10.0),
            retry_schedule_s=_env_numbers(
                "WEBHOOK_RETRY_SCHEDULE_S", DEFAULT_WEBHOOK_RETRY_SCHEDULE_S
            ),
        ),
        worker=WorkerSettings(
            concurrency=_env_number("WORKER_CONCURRENCY", 8),
            heartbeat_s=_env_number("WORKER_HEARTBEAT_S", 10.0),
            stalled_after_s=_env_number("WORKER_STALLED_AFTER_S", 60.0),
            recovery_cron=_env("RECOVERY_CRON", "* * * * *"),
            max_recoveries=_env_number("JOB_MAX_RECOVERIES", 5),
            housekeeping_cron=_env("HOUSEKEEPING_CRON", "17 * * * *"),
            max_attempts=_env_number("JOB_MAX_ATTEMPTS", 8),
            retry_base_s=_env_number("JOB_RETRY_BASE_S", 2),
            shutdown_graceful_timeout_s=_env_number("WORKER_SHUTDOWN_GRACEFUL_TIMEOUT_S", 30.0),
            metrics_port=_env_number("WORKER_METRICS_PORT", 0),
        ),
    )


def _local_engine_installed() -> bool:
    return importlib.util.find_spec("faster_whisper") is not None


def _default_backend(api_key: str) -> str:
    """The provider with a key; else recognition on this machine, if installed; else stub."""
    if api_key:
        return "assemblyai"
    return "local" if _local_engine_installed() else "stub"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _load()
