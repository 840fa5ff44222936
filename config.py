"""Settings read from the environment when the application is created, never at import."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE / 'passerelles.sqlite3'}"
    return _normalise(url)


class Config:
    """Development defaults: SQLite under instance/, embedded search, French first."""

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or os.urandom(32).hex()
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        self.MEILI_URL = os.environ.get("MEILI_URL") or None
        self.MEILI_MASTER_KEY = os.environ.get("MEILI_MASTER_KEY") or None
        self.MEILI_INDEX = os.environ.get("MEILI_INDEX", "enterprises")
        # The embedded engine's own SQLite file (separate from the app database).
        self.SEARCH_INDEX_PATH = os.environ.get(
            "SEARCH_INDEX_PATH", str(INSTANCE / "search-index.sqlite3")
        )
        self.BABEL_DEFAULT_LOCALE = "fr"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.LANGUAGES = ("fr", "en")
        self.ENTERPRISES_PER_PAGE = int(os.environ.get("ENTERPRISES_PER_PAGE", "20"))
        # Map tiles come from a tile server, not from us: unset by default, so a page never
        # waits on a server an offline machine cannot reach (maps then show markers and
        # areas only). Production sets e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
        # with MAP_TILES_ATTRIBUTION="© OpenStreetMap contributors".
        self.MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "")
        self.MAP_TILES_ATTRIBUTION = os.environ.get("MAP_TILES_ATTRIBUTION", "")
        self.WTF_CSRF_ENABLED = True
        # The largest request body (a member list, an import): a bigger one is refused with
        # a 413 before it is read, not parsed then refused.
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_MB", "20")) * 1024 * 1024
        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none is
        # trusted, the headers are ignored). Behind one TLS proxy: 1, so that the client's
        # address (rate limits) and https (redirects, cookies) are the real ones.
        self.PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
        # One JSON line per request on stderr (production; tests and development: off).
        self.LOG_REQUESTS = os.environ.get("LOG_REQUESTS", "0") == "1"
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # Cookies travel over HTTPS only, except on a development machine.
        self.SECURE_COOKIES = False
        # Rate limits (Flask-Limiter): memory here; a shared store (Redis) in production.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = True
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;20 per hour")
        self.CONTACT_RATE_LIMIT = os.environ.get("CONTACT_RATE_LIMIT", "5 per hour;20 per day")
        # E-mail (Flask-Mail). Without MAIL_SERVER, mails are not sent but written to the
        # local outbox (instance/mail-outbox/), where developers and tests read them.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
        self.MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Passerelles <ne-pas-repondre@passerelles.example>"
        )
        self.MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE / "mail-outbox"))
        # Links in e-mails point here (the CLI sends digests without a request).
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
        self.EMAIL_TOKEN_MAX_AGE = 3 * 24 * 3600  # e-mail confirmation links
        self.RESET_TOKEN_MAX_AGE = 3600  # password-reset links


class TestConfig(Config):
    """Isolated settings for pytest: an in-memory SQLite unless TEST_DATABASE_URL is given."""

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"  # noqa: S105 - fixed key for reproducible tests
        url = os.environ.get("TEST_DATABASE_URL", "").strip()
        self.SQLALCHEMY_DATABASE_URI = _normalise(url) if url else "sqlite:///:memory:"
        self.ENTERPRISES_PER_PAGE = 5
        self.SEARCH_INDEX_PATH = ":memory:"
        self.MAIL_SERVER = None
        self.MAIL_OUTBOX_DIR = None  # tests read the in-memory outbox only
        self.PUBLIC_URL = "http://localhost"


class ProductionConfig(Config):
    """Production refuses to start without a real secret key."""

    def __init__(self) -> None:
        super().__init__()
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        self.SECURE_COOKIES = True
        self.LOG_REQUESTS = os.environ.get("LOG_REQUESTS", "1") == "1"
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        if self.RATELIMIT_STORAGE_URI == "memory://" and os.environ.get("REDIS_URL"):
            self.RATELIMIT_STORAGE_URI = os.environ["REDIS_URL"]


def engine_options(url: str) -> dict:
    """Bounded waits on the database: connecting (a gone server costs a request seconds,
    then a 503), SQLite's wait for a writer's lock (an import), and — where
    DB_STATEMENT_TIMEOUT_MS is set, as the production server's configuration does for its
    web workers, not for imports and migrations — each PostgreSQL statement."""
    connect = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    statement_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "0"))
    if url.startswith("postgresql"):
        arguments: dict = {"connect_timeout": connect}
        if statement_ms > 0:
            arguments["options"] = f"-c statement_timeout={statement_ms}"
        return {"pool_pre_ping": True, "connect_args": arguments}
    return {"pool_pre_ping": True, "connect_args": {"timeout": (statement_ms or 15000) / 1000}}


def _normalise(url: str) -> str:
    """Plain ``postgres://`` URLs name the psycopg 3 driver explicitly."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def config_from_env() -> Config:
    """The settings class named by ``PASSERELLES_ENV`` (development, test, production)."""
    env = os.environ.get("PASSERELLES_ENV", "development")
    classes = {"development": Config, "test": TestConfig, "production": ProductionConfig}
    try:
        return classes[env]()
    except KeyError:
        raise RuntimeError(
            f"PASSERELLES_ENV must be one of {sorted(classes)}, got {env!r}"
        ) from None
