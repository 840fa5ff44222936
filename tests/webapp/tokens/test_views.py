"""Personal API tokens: created on /compte/jetons (shown once, stored hashed), used on the
API as bearer tokens, revoked."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from tests.factories import csrf_token, sign_in
from webapp.models import ApiToken

PAGE = "/compte/jetons"


def create(client, name="Script achats", scopes=("read",)):
    response = client.post(
        PAGE, data={"csrf_token": csrf_token(client, PAGE), "name": name, "scopes": list(scopes)}
    )
    return response


def shown_token(response) -> str:
    match = re.search(r'value="(psl_[0-9a-f]{8}_[A-Za-z0-9_-]+)"', response.get_data(as_text=True))
    assert match, "the new token is shown"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_page_requires_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/compte/connexion" in response.location


def test_token_is_shown_once_and_stored_hashed(client, session, make_user):
    user = make_user("user")
    sign_in(client, user)
    response = create(client, scopes=("read", "write:intentions"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = shown_token(response)

    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.name == "Script achats"
    assert row.scope_list == ["read", "write:intentions"]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(f"psl_{row.prefix}_")
    assert token not in (row.token_hash, row.prefix, row.name, row.scopes)

    listing = client.get(PAGE).get_data(as_text=True)
    assert token not in listing  # never shown again
    assert f"psl_{row.prefix}_" in listing and "Script achats" in listing


def test_invalid_creation_is_refused_with_field_errors(client, session, make_user):
    user = make_user("user")
    sign_in(client, user)
    for name, scopes in [("", ("read",)), ("Sans droit", ()), ("Inconnu", ("admin",))]:
        response = create(client, name=name, scopes=scopes)
        assert response.status_code == 400, (name, scopes)
        assert 'aria-invalid="true"' in response.get_data(as_text=True) or "is-invalid" in (
            response.get_data(as_text=True)
        )
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None


def test_token_works_on_me_and_records_its_use(client, session, make_user, app):
    user = make_user("user")
    sign_in(client, user)
    token = shown_token(create(client))
    api = app.test_client()  # no session cookie: the token alone
    response = api.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {"email": user.email, "scopes": ["read"]}
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.last_used_at is not None


def test_missing_malformed_or_unknown_tokens_get_401(client, session, make_user, app):
    sign_in(client, make_user("user"))
    token = shown_token(create(client))
    api = app.test_client()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for headers in [
        {},
        {"Authorization": token},  # no scheme
        {"Authorization": f"Basic {token}"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer " + "psl_" + "x" * 400},
        bearer(forged),
    ]:
        response = api.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json() == {"error": "missing or invalid token"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_is_not_an_api_credential(client, make_user):
    sign_in(client, make_user("user"))
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_token_gets_401_and_only_the_owner_may_revoke(client, session, make_user, app):
    owner = make_user("user")
    sign_in(client, owner)
    token = shown_token(create(client))
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200

    intruder = app.test_client()
    sign_in(intruder, make_user("user"))
    response = intruder.post(
        f"{PAGE}/{row.id}/revoquer", data={"csrf_token": csrf_token(intruder, PAGE)}
    )
    assert response.status_code == 404
    session.refresh(row)
    assert row.revoked_at is None

    response = client.post(
        f"{PAGE}/{row.id}/revoquer", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 302
    session.refresh(row)
    assert row.revoked_at is not None
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert "révoqué" in client.get(PAGE).get_data(as_text=True)


def test_inactive_user_token_gets_401(client, session, make_user, app):
    user = make_user("user")
    sign_in(client, user)
    token = shown_token(create(client))
    user.is_active_account = False
    session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_wrong_scope_gets_403(client, make_user, app):
    sign_in(client, make_user("user"))
    token = shown_token(create(client, scopes=("write:intentions",)))
    response = app.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 403
    assert "read" in response.get_json()["error"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_openapi_documents_me_and_the_bearer_scheme(client):
    document = client.get("/api/v1/openapi.json").get_json()
    me = document["paths"]["/me"]["get"]
    assert me["security"] == [{"bearerAuth": ["read"]}]
    assert set(me["responses"]) == {"200", "401", "403"}
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
