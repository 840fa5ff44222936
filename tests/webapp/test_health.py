"""/healthz and /readyz: ready (200) with every check said; not ready (503, Retry-After,
the failing check named) when the database is unreachable, unmigrated, the search engine
is down or the outbox has not been drained for ten minutes. Both only read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import config
from search.backend import SearchUnavailable
from tests.recording import writes_seen
from webapp import create_app
from webapp.indexing.engine import get_backend
from webapp.models import SearchOutbox


class _DownEngine:
    """A search engine that does not answer (ours, standing for any unreachable one)."""

    name = "down"

    def count(self) -> int:
        raise SearchUnavailable("connection refused")


def test_the_process_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_ready_with_every_check_said(app, client):
    with writes_seen() as seen:
        response = client.get("/readyz")
    assert seen == []
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    checks = body["checks"]
    assert set(checks) == {"database", "migrations", "outbox", "search", "matcher_pool"}
    assert checks["migrations"]["current"] == checks["migrations"]["head"] != []
    assert checks["outbox"] == {**checks["outbox"], "pending": 0, "oldest_seconds": None}
    assert checks["search"]["engine"] == get_backend(app).name  # embedded, or MEILI_URL's


def test_an_outbox_left_undrained_is_not_ready(client, session):
    session.add(SearchOutbox(enterprise_id=1, created_at=datetime.now(UTC) - timedelta(minutes=20)))
    session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    outbox = response.get_json()["checks"]["outbox"]
    assert not outbox["ok"] and outbox["pending"] == 1 and outbox["oldest_seconds"] >= 1200


def test_a_search_engine_down_is_not_ready(app, client):
    saved = app.extensions.get("search_backend")
    app.extensions["search_backend"] = _DownEngine()
    try:
        response = client.get("/readyz")
    finally:
        app.extensions["search_backend"] = saved
    assert response.status_code == 503
    search = response.get_json()["checks"]["search"]
    assert not search["ok"] and "connection refused" in search["error"]


def _app_on(url: str):
    settings = config.TestConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    return create_app(settings)


def test_an_unreachable_database_is_not_ready():
    app = _app_on("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert not checks["database"]["ok"] and "OperationalError" in checks["database"]["error"]
    assert "migrations" not in checks  # not asked of a database that does not answer


def test_an_unmigrated_database_is_not_ready(tmp_path):
    app = _app_on(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"]
    assert not checks["migrations"]["ok"] and checks["migrations"]["current"] == []


def test_pages_and_the_api_on_a_gone_database_are_a_503_to_retry():
    app = _app_on("postgresql+psycopg://nobody@127.0.0.1:1/none")
    client = app.test_client()
    page = client.get("/entreprises/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Réessayez dans quelques secondes" in page.get_data(as_text=True)
    api = client.get("/api/v1/intentions")
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.get_json()["error"] == "database temporarily unavailable, retry"
    assert api.get_json()["request_id"] == api.headers["X-Request-Id"]


def test_a_statement_past_the_web_timeout_is_cut_on_postgresql(monkeypatch):
    """DB_STATEMENT_TIMEOUT_MS (set by the production server's configuration) makes
    PostgreSQL cancel a statement that runs longer: an error the pages answer with 503."""
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "200")
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    engine = create_engine(url, **config.engine_options(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(2)"))
    except OperationalError as error:
        if "statement timeout" not in str(error):
            pytest.skip(f"no PostgreSQL server here: {error}")
        raise
    finally:
        engine.dispose()
    monkeypatch.delenv("DB_STATEMENT_TIMEOUT_MS")
    assert "options" not in config.engine_options(url)["connect_args"]  # imports: unbounded
