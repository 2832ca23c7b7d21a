"""Configuration read from the environment, with safe defaults for the embedded demo."""

import os
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "production", "testing")


def _bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Read a comma-separated list."""
    value = os.environ.get(name)
    if not value:
        return default
    return tuple(item.strip().lower() for item in value.split(",") if item.strip())


# The default of REALTIME_MAX_CONNECTIONS, measured in bench/RESULTS.md ("Issue 17"); gunicorn.conf.py repeats it.
REALTIME_MAX_CONNECTIONS = 5000

# Per kind of file: the largest upload accepted and the types allowed (overridable per kind from the environment).
UPLOAD_LIMITS_MB = {"chat_attachment": 25, "lab_result": 50, "document": 20, "avatar": 5}
UPLOAD_TYPES = {
    "chat_attachment": ("pdf", "jpeg", "png", "webp"),
    "lab_result": ("pdf", "jpeg", "png", "webp"),
    "document": ("pdf",),
    "avatar": ("jpeg", "png", "webp"),
}


def instance_secret_key(instance_path: str) -> str:
    """Return the demo's secret key, generating it once into instance/."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start so the key is never world-readable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def engine_options(url: str) -> dict:
    """Connection pool settings: every open chat event holds a connection briefly, so server databases get more.
    PostgreSQL's connections are pinged only after they idled (app/database.py, PING_AFTER_IDLE_SECONDS)."""
    options = {"pool_pre_ping": url.startswith("sqlite")}
    if not url.startswith("sqlite"):
        options["pool_size"] = _int("DB_POOL_SIZE", 20)
        options["max_overflow"] = _int("DB_MAX_OVERFLOW", 20)
    return options


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ.get("APP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production).")
        secret_key = instance_secret_key(instance_path)
    default_db = "sqlite:///" + str(Path(instance_path) / "clinic.sqlite3")
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "APP_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(os.environ.get("DATABASE_URL", default_db)),
        "REDIS_URL": redis_url,
        # Throttling counters must be shared between processes in production: Redis when configured.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env == "production"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR", 0),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Europe/Moscow"),
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Demo Clinic"),
        "CLINIC_CURRENCY": os.environ.get("CLINIC_CURRENCY", "RUB"),
        "STORAGE_BACKEND": os.environ.get("STORAGE_BACKEND", "local"),
        "STORAGE_LOCAL_PATH": os.environ.get("STORAGE_LOCAL_PATH", str(Path(instance_path) / "storage")),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_BUCKET": os.environ.get("S3_BUCKET", ""),
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        "S3_REGION": os.environ.get("S3_REGION", "us-east-1"),
        "S3_PUBLIC_ENDPOINT_URL": os.environ.get("S3_PUBLIC_ENDPOINT_URL", ""),
        "STORAGE_LINK_SECONDS": _int("STORAGE_LINK_SECONDS", 300),
        "UPLOAD_LIMITS_MB": {kind: _int(f"UPLOAD_MAX_MB_{kind.upper()}", mb) for kind, mb in UPLOAD_LIMITS_MB.items()},
        "UPLOAD_TYPES": {kind: _list(f"UPLOAD_TYPES_{kind.upper()}", types) for kind, types in UPLOAD_TYPES.items()},
        "RECEPTION_CAN_DOWNLOAD_FILES": _bool("RECEPTION_CAN_DOWNLOAD_FILES", False),
        # Scheduling rules.
        "SLOT_BUFFER_MINUTES": _int("SLOT_BUFFER_MINUTES", 10),
        "BOOKING_HORIZON_DAYS": _int("BOOKING_HORIZON_DAYS", 30),
        "BOOKING_MIN_NOTICE_MINUTES": _int("BOOKING_MIN_NOTICE_MINUTES", 120),
        "CANCEL_CUTOFF_HOURS": _int("CANCEL_CUTOFF_HOURS", 12),
        "REMINDER_MINUTES_BEFORE": tuple(int(m) for m in _list("REMINDER_MINUTES_BEFORE", ("1440", "60"))),
        # Chat: the window around each appointment (minutes), the longest message, the per-user send rate.
        "CHAT_OPENS_BEFORE": _int("CHAT_OPENS_BEFORE", 24 * 60),
        "CHAT_CLOSES_AFTER": _int("CHAT_CLOSES_AFTER", 24 * 60),
        "CHAT_MAX_EXTENSION_DAYS": _int("CHAT_MAX_EXTENSION_DAYS", 31),
        # However often it is extended, a chat closes at the latest this many days after its appointment ends.
        "CHAT_LATEST_CLOSE_DAYS": _int("CHAT_LATEST_CLOSE_DAYS", 30),
        "CHAT_MAX_TEXT": _int("CHAT_MAX_TEXT", 4000),
        "CHAT_SEND_LIMIT": os.environ.get("CHAT_SEND_LIMIT", "20 per 10 seconds"),
        # Open Socket.IO connections one process holds before it refuses new ones with `over_capacity`
        # (gunicorn.conf.py sizes the worker's connection limit from the same variable, plus room for pages).
        "REALTIME_MAX_CONNECTIONS": _int("REALTIME_MAX_CONNECTIONS", REALTIME_MAX_CONNECTIONS),
        # Video calls: how long before the start the doctor may call, how long a call rings before it counts as
        # missed, the longest call (also the lifetime of its TURN credentials).
        "CALL_OPENS_BEFORE_MINUTES": _int("CALL_OPENS_BEFORE_MINUTES", 15),
        "CALL_RING_SECONDS": _int("CALL_RING_SECONDS", 45),
        "CALL_MAX_MINUTES": _int("CALL_MAX_MINUTES", 120),
        # A ringing call is sent again this often; a page stops ringing by itself after about two missed refreshes.
        "CALL_RING_REFRESH_SECONDS": _int("CALL_RING_REFRESH_SECONDS", 3),
        # An answered call whose media never starts flowing is ended as failed (no_media) after this long.
        "CALL_CONNECT_SECONDS": _int("CALL_CONNECT_SECONDS", 30),
        # After a reload (a side's socket left the call) that side may return to the call for this long.
        "CALL_REJOIN_SECONDS": _int("CALL_REJOIN_SECONDS", 60),
        # Each Socket.IO process runs the calls' sweeper and ring refresher (never under TESTING).
        "CALL_TICKER": _bool("CALL_TICKER", True),
        # ICE servers handed to browsers (comma-separated URLs). TURN credentials are made per call from the secret
        # coturn shares (`use-auth-secret` / `static-auth-secret`); with no secret, TURN is not offered at all.
        "STUN_URLS": _list("STUN_URLS", ()),
        "TURN_URLS": _list("TURN_URLS", ()),
        "TURN_SECRET": os.environ.get("TURN_SECRET", ""),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "clinic@localhost"),
        # The address patients use, for links in e-mails and calendar entries made outside a request.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
    }
