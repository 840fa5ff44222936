"""Personal API tokens: how ``/api/v1`` knows who calls it.

A token reads ``psl_<prefix>_<secret>``. Only its SHA-256 is stored; the prefix (also
stored) finds the candidate rows, and the hashes are compared in constant time. Tokens
are sent as ``Authorization: Bearer <token>``; the API never reads the session cookie to
authenticate, which is why its blueprint can stay exempt from CSRF (a forged cross-site
request cannot set that header).

A token's "last used" is written at most once per ``LAST_USED_PRECISION``: a read with a
token is then a read (no write, no commit) but for the first one of each quarter hour.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from sqlalchemy import select

from webapp.api.blueprint import blueprint
from webapp.api.errors import Refusal, error_response
from webapp.extensions import db
from webapp.models import ApiToken
from webapp.models.enterprise import utcnow

TOKEN_PREFIX = "psl"  # noqa: S105 - the tokens' fixed marker, not a secret
_TOKEN = re.compile(r"psl_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})")
MAX_HEADER = 300
LAST_USED_PRECISION = timedelta(minutes=15)  # the tokens page shows the day and the time
BEARER = "bearerAuth"  # the document's name for the scheme (webapp.api.spec)
INVALID_TOKEN = Refusal(401, "missing or invalid token")

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


def record_use(row: ApiToken, now: datetime | None = None) -> bool:
    """Note that ``row`` was used ``now``, if its last use is older than
    ``LAST_USED_PRECISION`` (then commit: the use is recorded whatever the request does
    next). Whether it wrote."""
    now = now or utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite gives naive datetimes back
        last = last.replace(tzinfo=UTC)
    if last is not None and now - last < LAST_USED_PRECISION:
        return False
    row.last_used_at = now
    db.session.commit()
    return True


def _authenticate() -> ApiToken | None:
    """The request's token row, looked up once per request."""
    if "api_token" not in g:
        token = bearer_token()
        row = find_token(token) if token else None
        if row is not None:
            record_use(row)
        g.api_token = row
    return g.api_token


def token_required(scope: str = "read") -> Callable[[F], F]:
    """Refuse the API view without a valid token (401) or without ``scope`` (403), in the
    API's JSON error format, and document both with the security requirement. The view
    finds the caller in ``g.api_user``, the token in ``g.api_token``."""
    lacks_scope = Refusal(403, f"this token lacks the {scope} scope")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            row = _authenticate()
            if row is None:
                response, status = error_response(INVALID_TOKEN.status, INVALID_TOKEN.message)
                challenge = 'Bearer realm="passerelles"'
                if "Authorization" in request.headers:  # RFC 6750: no error code otherwise
                    challenge += ', error="invalid_token"'
                response.headers["WWW-Authenticate"] = challenge
                return response, status
            if scope not in row.scope_list:
                response, status = error_response(lacks_scope.status, lacks_scope.message)
                response.headers["WWW-Authenticate"] = (
                    f'Bearer realm="passerelles", error="insufficient_scope", scope="{scope}"'
                )
                return response, status
            g.api_user = row.user
            return view(*args, **kwargs)

        documented = blueprint.refuses(INVALID_TOKEN, lacks_scope)(guarded)
        return blueprint.doc(security=[{BEARER: [scope]}])(documented)  # type: ignore[return-value]

    return decorate
