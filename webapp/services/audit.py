"""Recording who changed what: on an enterprise, or on a person's account."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from webapp.models import AuditEvent, Enterprise, User


def record(
    session: Session, enterprise: Enterprise, actor: str, action: str, changes: dict[str, Any]
) -> AuditEvent:
    """Add an audit event to the session, in the same transaction as the change itself."""
    event = AuditEvent(
        enterprise=enterprise, siret=enterprise.siret, actor=actor, action=action, changes=changes
    )
    session.add(event)
    return event


def record_account(
    session: Session, user: User, actor: str, action: str, changes: dict[str, Any]
) -> AuditEvent:
    """Add an event about ``user``'s account ({field: [before, after]}) to the session,
    in the same transaction as the change itself."""
    event = AuditEvent(target=account_of(user), actor=actor, action=action, changes=changes)
    session.add(event)
    return event


def account_of(user: User) -> str:
    """How a person appears in the audit trail, as an actor or as the account acted on."""
    return f"user:{user.id} {user.email}"
