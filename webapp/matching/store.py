"""Running the matcher on the database and storing what it found: ``MatchRun`` (the
result as the API serves it) and ``MatchCandidate`` (one row per enterprise answering,
for dashboards and digests); then keeping those current: re-running the intentions whose
result is stale (``webapp.matching.staleness``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from domain.matching.match import MatchResult, match
from domain.matching.table import SupplierTable
from webapp.matching import staleness
from webapp.matching.answers import answers
from webapp.matching.bulk import insert_many
from webapp.matching.facts import intentions_query, purchase_of, sector_names
from webapp.matching.pool import current_pool
from webapp.matching.present import result_json
from webapp.models import MatchCandidate, MatchRun, PurchaseIntention


def run(
    session: Session, intention: PurchaseIntention, table: SupplierTable | None = None
) -> MatchRun:
    """Match ``intention`` and store the result (replacing the previous one); against
    ``table`` if given (matching many intentions), else the current pool."""
    table = table if table is not None else current_pool(session)
    result = match(purchase_of(session, intention), table)
    shown = result_json(result, names=sector_names(session))  # before the row: no autoflush
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    if stored is None:
        stored = MatchRun(intention_id=intention.id)
        session.add(stored)
    stored.computed_at = datetime.now(UTC)
    stored.rules_version = result.rules_version
    stored.directory_version = table.tag
    stored.result = shown
    _store_candidates(session, intention, result)
    return stored


def _store_candidates(session: Session, intention: PurchaseIntention, result: MatchResult):
    """One row per enterprise answering alone or in a group (``answers``); rows already
    notified keep their date (a digest reports an enterprise's opportunity once)."""
    # Only what changed is written, with Core statements: at 200,000 enterprises an
    # intention may have thousands of candidates, and a re-run after one enterprise changed
    # alters few of them (row-by-row ORM upserts made storing the slowest part of a run).
    wanted = answers(result)
    table = MatchCandidate.__table__
    stored = {
        enterprise_id: (score, alone, reservations)
        for enterprise_id, score, alone, reservations in session.execute(
            select(table.c.enterprise_id, table.c.score, table.c.alone, table.c.reservations).where(
                table.c.intention_id == intention.id
            )
        )
    }
    gone = sorted(stored.keys() - wanted.keys())
    for start in range(0, len(gone), 500):
        session.execute(
            delete(table).where(
                table.c.intention_id == intention.id,
                table.c.enterprise_id.in_(gone[start : start + 500]),
            )
        )
    changed = [
        {"key": enterprise_id, "score": score, "alone": alone, "reservations": reservations}
        for enterprise_id, (score, alone, reservations) in wanted.items()
        if enterprise_id in stored and stored[enterprise_id] != (score, alone, reservations)
    ]
    if changed:
        session.execute(
            update(table)
            .where(table.c.intention_id == intention.id, table.c.enterprise_id == bindparam("key"))
            .values(
                score=bindparam("score"),
                alone=bindparam("alone"),
                reservations=bindparam("reservations"),
            ),
            changed,
        )
    created = datetime.now(UTC)
    insert_many(
        session,
        table,
        ("intention_id", "enterprise_id", "score", "alone", "reservations", "created_at"),
        [
            (intention.id, enterprise_id, score, alone, reservations, created)
            for enterprise_id, (score, alone, reservations) in wanted.items()
            if enterprise_id not in stored
        ],
    )


def run_all(
    session: Session,
    intentions: Iterable[PurchaseIntention] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Match every published intention (or those given); the enterprises are read once.
    ``progress(n)`` is called after each intention matched."""
    table = current_pool(session)
    if intentions is None:
        intentions = session.scalars(
            intentions_query()
            .where(PurchaseIntention.status == "published")
            .order_by(PurchaseIntention.id)
        ).all()
    count = 0
    for intention in intentions:
        run(session, intention, table)
        count += 1
        if progress is not None:
            progress(count)
    return count


def refresh_stale(session: Session) -> int:
    """Re-match the stale published intentions (``stale_intention_ids``), reading the
    enterprises once; returns how many were re-matched. The caller commits."""
    ids = staleness.stale_intention_ids(session)
    if not ids:
        return 0
    intentions = session.scalars(
        intentions_query().where(PurchaseIntention.id.in_(ids)).order_by(PurchaseIntention.id)
    ).all()
    return run_all(session, intentions)
