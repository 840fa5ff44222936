"""Fixtures: one migrated database per test session with the reference data loaded once;
each test runs inside a transaction that is rolled back, so tests never see each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from importers.reference import load_reference
from webapp import create_app
from webapp.extensions import db
from webapp.models import Enterprise

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SNAPSHOT = ROOT / "data" / "demo" / "siae_snapshot.csv.gz"


def _reset_schema() -> None:
    """Drop everything (a PostgreSQL test database outlives the run), then migrate."""
    from flask_migrate import upgrade

    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()


@pytest.fixture(scope="session")
def app():
    app = create_app(TestConfig())
    with app.app_context():
        _reset_schema()
        load_reference(db.session)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def session(app):
    """A database session whose commits are savepoints inside a rolled-back transaction."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        leaked = connection.scalar(select(func.count()).select_from(Enterprise))
        assert leaked == 0, "an earlier test committed rows outside its transaction"
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def runner(app, session):
    return app.test_cli_runner()


@pytest.fixture
def search_backend(app, session):
    """A fresh embedded index for this test, installed as the application's backend.
    Tests fill it with ``search.sync.sync_outbox(session, search_backend)``, as the app
    does after each write."""
    from search.embedded import EmbeddedBackend

    backend = EmbeddedBackend(":memory:")
    previous = app.extensions.get("search_backend")
    app.extensions["search_backend"] = backend
    try:
        yield backend
    finally:
        app.extensions["search_backend"] = previous


@pytest.fixture(autouse=True)
def _fresh_search_index(request):
    """Each test starts with no application index: one built lazily by a test would
    otherwise outlive the database rows it was built from."""
    yield
    if "app" in request.fixturenames:
        request.getfixturevalue("app").extensions.pop("search_backend", None)
