"""An enterprise with something in every section of its self-service space, for the
tests of its writes and of its pages."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import GREEN, claim_sector, make_enterprise
from webapp.models import (
    ClientReference,
    Enterprise,
    Label,
    LabelDeclaration,
    Network,
    NetworkMembershipRequest,
    Offer,
)

SIRET = "73282932000074"


def networks(session) -> list[Network]:
    """The reference data's networks, in the order of their ids."""
    return list(session.scalars(select(Network).order_by(Network.id)))


def furnished_enterprise(session, enterprise: Enterprise | None = None) -> Enterprise:
    """``enterprise`` (by default a new one in Lille) in the first network, asking to join
    the second, with an offer, a client reference, the first label declared and a sector
    suggested from its NAF code; flushed, not committed."""
    first, second = networks(session)[:2]
    label = session.scalar(select(Label).order_by(Label.id))
    if enterprise is None:
        enterprise = make_enterprise(
            session, SIRET, name="Les Jardins du Nord", post_code="59000", city="Lille"
        )
    enterprise.networks.append(first)
    session.add_all(
        [
            Offer(enterprise=enterprise, title="Tonte", presta_type="service"),
            ClientReference(enterprise=enterprise, client_name="Ville de Lille"),
            LabelDeclaration(enterprise=enterprise, label=label),
            NetworkMembershipRequest(enterprise=enterprise, network=second, status="pending"),
        ]
    )
    claim_sector(session, enterprise, GREEN, "suggested", "naf", 0.6)
    session.flush()
    return enterprise
