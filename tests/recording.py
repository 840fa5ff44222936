"""Watching what a block of code asks of the database: the writes and commits it sends
(``writes_seen``, for reads that must write nothing) and what its first commit holds
(``first_commit``, for writes that must be one transaction)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import AuditEvent, SearchOutbox

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


@contextmanager
def writes_seen():
    """The write statements sent and the commits asked for inside the block."""
    seen: list[str] = []

    def on_statement(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().split(None, 1)[0].upper() in WRITES:
            seen.append(statement.split("\n")[0][:80])

    def on_commit(_session):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(Session, "before_commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(Session, "before_commit", on_commit)
        event.remove(db.engine, "before_cursor_execute", on_statement)


@contextmanager
def first_commit():
    """What the first commit inside the block holds, read as it is made: the actions of
    the audit events and the number of search outbox rows (one item, or none if nothing
    was committed)."""
    held: list[tuple[list[str], int]] = []

    def on_commit(committing):
        if not held:
            actions = list(committing.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
            held.append((actions, committing.scalar(select(func.count(SearchOutbox.id)))))

    event.listen(Session, "before_commit", on_commit)
    try:
        yield held
    finally:
        event.remove(Session, "before_commit", on_commit)
