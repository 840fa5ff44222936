"""Keeping a search index in line with the database: the outbox drain and full rebuilds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from search.backend import Document, SearchBackend
from webapp.indexing.documents import build_document
from webapp.indexing.records import load_records
from webapp.models import Enterprise, SearchOutbox
from webapp.models.enterprise import utcnow

BATCH_SIZE = 1000


@dataclass
class SyncReport:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    error: str | None = None


def documents_for(session: Session, ids: list[int]) -> dict[int, Document]:
    """Documents of the active enterprises among ``ids`` (others are to be deleted)."""
    return {
        record.id: build_document(record)
        for record in load_records(session, ids)
        if record.status == "active"
    }


def iter_documents(session: Session, batch_size: int = BATCH_SIZE) -> Iterator[Document]:
    """Every active enterprise's document, in id order, a batch of rows at a time."""
    last_id = 0
    while True:
        ids = session.scalars(
            select(Enterprise.id)
            .where(Enterprise.status == "active", Enterprise.id > last_id)
            .order_by(Enterprise.id)
            .limit(batch_size)
        ).all()
        if not ids:
            return
        for record in load_records(session, list(ids)):
            yield build_document(record)
        last_id = ids[-1]


def sync_outbox(
    session: Session,
    backend: SearchBackend,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Send pending changes to ``backend``; rows leave the outbox only once the backend
    took them. A backend failure is recorded on the rows and retried by the next drain."""
    report = SyncReport()
    last_id = 0
    while True:
        rows = session.execute(
            select(SearchOutbox.id, SearchOutbox.enterprise_id)
            .where(SearchOutbox.id > last_id)
            .order_by(SearchOutbox.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        row_ids = [row.id for row in rows]
        enterprise_ids = sorted({row.enterprise_id for row in rows})
        documents = documents_for(session, enterprise_ids)
        gone = [i for i in enterprise_ids if i not in documents]
        try:
            if documents:
                backend.upsert(list(documents.values()))
            if gone:
                backend.delete(gone)
        except Exception as exc:  # any backend failure: keep the rows, say why, stop
            session.rollback()
            session.execute(
                update(SearchOutbox)
                .where(SearchOutbox.id.in_(row_ids))
                .values(attempts=SearchOutbox.attempts + 1, last_error=str(exc)[:2000])
            )
            session.commit()
            report.failed += len(row_ids)
            report.error = str(exc)
            return report
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids)))
        session.commit()
        report.indexed += len(documents)
        report.deleted += len(gone)
        last_id = row_ids[-1]
        if progress:
            progress(len(row_ids))
    return report


def reindex(session: Session, backend: SearchBackend) -> int:
    """Rebuild the index from the database; the outbox is cleared up to the rebuild's start.

    Enterprises changed while the rebuild ran are queued again afterwards: a concurrent
    drain may have sent them to the index being replaced (Meilisearch swaps whole indexes).
    """
    started = utcnow()
    high_water = session.scalar(select(SearchOutbox.id).order_by(SearchOutbox.id.desc()).limit(1))
    session.commit()  # read the documents in a transaction that starts now
    count = backend.rebuild(iter_documents(session))
    if high_water is not None:
        session.execute(delete(SearchOutbox).where(SearchOutbox.id <= high_water))
    changed = session.scalars(select(Enterprise.id).where(Enterprise.updated_at >= started)).all()
    session.add_all(SearchOutbox(enterprise_id=id_) for id_ in changed)
    session.commit()
    return count


def active_count(session: Session) -> int:
    """How many enterprises the index should hold (the active ones)."""
    return session.scalar(
        select(func.count()).select_from(Enterprise).where(Enterprise.status == "active")
    )
