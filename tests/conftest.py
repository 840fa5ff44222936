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
