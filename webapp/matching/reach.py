"""Which stale intentions an enterprise may take part in: those whose place its zone meets
and of which it covers a part's sectors. A cheap pre-check on the enterprise alone, so
that only these are matched again to know its answer, not every stale intention."""

from __future__ import annotations

from sqlalchemy.orm import Session

from domain.matching.evaluate import evaluate
from domain.matching.facts import Purchase
from domain.matching.rules import load_rules
from domain.matching.territory import divisions_inside, touches
from webapp.matching import staleness
from webapp.matching.facts import intentions_query, purchase_of, supplier_of
from webapp.models import Enterprise, PurchaseIntention


def stale_within_reach(
    session: Session, enterprise: Enterprise
) -> dict[int, tuple[PurchaseIntention, Purchase]]:
    """The stale published intentions ``enterprise`` could take part in, by id, each with
    its purchase as the matcher reads it. A closed enterprise takes part in none."""
    ids = staleness.stale_intention_ids(session)
    if not ids or enterprise.status != "active":
        return {}
    me = supplier_of(enterprise)  # the track record is not read: touches and covers only
    rules = load_rules()
    found = {}
    for intention in session.scalars(
        intentions_query().where(PurchaseIntention.id.in_(ids)).order_by(PurchaseIntention.id)
    ):
        purchase = purchase_of(session, intention)
        if touches(me.zone, purchase.place, divisions_inside(purchase.place)) and any(
            evaluate(me, part, rules).covered for part in (purchase, *purchase.lots) if part.sectors
        ):
            found[intention.id] = (intention, purchase)
    return found
