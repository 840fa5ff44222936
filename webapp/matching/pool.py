"""The matcher's view of every enterprise, kept in memory by the application.

Reading it costs ~1 s for the 3,800 enterprises of the snapshot and ~20 s at 200,000,
which a page view must not pay. After a change only the enterprises changed since are
read again. Each application owns its ``SupplierPool`` (``init_app``, in
``app.extensions``), one table per database; ``clear`` forgets them."""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from domain.matching.table import SupplierTable
from webapp.matching import staleness
from webapp.matching.facts import engine_of, suppliers
from webapp.models import Enterprise

POOL_EXTENSION = "matching.pool"


@dataclass(frozen=True)
class _Snapshot:
    """The table as read, with what tells which enterprises changed since."""

    version: str  # ``directory_version`` when read
    stamps: dict[int, str]  # active enterprise id -> its update stamp when read
    positions: dict[int, int]  # enterprise id -> position in the table (alive or not)
    table: SupplierTable


class SupplierPool:
    """The suppliers of each database an application reads, as a ``SupplierTable``."""

    def __init__(self) -> None:
        self._snapshots: WeakKeyDictionary = WeakKeyDictionary()  # engine -> _Snapshot

    def table(self, session: Session, version: str | None = None) -> SupplierTable:
        """The suppliers of the database as it is now. After a change, the enterprises
        whose update stamp differs from the one read (edited, created, closed, re-opened,
        deleted — whatever the order their transactions committed in) are read again and
        the table updated; a change to the track record reads everything again.
        ``version``: ``directory_version`` if the caller has just read it."""
        version = version or staleness.directory_version(session)
        engine = engine_of(session)
        cached = self._snapshots.get(engine)
        if cached is not None and cached.version == version:
            return cached.table
        stamps = _stamps(session)
        if cached is None or not staleness.same_track_record(cached.version, version):
            table = SupplierTable(suppliers(session))
            positions = {int(ref): p for p, ref in enumerate(table.ref.tolist())}
        else:
            table, positions = _refreshed(session, cached, stamps)
        table.tag = version
        self._snapshots[engine] = _Snapshot(version, stamps, positions, table)
        return table

    def warm(self, engine) -> bool:
        """Whether the suppliers of ``engine``'s database were read (the first match of a
        process reads them all: seconds at 200,000 enterprises)."""
        return engine in self._snapshots

    def clear(self) -> None:
        """Forget every table: the next ``table`` reads its database whole again."""
        self._snapshots.clear()


def init_app(app: Flask) -> None:
    """Give ``app`` its own, empty, supplier pool."""
    app.extensions[POOL_EXTENSION] = SupplierPool()


def supplier_pool(app: Flask | None = None) -> SupplierPool:
    """The supplier pool of ``app`` (by default the current application)."""
    return (app or current_app).extensions[POOL_EXTENSION]


def current_pool(session: Session, version: str | None = None) -> SupplierTable:
    """The current application's table of the suppliers ``session`` reads, as they are
    now (``SupplierPool.table``)."""
    return supplier_pool().table(session, version)


def _stamps(session: Session) -> dict[int, str]:
    """Every active enterprise's update stamp, as text (only compared: 200,000 timestamps
    parsed into datetimes cost a second on PostgreSQL), through the session's connection
    (Core rows: half the time of the ORM's result at 200,000)."""
    return dict(
        session.connection()
        .execute(
            select(Enterprise.id, cast(Enterprise.updated_at, String)).where(
                Enterprise.status == "active"
            )
        )
        .all()
    )


def _refreshed(
    session: Session, cached: _Snapshot, stamps: dict[int, str]
) -> tuple[SupplierTable, dict[int, int]]:
    """The cached table with the enterprises whose stamp changed read again, the new ones
    added, those no longer active removed; and the positions."""
    changed = [key for key, stamp in stamps.items() if cached.stamps.get(key) != stamp]
    fresh = {supplier.ref: supplier for supplier in suppliers(session, changed)}
    positions = dict(cached.positions)
    replaced = {positions[key]: fresh.get(key) for key in changed if key in positions}
    replaced.update(
        (positions[key], None) for key in cached.stamps if key not in stamps and key in positions
    )
    added = [fresh[key] for key in changed if key not in positions and key in fresh]
    for offset, supplier in enumerate(added):
        positions[supplier.ref] = cached.table.size + offset
    return cached.table.updated(replaced, added), positions
