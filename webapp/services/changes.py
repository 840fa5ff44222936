"""One way for people's edits to reach the audit trail and the search index: record the
change (audit event + search outbox row, in the edit's own transaction), then, once
committed, drain the outbox so the change is searchable at once."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from webapp.indexing.engine import get_backend
from webapp.indexing.sync import SyncReport, sync_outbox
from webapp.models import Enterprise, SearchOutbox
from webapp.models.enterprise import utcnow
from webapp.services import audit


def record_change(
    session: Session, enterprise: Enterprise, actor: str, action: str, changes: dict[str, Any]
) -> None:
    """Audit ``changes`` ({field: [old, new]} or a description of what happened) and queue
    the enterprise for the index. Nothing is recorded when ``changes`` is empty."""
    if not changes:
        return
    enterprise.updated_at = utcnow()
    audit.record(session, enterprise, actor, action, changes)
    session.add(SearchOutbox(enterprise_id=enterprise.id))


def publish(session: Session) -> SyncReport:
    """After a commit: send the queued changes to the search engine. An engine outage
    keeps them in the outbox (``flask search sync`` or the next edit retries)."""
    return sync_outbox(session, get_backend(current_app))


def actor_of(user) -> str:
    """How a person appears in the audit trail."""
    return audit.account_of(user)
