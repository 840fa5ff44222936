"""What the self-service pages read: the enterprise by SIRET, its recent history, its
label declarations and network requests, and the purchase intentions it can answer as the
matcher sees them now. Nothing here writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.matching.evaluate import evaluate
from domain.matching.facts import Purchase
from domain.matching.match import MatchResult, match
from domain.matching.rules import load_rules
from domain.matching.territory import divisions_inside, touches
from webapp.matching import staleness
from webapp.matching.facts import intentions_query, purchase_of, supplier_of
from webapp.matching.pool import current_pool
from webapp.models import (
    AuditEvent,
    Enterprise,
    Label,
    LabelDeclaration,
    NetworkMembershipRequest,
    PurchaseIntention,
)
from webapp.services import digest

RECENT_EVENTS = 10


def find_enterprise(session: Session, siret: str) -> Enterprise | None:
    """The enterprise of ``siret`` (spaces ignored); None for an unknown or malformed one."""
    compact = re.sub(r"\s", "", siret or "")
    if not re.fullmatch(r"[0-9]{14}", compact):
        return None
    return session.scalar(select(Enterprise).where(Enterprise.siret == compact))


def recent_events(session: Session, enterprise: Enterprise) -> list[AuditEvent]:
    """The enterprise's last changes, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.enterprise_id == enterprise.id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(RECENT_EVENTS)
        )
    )


def declarations_of(session: Session, enterprise: Enterprise) -> list[LabelDeclaration]:
    """The labels the enterprise declares, verified or not, by label name."""
    return list(
        session.scalars(
            select(LabelDeclaration)
            .join(Label)
            .where(LabelDeclaration.enterprise_id == enterprise.id)
            .order_by(Label.name)
        )
    )


def network_requests(session: Session, enterprise: Enterprise) -> list[NetworkMembershipRequest]:
    """The enterprise's requests to join networks, whatever became of them, newest first."""
    return list(
        session.scalars(
            select(NetworkMembershipRequest)
            .where(NetworkMembershipRequest.enterprise_id == enterprise.id)
            .order_by(
                NetworkMembershipRequest.created_at.desc(), NetworkMembershipRequest.id.desc()
            )
        )
    )


# --- Opportunities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Opportunity:
    """A published intention the enterprise can answer: alone or only in a group, and the
    reserved contracts it is eligible for (articles, space-separated as stored)."""

    intention: PurchaseIntention
    alone: bool
    reservations: str


def opportunities(session: Session, enterprise: Enterprise) -> list[Opportunity]:
    """The published intentions ``enterprise`` can answer, soonest launch first (those
    without a date last), read without writing. The stored answers serve while their
    intention's result is current; a stale intention the enterprise could take part in
    (its zone meets the place and its sectors a part) is matched again and its answer
    served, not stored: a page view is not a write, and results are stored by the writes
    (an intention saved, an import, ``flask match run``, the digest's refresh). Other
    stale intentions keep their stored answer until one of those re-runs them."""
    within_reach = _stale_within_reach(session, enterprise)
    found = [
        Opportunity(candidate.intention, candidate.alone, candidate.reservations)
        for candidate in digest.opportunities(session, enterprise)
        if candidate.intention_id not in within_reach
    ]
    if within_reach:
        table = current_pool(session)
        for intention, purchase in within_reach.values():
            # No supplier's reasons are wanted (explain_top=0): the ranking and the groups
            # are computed all the same.
            answer = _answer_of(match(purchase, table, explain_top=0), enterprise.id)
            if answer is not None:
                found.append(Opportunity(intention, *answer))
    return sorted(found, key=_soonest_first)


def _stale_within_reach(
    session: Session, enterprise: Enterprise
) -> dict[int, tuple[PurchaseIntention, Purchase]]:
    """The stale published intentions the enterprise could take part in, by id, each with
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


def _answer_of(result: MatchResult, ref: int) -> tuple[bool, str] | None:
    """How supplier ``ref`` answers in ``result``, as the matcher's store records it:
    alone with the articles it is eligible for, else in its first group; None if it does
    not answer."""
    rows, _scores, articles = result.ranking.answering_columns()
    refs = result.ranking.refs[rows].tolist()
    if ref in refs:
        return True, " ".join(articles[refs.index(ref)])
    for group in result.groups:
        for member in group.members:
            if member.supplier.ref == ref:
                return False, " ".join(member.eligible_articles())
    return None


def _soonest_first(opportunity: Opportunity) -> tuple[bool, date | None, int]:
    launch = opportunity.intention.launch_date
    return (launch is None, launch, opportunity.intention.id)
