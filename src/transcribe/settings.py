"""The one reader of the environment (and `.env`).

Each setting is declared once, as a field with its environment variable and its default
(`setting(...)`); one generic reader parses every field by its type, and `_load` adds only
what depends on other settings or must be checked. Every other module asks `get_settings()`;
tests set environment variables and call `get_settings.cache_clear()` before building an app.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from dotenv import load_dotenv

log = logging.getLogger(__name__)

GIB = 1024**3
Number = TypeVar("Number", int, float)
DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 - a known, refused-in-prod default


LOCAL_STORAGE_DIR = Path("./var/storage")
LOCAL_MODEL_DIR = Path("./var/models")
# The web app's build (`npm run build` in src/web writes it; the wheel ships it).
WEB_DIST_DIR = Path(__file__).resolve().parent / "web" / "dist"
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


def setting(env: str, default: Any, *, secret: bool = False) -> Any:
    """A field read from the environment variable `env`, with its one declared default."""
    return field(default=default, repr=not secret, metadata={"env": env})


def _parse(name: str, default: Any, annotation: str) -> Any:
    """The environment's value for a field, by the field's type; unset or empty: the default."""
    raw = _env(name)
    if not raw:
        return default
    if isinstance(default, bool):
        return _env_flag(name, default)
    if isinstance(default, int | float):
        return _env_number(name, default)
    if isinstance(default, Path):
        return Path(raw)
    if annotation.startswith("tuple[float"):
        return _env_numbers(name, default)
    if annotation.startswith("tuple[str"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


Section = TypeVar("Section")


def _read(section: type[Section]) -> Section:
    """A settings section from the environment (`_load` then fills in what depends on it)."""
    values = {
        f.name: _parse(f.metadata["env"], f.default, str(f.type))
        for f in fields(section)  # type: ignore[arg-type]
        if "env" in f.metadata
    }
    return section(**values)


def env_names() -> dict[str, Any]:
    """Every environment variable a setting is read from, with its default (the README's
    configuration table is checked against this)."""
    sections = (
        Settings,
        DatabaseSettings,
        AuthSettings,
        StorageSettings,
        TranscriptionSettings,
        EmailSettings,
        EventSettings,
        WebhookSettings,
        WorkerSettings,
    )
    return {
        f.metadata["env"]: f.default
        for section in sections
        for f in fields(section)
        if "env" in f.metadata
    }


def _with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, *parts[1:]))


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/transcribe")
    # SQLAlchemy connections one process keeps (no overflow beyond); 0: the role's default.
    pool_size: int = setting("DATABASE_POOL_SIZE", 0)
    # An API statement that has no answer after this long fails its request with 503 (a
    # runaway query, or a server that stopped answering mid-statement); 0: no limit.
    statement_timeout_s: float = setting("DATABASE_STATEMENT_TIMEOUT_S", 30.0)

    API_POOL_SIZE = 10  # requests wait for a connection rather than open new ones
    # The longest a request waits for a connection, queued for one or opening one, before it
    # answers 503: a database that hangs (a failover that drops packets) or a pool held by
    # a burst must not keep requests past clients' timeouts (the pool's default is 30 s).
    API_WAIT_S = 5

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
    # Required outside development and test (checked by _load).
    jwt_secret: str = setting("JWT_SECRET", "", secret=True)
    access_token_ttl_s: int = setting("ACCESS_TOKEN_TTL_S", 3600)
    refresh_token_ttl_s: int = setting("REFRESH_TOKEN_TTL_S", 30 * 24 * 3600)
    login_window_s: int = setting("LOGIN_THROTTLE_WINDOW_S", 900)
    login_max_failures_per_email: int = setting("LOGIN_MAX_FAILURES_PER_EMAIL", 10)
    login_max_failures_per_client: int = setting("LOGIN_MAX_FAILURES_PER_CLIENT", 50)
    # Registrations one client address may attempt in the login window.
    register_max_per_client: int = setting("REGISTER_MAX_PER_CLIENT", 20)
    # Requests to the public GET /shared/{token} one client address may make a minute.
    shared_views_per_minute: int = setting("SHARED_VIEWS_PER_MINUTE", 120)
    # Default monthly audio quota per user, in minutes; 0: unlimited.
    quota_monthly_audio_minutes: int = setting("QUOTA_MONTHLY_AUDIO_MINUTES", 0)
    # When set, GET /metrics needs `Authorization: Bearer <metrics_token>`.
    metrics_token: str = setting("METRICS_TOKEN", "", secret=True)
    # argon2 hashes computed at once (64 MiB each); 0: the cores this process may use.
    password_hash_workers: int = setting("PASSWORD_HASH_WORKERS", 0)
    # argon2's cost: standard (argon2-cffi's recommended: 64 MiB, 3 passes) or minimal (8 KiB,
    # 1 pass), which only ENVIRONMENT=test accepts: a test suite signs up hundreds of users.
    password_hash_cost: str = setting("PASSWORD_HASH_COST", "standard")


@dataclass(frozen=True)
class StorageSettings:
    backend: str = setting("STORAGE_BACKEND", "local")  # local, s3 or memory
    local_dir: Path = setting("LOCAL_STORAGE_DIR", LOCAL_STORAGE_DIR)  # noqa: RUF009 - a field()
    s3_endpoint_url: str = setting("S3_ENDPOINT_URL", "")
    # The endpoint clients reach, for presigned URLs (SigV4 signs the host); "" is the above.
    s3_public_endpoint_url: str = setting("S3_PUBLIC_ENDPOINT_URL", "")
    # Whether the recognition provider can fetch presigned URLs (a bucket on the internet).
    s3_provider_can_fetch: bool = setting("S3_PROVIDER_CAN_FETCH", True)
    s3_region: str = setting("S3_REGION", "us-east-1")
    s3_bucket: str = setting("S3_BUCKET", "")
    s3_access_key_id: str = setting("S3_ACCESS_KEY_ID", "", secret=True)
    s3_secret_access_key: str = setting("S3_SECRET_ACCESS_KEY", "", secret=True)
    max_upload_bytes: int = setting("MAX_UPLOAD_BYTES", 2 * GIB)
    url_ttl_s: int = setting("SIGNED_URL_TTL_S", 3600)
    # Uploads one user may have presigned and not completed; past it, presign answers 429.
    max_pending_uploads: int = setting("MAX_PENDING_UPLOADS", 50)
    # Uploaded media is deleted this many days after its last job finished; 0 keeps it.
    media_retention_days: int = setting("MEDIA_RETENTION_DAYS", 0)


@dataclass(frozen=True)
class TranscriptionSettings:
    # assemblyai, local or stub; "" picks one (see _default_backend).
    backend: str = setting("TRANSCRIPTION_BACKEND", "")
    assemblyai_api_key: str = setting("ASSEMBLYAI_API_KEY", "", secret=True)
    assemblyai_base_url: str = setting("ASSEMBLYAI_BASE_URL", "https://api.assemblyai.com")
    assemblyai_timeout_s: float = setting("ASSEMBLYAI_TIMEOUT_S", 30.0)
    # First wait between status checks; it grows 1.5x per check up to `poll_max_s`.
    poll_initial_s: float = setting("TRANSCRIPTION_POLL_INITIAL_S", 1.0)
    poll_max_s: float = setting("TRANSCRIPTION_POLL_MAX_S", 30.0)
    # With a secret, AssemblyAI calls PUBLIC_BASE_URL/webhooks/assemblyai when a transcript
    # is done; scheduled checks then only rescue lost webhooks, every `webhook_fallback_s`.
    assemblyai_webhook_secret: str = setting("ASSEMBLYAI_WEBHOOK_SECRET", "", secret=True)
    webhook_fallback_s: float = setting("ASSEMBLYAI_WEBHOOK_FALLBACK_S", 600.0)
    # After an outage that may have cost webhooks, jobs at the provider are checked at this
    # rate (checks per second, spread over time; never a burst of thousands at once).
    catch_up_checks_per_s: float = setting("ASSEMBLYAI_CATCH_UP_PER_S", 20.0)
    # The local engine: "" (the bundled multilingual base), "tiny.en" (the bundled English
    # model), a faster-whisper size name or a CTranslate2 model folder; the folder where the
    # bundled base is joined and named models are downloaded; how many run at once.
    local_model: str = setting("LOCAL_MODEL", "")
    local_model_dir: Path = setting("LOCAL_MODEL_DIR", LOCAL_MODEL_DIR)  # noqa: RUF009 - a field()
    local_concurrency: int = setting("LOCAL_ENGINE_CONCURRENCY", 1)
    local_cpu_threads: int = setting("LOCAL_CPU_THREADS", 0)  # 0: CTranslate2 decides
    # `speech_models` sent to AssemblyAI, in order of preference; empty: its default.
    assemblyai_speech_models: tuple[str, ...] = setting("ASSEMBLYAI_SPEECH_MODELS", ())


@dataclass(frozen=True)
class EmailSettings:
    backend: str = setting("EMAIL_BACKEND", "console")  # or smtp
    frontend_url: str = setting("FRONTEND_URL", "")  # where links point; "": PUBLIC_BASE_URL
    smtp_host: str = setting("SMTP_HOST", "127.0.0.1")
    smtp_port: int = setting("SMTP_PORT", 25)
    smtp_username: str = setting("SMTP_USERNAME", "")
    smtp_password: str = setting("SMTP_PASSWORD", "", secret=True)
    smtp_from: str = setting("SMTP_FROM", "Transcribe <no-reply@localhost>")
    smtp_starttls: bool = setting("SMTP_STARTTLS", False)
    smtp_timeout_s: float = setting("SMTP_TIMEOUT_S", 15.0)
    password_reset_ttl_s: int = setting("PASSWORD_RESET_TTL_S", 3600)
    verification_ttl_s: int = setting("EMAIL_VERIFICATION_TTL_S", 86400)


@dataclass(frozen=True)
class EventSettings:
    # A comment line at least this often keeps idle event streams open through proxies.
    keepalive_s: float = setting("EVENTS_KEEPALIVE_S", 15.0)
    # Events waiting for one slow client before its stream is closed (it reconnects).
    subscriber_buffer: int = setting("EVENTS_SUBSCRIBER_BUFFER", 100)
    # Job events are kept this long for clients that reconnect with Last-Event-ID (the API
    # promises at least an hour); housekeeping deletes older ones.
    retention_s: float = setting("EVENTS_RETENTION_S", 7200.0)


@dataclass(frozen=True)
class WebhookSettings:
    allow_private_urls: bool = setting("WEBHOOK_ALLOW_PRIVATE_URLS", False)
    timeout_s: float = setting("WEBHOOK_TIMEOUT_S", 10.0)
    # Waits between delivery attempts: about 31 hours in all before a delivery is abandoned.
    retry_schedule_s: tuple[float, ...] = setting(
        "WEBHOOK_RETRY_SCHEDULE_S", DEFAULT_WEBHOOK_RETRY_SCHEDULE_S
    )


@dataclass(frozen=True)
class WorkerSettings:
    concurrency: int = setting("WORKER_CONCURRENCY", 8)
    # A worker whose heartbeat is older than this is dead; its jobs get re-queued.
    heartbeat_s: float = setting("WORKER_HEARTBEAT_S", 10.0)
    stalled_after_s: float = setting("WORKER_STALLED_AFTER_S", 60.0)
    # How often the recovery task runs (cron; a sixth, trailing field counts seconds).
    recovery_cron: str = setting("RECOVERY_CRON", "* * * * *")
    # A job re-queued more often than this is failed rather than tried again.
    max_recoveries: int = setting("JOB_MAX_RECOVERIES", 5)
    # How often abandoned uploads, media past retention and expired login failures go.
    housekeeping_cron: str = setting("HOUSEKEEPING_CRON", "17 * * * *")
    # Attempts of one queue job on transient failures (network, 429, 5xx), backing off.
    max_attempts: int = setting("JOB_MAX_ATTEMPTS", 8)
    retry_base_s: int = setting("JOB_RETRY_BASE_S", 2)
    shutdown_graceful_timeout_s: float = setting("WORKER_SHUTDOWN_GRACEFUL_TIMEOUT_S", 30.0)
    # Where a worker serves its own Prometheus metrics; 0 turns it off.
    metrics_port: int = setting("WORKER_METRICS_PORT", 0)
    # A worker waits this long for a database that went away, then exits with status 1.
    db_outage_limit_s: float = setting("WORKER_DB_OUTAGE_LIMIT_S", 300.0)
    # `drain` and `drain-server`: the most one wake-up spends running due tasks.
    drain_budget_s: float = setting("WORKER_DRAIN_BUDGET_S", 240.0)


@dataclass(frozen=True)
class Settings:
    environment: str = setting("ENVIRONMENT", "development")  # development, test, production
    host: str = setting("HOST", "127.0.0.1")
    port: int = setting("PORT", 8000)
    # The URL clients use to reach the API; "": http://127.0.0.1:PORT.
    public_base_url: str = setting("PUBLIC_BASE_URL", "")
    log_level: str = setting("LOG_LEVEL", "INFO")
    log_format: str = setting("LOG_FORMAT", "json")  # or console
    # A request body that sends nothing for this long gets 408 (0: no limit).
    body_idle_timeout_s: float = setting("REQUEST_BODY_IDLE_TIMEOUT_S", 60.0)
    # A request's headers must be complete this long after its first byte (0: no limit).
    headers_timeout_s: float = setting("REQUEST_HEADERS_TIMEOUT_S", 10.0)
    # Proxies in front of the API that append to X-Forwarded-For (Yandex's: 1); 0: none,
    # the socket's peer is the client.
    trusted_proxy_hops: int = setting("TRUSTED_PROXY_HOPS", 0)
    # The built web app served at / (index.html and assets/); missing: a page says how to build.
    web_dist_dir: Path = setting("WEB_DIST_DIR", WEB_DIST_DIR)  # noqa: RUF009 - a field()
    db: DatabaseSettings = field(default_factory=DatabaseSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    transcription: TranscriptionSettings = field(default_factory=TranscriptionSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    events: EventSettings = field(default_factory=EventSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    # Not read from the environment: what loading it found worth a warning, logged by the
    # process once its logging is set up (so in its format, not as a plain line before it).
    startup_warnings: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    value = value.lower()
    if value not in allowed:
        raise ConfigError(
            f"{name} must be {', '.join(allowed[:-1])} or {allowed[-1]}, got {value!r}"
        )
    return value


def _load() -> Settings:
    # `.env` fills gaps only: the real environment always wins.
    load_dotenv(Path(_env("ENV_FILE", ".env")), override=False)
    top = _read(Settings)
    environment = top.environment.lower()
    warnings: list[str] = []

    auth = _read(AuthSettings)
    if not auth.jwt_secret:
        if environment not in ("development", "test"):
            raise ConfigError(f"JWT_SECRET is required when ENVIRONMENT={environment}")
        warnings.append("JWT_SECRET is not set: using a development-only key")
        auth = replace(auth, jwt_secret=DEV_JWT_SECRET)
    elif len(auth.jwt_secret) < 32 and environment == "production":
        raise ConfigError("JWT_SECRET must be at least 32 characters in production")
    cost = _choice("PASSWORD_HASH_COST", auth.password_hash_cost, ("standard", "minimal"))
    if cost == "minimal" and environment != "test":
        raise ConfigError("PASSWORD_HASH_COST=minimal is for test suites only (ENVIRONMENT=test)")
    auth = replace(auth, password_hash_cost=cost)

    transcription = _read(TranscriptionSettings)
    backend = transcription.backend.lower() or _default_backend(transcription.assemblyai_api_key)
    backend = _choice("TRANSCRIPTION_BACKEND", backend, ("assemblyai", "local", "stub"))
    if backend == "local" and not _local_engine_installed():
        raise ConfigError(
            "TRANSCRIPTION_BACKEND=local needs the local engine: pip install '.[local]'"
        )
    if backend == "assemblyai" and not transcription.assemblyai_api_key:
        raise ConfigError("TRANSCRIPTION_BACKEND=assemblyai needs ASSEMBLYAI_API_KEY")

    storage = _read(StorageSettings)
    storage = replace(
        storage,
        backend=_choice("STORAGE_BACKEND", storage.backend, ("local", "s3", "memory")),
        s3_public_endpoint_url=storage.s3_public_endpoint_url or storage.s3_endpoint_url,
    )
    if storage.backend == "s3" and not storage.s3_bucket:
        raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")

    public_base_url = (top.public_base_url or f"http://127.0.0.1:{top.port}").rstrip("/")
    email = _read(EmailSettings)
    email = replace(
        email,
        backend=_choice("EMAIL_BACKEND", email.backend, ("console", "smtp")),
        frontend_url=(email.frontend_url or public_base_url).rstrip("/"),
    )
    return replace(
        top,
        environment=environment,
        public_base_url=public_base_url,
        log_level=top.log_level.upper(),
        log_format=top.log_format.lower(),
        db=_read(DatabaseSettings),
        auth=auth,
        storage=storage,
        transcription=replace(transcription, backend=backend),
        email=email,
        events=_read(EventSettings),
        webhooks=_read(WebhookSettings),
        worker=_read(WorkerSettings),
        startup_warnings=tuple(warnings),
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
