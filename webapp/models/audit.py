"""Who changed what, and when: on an enterprise, or on a person's account (what an
administrator did to it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.enterprise import Enterprise, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept when the enterprise is deleted or merged: the trail outlives its subject.
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="SET NULL"), index=True
    )
    siret: Mapped[str | None] = mapped_column(String(14), index=True)  # None: an account's
    # The account acted on, written as the actor is (``user:<id> <email>``): kept as text,
    # like the SIRET, so the trail outlives the account.
    target: Mapped[str | None] = mapped_column(String(120), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    # {field: [old, new]} for updates; the full new state for a creation.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    enterprise: Mapped[Enterprise | None] = relationship()
