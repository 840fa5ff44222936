"""Personal API tokens: issued (shown once, only their SHA-256 kept) and revoked."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.api.auth import new_token
from webapp.models import ApiToken, User
from webapp.models.accounts import TOKEN_SCOPES
from webapp.models.enterprise import utcnow

MAX_LIVE_TOKENS = 20


class TooManyTokens(ValueError):
    """The user already has ``MAX_LIVE_TOKENS`` tokens that are not revoked."""

    def __init__(self, live: int):
        super().__init__(f"{live} live tokens")
        self.live = live


def live_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )


def issue_token(session: Session, user: User, name: str, scopes: list[str]) -> str:
    """A new token for ``user`` with ``scopes`` (in ``TOKEN_SCOPES``' order), committed;
    the token itself, which is not stored and cannot be shown again."""
    live = live_count(session, user)
    if live >= MAX_LIVE_TOKENS:
        raise TooManyTokens(live)
    unknown = set(scopes) - set(TOKEN_SCOPES)
    if unknown or not scopes or not name:
        raise ValueError(f"a name and scopes among {', '.join(TOKEN_SCOPES)}")
    token, prefix, digest = new_token()
    session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            prefix=prefix,
            token_hash=digest,
            scopes=" ".join(s for s in TOKEN_SCOPES if s in scopes),
        )
    )
    session.commit()
    return token


def revoke_token(session: Session, token: ApiToken) -> None:
    """Revoke ``token`` (a revoked one stays as it was)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
