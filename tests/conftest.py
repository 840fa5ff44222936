"""Fixtures: one migrated database per test session with the reference data loaded once;
each test runs inside a transaction that is rolled back, so tests never see each other."""

from __future__ import annotations

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from importers.reference import load_reference
from tests.factories import PASSWORD, make_enterprise
from webapp import create_app
from webapp.extensions import db
from webapp.models import Enterprise


def _reset_schema() -> None:
    """Drop everything (a PostgreSQL test database outlives the run), then migrate."""
    from flask_migrate import upgrade

    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()


class IsolatedClient(FlaskClient):
    """Each request sees a fresh ``g``, as in production. Tests keep one app context open
    (for their database session), which Flask reuses for every request: without this, the
    signed-in user, the CSRF token and the locale cached in ``g`` by one request would
    leak into the next."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(vars(g)):
                delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(TestConfig())
    app.test_client_class = IsolatedClient
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
        from webapp.matching.pool import supplier_pool

        supplier_pool(app).clear()  # each test starts from its own database state
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
    Tests fill it with ``webapp.indexing.sync.sync_outbox(session, search_backend)``, as the app
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


@pytest.fixture(autouse=True)
def _fresh_outbox_and_limits(request):
    """Each test starts with an empty mail outbox and no rate-limit counts."""
    if "app" in request.fixturenames:
        from webapp.extensions import limiter

        app = request.getfixturevalue("app")
        app.extensions["mail_outbox"].clear()
        with app.app_context():
            limiter.reset()
    yield


# --- People --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def password_hash():
    """Hashed once: scrypt is slow on purpose."""
    from webapp.security import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(session, password_hash):
    """``make_user(role, **links)``: a confirmed user holding ``role`` ("user", "buyer",
    "enterprise", "facilitator", "admin"); ``enterprise=`` / ``network=`` pick what they
    belong to (created when not given)."""
    from datetime import UTC, datetime

    from webapp.models import (
        BuyerMembership,
        BuyerOrganisation,
        EnterpriseMembership,
        Network,
        NetworkFacilitator,
        User,
    )

    counter = iter(range(1, 10_000))

    def make(role: str = "user", *, enterprise=None, network=None, email=None, **fields):
        n = next(counter)
        user = User(
            email=email or f"{role}{n}@example.org",
            full_name=f"{role.title()} {n}",
            password_hash=password_hash,
            email_confirmed_at=datetime.now(UTC),
            is_admin=role == "admin",
            **fields,
        )
        session.add(user)
        if role == "buyer":
            organisation = BuyerOrganisation(
                name=f"Ville {n}", buyer_type="pouvoir_adjudicateur", kind="commune"
            )
            session.add(BuyerMembership(user=user, organisation=organisation))
        if role == "enterprise":
            enterprise = enterprise or make_enterprise(session)
            session.add(EnterpriseMembership(user=user, enterprise=enterprise))
        if role == "facilitator":
            network = network or session.query(Network).order_by(Network.id).first()
            session.add(NetworkFacilitator(user=user, network=network))
        session.commit()
        return user

    return make
