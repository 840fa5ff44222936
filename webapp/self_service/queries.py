"""What the self-service pages read: the enterprise by SIRET, its recent history, its
label declarations and network requests, and the purchase intentions it can answer as the
matcher sees them now. Nothing here writes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.matching.match import match
from webapp.matching.answers import answers
from webapp.matching.pool import current_pool
from webapp.matching.reach import stale_within_reach
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
    within_reach = stale_within_reach(session, enterprise)
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
            answer = answers(match(purchase, table, explain_top=0)).get(enterprise.id)
            if answer is not None:
                found.append(Opportunity(intention, answer.alone, answer.reservations))
    return sorted(found, key=lambda opportunity: digest.launch_order(opportunity.intention))
