"""Enterprises whose search document must be (re)written: filled in the same transaction as
the change, drained by ``webapp.indexing.sync``, so the index never silently drifts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.enterprise import utcnow


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a deleted enterprise must still reach the index, as a deletion.
    enterprise_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    backend: Mapped[str | None] = mapped_column(String(20))
