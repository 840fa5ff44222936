"""Which stale intentions an enterprise may take part in (webapp/matching/reach.py): its
zone meets the place and it covers the sectors of the intention or of one of its lots."""

from __future__ import annotations

from tests.factories import CLEANING, LINEN
from tests.webapp.matching.factories import intention_row, supplier_row
from webapp.matching import store
from webapp.matching.reach import stale_within_reach


def test_only_stale_intentions_whose_place_and_sectors_it_meets(session):
    enterprise = supplier_row(session, 1, sectors=(CLEANING,))  # serves the Nord (59)
    near = intention_row(session, title="Lille")
    intention_row(session, title="Paris", place=("commune", "75056"))
    intention_row(session, title="Pressing", sectors=(LINEN,))
    by_lot = intention_row(
        session, title="Pressing et ménage", sectors=(LINEN,), lots=[("Ménage", (CLEANING,), 1)]
    )
    intention_row(session, title="Brouillon", status="draft")
    matched = intention_row(session, title="Déjà rapproché")
    store.run(session, matched)
    session.commit()

    found = stale_within_reach(session, enterprise)

    assert sorted(found) == [near.id, by_lot.id]
    intention, purchase = found[by_lot.id]
    assert intention is by_lot and [lot.title for lot in purchase.lots] == ["Ménage"]


def test_a_closed_enterprise_takes_part_in_nothing(session):
    enterprise = supplier_row(session, 1, status="closed")
    intention_row(session)
    session.commit()
    assert stale_within_reach(session, enterprise) == {}
    enterprise.status = "active"
    session.commit()
    assert len(stale_within_reach(session, enterprise)) == 1
