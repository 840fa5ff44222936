"""Whether a stored result still holds (webapp/matching/staleness.py), and what pages and
the API serve meanwhile (``webapp.intentions.queries.current_matches``)."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import CLEANING, LINEN, claim_sector
from tests.webapp.matching.factories import intention_row, pooled, supplier_row, touch
from webapp.intentions.queries import current_matches
from webapp.matching import staleness, store
from webapp.models import MatchRun
from webapp.models.enterprise import utcnow


def test_an_edit_committed_after_a_later_one_is_read(session):
    """Transactions commit in any order: an edit stamped before another one committed
    after it (an import batch, a slow request) must still reach the pool and make the
    stored results stale."""
    x = supplier_row(session, 1)
    y = supplier_row(session, 2)
    intention = intention_row(session)
    session.commit()
    pooled(session)
    stamped_first = utcnow()  # transaction A edits X and stamps it...
    y.capacity.turnover_eur = 5_000_000  # ... B edits Y, commits, and a page view refreshes
    touch(y)
    session.commit()
    assert pooled(session)[y.siret].turnover == 5_000_000
    store.run(session, intention)
    session.commit()
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    assert staleness.is_current(session, intention, stored)
    x.capacity.turnover_eur = 7_777_777  # ... then A commits, with its earlier stamp
    x.updated_at = stamped_first
    session.commit()
    assert pooled(session)[x.siret].turnover == 7_777_777
    assert not staleness.is_current(session, intention, stored)
    assert staleness.stale_intention_ids(session) == [intention.id]


def _sirets(result: dict) -> list[str]:
    return [s["siret"] for s in result["suppliers"]]


def test_what_is_served_follows_a_change_without_being_stored(session):
    """Pages and the API serve ``current_matches``: the stored result while it holds,
    else one computed on the directory as it is now — served, not stored (a read never
    writes: the stored run stays stale until a write or a refresh re-runs it)."""
    supplier_row(session, 1)
    late = supplier_row(session, 2, sectors=(LINEN,))
    intention = intention_row(session)
    never_run = intention_row(session, title="Nettoyage des gymnases")
    store.run(session, intention)
    session.commit()
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    first = current_matches(session, intention)
    assert first == stored.result and late.siret not in _sirets(first)
    assert _sirets(current_matches(session, never_run)) == _sirets(first)

    claim_sector(session, late, CLEANING, "confirmed", "declared", 1.0)
    touch(late)
    session.commit()
    second = current_matches(session, intention)
    assert late.siret in _sirets(second)
    session.expire_all()
    assert session.scalar(select(MatchRun.result)) == first  # still the stale one
    assert session.scalar(select(MatchRun.intention_id)) == intention.id  # never_run: none
    assert staleness.stale_intention_ids(session) == [intention.id, never_run.id]


def test_a_page_view_reads_the_directory_version_once(session, monkeypatch):
    """The version scans the whole directory (~0.1 s at 200,000 enterprises): a result is
    checked and, if stale, computed on one reading of it; a current one served on one."""
    enterprise = supplier_row(session, 1)
    intention = intention_row(session)
    session.commit()
    reads = []
    real = staleness.directory_version

    def counted(session_):
        reads.append(1)
        return real(session_)

    monkeypatch.setattr(staleness, "directory_version", counted)
    first = current_matches(session, intention)  # none stored: computed
    assert first["suppliers"] and len(reads) == 1
    store.run(session, intention)
    session.commit()
    reads.clear()
    assert current_matches(session, intention) == first  # current: served
    assert len(reads) == 1
    enterprise.capacity.turnover_eur = 123_456  # stale now: checked, then computed
    touch(enterprise)
    session.commit()
    reads.clear()
    assert current_matches(session, intention) != first
    assert len(reads) == 1
