"""Recording who changed what on an enterprise."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from webapp.models import AuditEvent, Enterprise


def record(
    session: Session, enterprise: Enterprise, actor: str, action: str, changes: dict[str, Any]
) -> AuditEvent:
    """Add an audit event to the session, in the same transaction as the change itself."""
    event = AuditEvent(
        enterprise=enterprise, siret=enterprise.siret, actor=actor, action=action, changes=changes
    )
    session.add(event)
    return event
