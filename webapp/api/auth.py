"""Personal API tokens: how ``/api/v1`` knows who calls it.

A token reads ``psl_<prefix>_<secret>``. Only its SHA-256 is stored; the prefix (also
stored) finds the candidate rows, and the hashes are compared in constant time. Tokens
are sent as ``Authorization: Bearer <token>``; the API never reads the session cookie to
authenticate, which is why its blueprint can stay exempt from CSRF (a forged cross-site
request cannot set that header).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApiToken, User
from webapp.models.enterprise import utcnow

TOKEN_PREFIX = "psl"  # noqa: S105 - the tokens' fixed marker, not a secret
_TOKEN = re.compile(r"psl_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})")
MAX_HEADER = 300

F = TypeVar("F", bound=Callable[..., Any])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str, str]:
    """A fresh token: (the token to show once, its prefix, its hash to store)."""
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, hash_token(token)


def bearer_token() -> str | None:
    """The token of the ``Authorization: Bearer`` header, if well formed."""
    header = request.headers.get("Authorization", "")
    if not header or len(header) > MAX_HEADER:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(value):
        return None
    return value


def find_token(token: str) -> ApiToken | None:
    """The live token row matching ``token``: not revoked, its user active."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    digest = hash_token(token)
    found = None
    for row in db.session.scalars(select(ApiToken).where(ApiToken.prefix == match.group(1))):
        if hmac.compare_digest(row.token_hash, digest):
            found = row
    if found is None or found.revoked_at is not None or not found.user.is_active:
        return None
    return found


def _authenticate() -> ApiToken | None:
    """The request's token row, looked up once per request."""
    if "api_token" not in g:
        token = bearer_token()
        row = find_token(token) if token else None
        if row is not None:
            row.last_used_at = utcnow()
            db.session.commit()
        g.api_token = row
    return g.api_token


def token_user(required_scope: str | None = None) -> User | None:
    """Who the bearer token speaks for; None without a valid token or, when
    ``required_scope`` is given, without that scope."""
    row = _authenticate()
    if row is None:
        return None
    if required_scope is not None and required_scope not in row.scope_list:
        return None
    return row.user


def token_required(scope: str | None = "read") -> Callable[[F], F]:
    """Refuse the API view without a valid token (401) or without ``scope`` (403), in the
    API's JSON error format. The view finds the caller in ``g.api_user``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            from webapp.api.views import error_response

            row = _authenticate()
            if row is None:
                response, status = error_response(401, "missing or invalid token")
                challenge = 'Bearer realm="passerelles"'
                if "Authorization" in request.headers:  # RFC 6750: no error code otherwise
                    challenge += ', error="invalid_token"'
                response.headers["WWW-Authenticate"] = challenge
                return response, status
            if scope is not None and scope not in row.scope_list:
                response, status = error_response(403, f"this token lacks the {scope} scope")
                response.headers["WWW-Authenticate"] = (
                    f'Bearer realm="passerelles", error="insufficient_scope", scope="{scope}"'
                )
                return response, status
            g.api_user = row.user
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
