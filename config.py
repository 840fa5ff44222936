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
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
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
        # Map tiles come from a tile server, not from us; set MAP_TILES_URL="" to run offline.
        self.MAP_TILES_URL = os.environ.get(
            "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
        self.MAP_TILES_ATTRIBUTION = os.environ.get(
            "MAP_TILES_ATTRIBUTION", "© OpenStreetMap contributors"
        )
        self.WTF_CSRF_ENABLED = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_HTTPONLY = True


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


class ProductionConfig(Config):
    """Production refuses to start without a real secret key."""

    def __init__(self) -> None:
        super().__init__()
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        self.SESSION_COOKIE_SECURE = True


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
