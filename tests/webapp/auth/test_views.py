"""Registration, confirmation, sign-in (and its throttle), sign-out, password reset and
change, CSRF and security headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, csrf_token, sign_in, submit_sign_in
from webapp import mail
from webapp.models import BuyerMembership, User

NEW_PASSWORD = "another long passphrase"  # noqa: S105


def _link_in(message, path_prefix: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", message.body)
    assert found, message.body
    return found.group(1)


def _register(client, **overrides):
    data = {
        "full_name": "Claire Acheteuse",
        "email": "Claire@Region.example",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "account_kind": "buyer",
        "organisation_name": "Région Exemple",
        "organisation_siret": "",
        "buyer_type": "pouvoir_adjudicateur",
        "csrf_token": csrf_token(client, "/compte/inscription"),
    } | overrides
    return client.post("/compte/inscription", data=data)


def test_registration_confirmation_then_sign_in(client, session):
    response = _register(client)
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "claire@region.example"))
    assert user is not None and user.email_confirmed_at is None
    assert user.password_hash != PASSWORD and user.password_hash.startswith("scrypt:")
    membership = session.scalar(select(BuyerMembership).where(BuyerMembership.user_id == user.id))
    assert membership.organisation.name == "Région Exemple"

    # Not confirmed yet: sign-in is refused with a reason.
    refused = submit_sign_in(client, "claire@region.example")
    assert refused.status_code == 401
    assert "Confirmez d" in refused.get_data(as_text=True)

    [message] = mail.outbox()
    assert message.recipients == ["claire@region.example"]
    # The link shows a button and writes nothing; pressing it confirms.
    link = _link_in(message, "/compte/confirmer/")
    shown = client.get(link)
    assert shown.status_code == 200 and "Confirmer mon adresse" in shown.get_data(as_text=True)
    session.refresh(user)
    assert user.email_confirmed_at is None
    assert client.post(link, data={"csrf_token": csrf_token(client)}).status_code == 302
    session.refresh(user)
    assert user.email_confirmed_at is not None
    # Followed again once confirmed: straight to sign-in.
    assert client.get(link).headers["Location"] == "/compte/connexion"

    assert submit_sign_in(client, "claire@region.example").headers["Location"] == "/compte/"
    page = client.get("/compte/").get_data(as_text=True)
    assert "claire@region.example" in page


def test_registering_a_known_address_reveals_nothing(client, make_user):
    make_user("buyer", email="known@example.org")
    response = _register(client, email="known@example.org")
    assert response.status_code == 302  # the same answer as for a new address
    [message] = mail.outbox()
    assert message.recipients == ["known@example.org"]
    assert "déjà un compte" in message.subject


def test_registration_errors_are_shown_per_field(client, session):
    response = _register(client, password="short", password_again="other", organisation_name="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "10 caractères" in page or "at least 10" in page
    assert "Indiquez votre organisation" in page
    assert session.scalar(select(User)) is None


def test_invalid_confirmation_token_is_refused(client):
    response = client.get("/compte/confirmer/not-a-token")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/confirmer"


def test_wrong_password_is_refused_and_sign_in_is_throttled(client, make_user):
    user = make_user("buyer")
    for _ in range(5):
        response = submit_sign_in(client, user.email, "wrong password!")
        assert response.status_code == 401
    # The limit (5 failures a minute) is reached: even the right password waits.
    assert submit_sign_in(client, user.email).status_code == 429


def test_successful_sign_ins_do_not_count_against_the_limit(client, make_user):
    user = make_user("buyer")
    for _ in range(7):
        assert submit_sign_in(client, user.email).status_code == 302
        client.post("/compte/deconnexion", data={"csrf_token": csrf_token(client, "/")})


def test_a_post_without_csrf_token_is_refused(client, make_user):
    user = make_user("buyer")
    response = client.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    sign_in(client, user)
    assert client.post("/compte/deconnexion").status_code == 400
    assert client.get("/compte/").status_code == 200  # still signed in


def test_sign_out_ends_the_session(client, make_user):
    sign_in(client, make_user("buyer"))
    assert client.get("/compte/").status_code == 200
    client.post("/compte/deconnexion", data={"csrf_token": csrf_token(client, "/")})
    response = client.get("/compte/")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def test_open_redirect_after_sign_in_is_ignored(client, make_user):
    user = make_user("buyer")
    response = client.post(
        "/compte/connexion?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/compte/"


def _request_reset(client, email):
    return client.post(
        "/compte/mot-de-passe-oublie",
        data={"email": email, "csrf_token": csrf_token(client, "/compte/mot-de-passe-oublie")},
    )


def test_password_reset_works_once(client, make_user, session):
    user = make_user("buyer")
    assert _request_reset(client, user.email).status_code == 302
    [message] = mail.outbox()
    link = _link_in(message, "/compte/reinitialiser/")
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    token = csrf_token(client, link)
    assert client.post(link, data=data | {"csrf_token": token}).status_code == 302
    assert submit_sign_in(client, user.email, NEW_PASSWORD).status_code == 302
    client.post("/compte/deconnexion", data={"csrf_token": csrf_token(client, "/")})

    # The same link a second time: refused, the password stays.
    again = client.get(link)
    assert again.status_code == 302 and "mot-de-passe-oublie" in again.headers["Location"]
    assert submit_sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_link_expires(client, make_user, app):
    user = make_user("buyer")
    _request_reset(client, user.email)
    link = _link_in(mail.outbox()[0], "/compte/reinitialiser/")
    app.config["RESET_TOKEN_MAX_AGE"] = -1  # every token is now older than allowed
    try:
        response = client.get(link)
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    assert response.status_code == 302 and "mot-de-passe-oublie" in response.headers["Location"]


def test_reset_for_an_unknown_address_sends_nothing(client):
    assert _request_reset(client, "nobody@example.org").status_code == 302
    assert mail.outbox() == []


def test_password_change_ends_other_sessions(app, session, make_user):
    user = make_user("buyer")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(elsewhere, user)
    assert elsewhere.get("/compte/").status_code == 200

    response = here.post(
        "/compte/mot-de-passe",
        data={
            "current": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": csrf_token(here, "/compte/mot-de-passe"),
        },
    )
    assert response.status_code == 302
    assert here.get("/compte/").status_code == 200  # this session goes on
    assert elsewhere.get("/compte/").status_code == 302  # the other one is over


def test_password_change_needs_the_current_password(client, make_user):
    user = make_user("buyer")
    sign_in(client, user)
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current": "not my password",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/compte/mot-de-passe"),
        },
    )
    assert response.status_code == 400
    assert "Mot de passe actuel incorrect" in response.get_data(as_text=True)


def test_deactivated_user_loses_the_session(client, make_user, session):
    user = make_user("buyer")
    sign_in(client, user)
    user.is_active_account = False
    session.commit()
    assert client.get("/compte/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/compte/connexion", "/recherche/"])
def test_security_headers(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_production_cookies_are_secure(monkeypatch):
    from config import ProductionConfig
    from webapp import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app(ProductionConfig())
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/a-propos", base_url="https://localhost")
    assert "Strict-Transport-Security" in response.headers


def test_unconfirmed_accounts_hold_no_role(make_user, session):
    from webapp.permissions import ANONYMOUS, roles_of

    user = make_user("buyer")
    user.email_confirmed_at = None
    assert roles_of(user) == {ANONYMOUS}
    user.email_confirmed_at = datetime.now(UTC) - timedelta(days=1)
    assert "buyer" in roles_of(user)
