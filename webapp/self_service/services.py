"""What the self-service pages do to an enterprise: each function is one write, checked,
recorded with ``record_change`` (audit + search outbox) and committed with it in one
transaction, then published to the search engine. The views only read forms and answer;
what the pages read is in ``webapp.self_service.queries``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.gazetteer import default_gazetteer
from webapp.models import (
    Capacity,
    ClientReference,
    Commune,
    Enterprise,
    EnterpriseSector,
    InterventionZone,
    Label,
    LabelDeclaration,
    Network,
    NetworkMembershipRequest,
    Offer,
    Sector,
    ZoneDivision,
)
from webapp.services.changes import publish, record_change


def changes_of(obj: Any, values: dict[str, Any]) -> dict[str, list]:
    """Set ``values`` on ``obj``; return {field: [old, new]} for those that differ."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [old, new]
            setattr(obj, field, new)
    return changes


def _commit(session: Session) -> None:
    """End a write: the change, its audit event and its outbox row are committed together,
    then the change is sent to the search engine (an outage leaves it in the outbox)."""
    session.commit()
    publish(session)


# --- Identity ------------------------------------------------------------------------------


# Ways the gazetteer finds a commune without its name: fine for messy imports, not for
# someone typing their own address (a misspelt city must be corrected, not guessed).
GUESSES = frozenset({"single_commune_for_postal_code", "nearest_in_postal_code"})


class UnknownCommune(ValueError):
    """The post code and city name match no commune."""


def update_identity(
    session: Session, enterprise: Enterprise, actor: str, values: dict[str, Any]
) -> dict[str, list]:
    """Save the identity fields; a new post code or city is resolved to its commune (and
    the position moves to it), or ``UnknownCommune`` is raised and nothing changes."""
    values = {key: (value or None) for key, value in values.items()}
    located = {}
    if (values["post_code"], values["city"]) != (enterprise.post_code, enterprise.city):
        resolution = default_gazetteer().resolve(values["post_code"], values["city"])
        commune = resolution.commune
        if (
            commune is None
            or resolution.method in GUESSES
            or session.get(Commune, commune.insee) is None
        ):
            raise UnknownCommune(resolution.reason)
        located = {
            "commune_insee": commune.insee,
            "departement_code": commune.departement,
            "latitude": commune.latitude,
            "longitude": commune.longitude,
            "position_precision": commune.position_precision,
        }
    changes = changes_of(enterprise, values | located)
    record_change(session, enterprise, actor, "identity", changes)
    _commit(session)
    return changes


def update_description(
    session: Session, enterprise: Enterprise, actor: str, text: str | None
) -> dict[str, list]:
    """Save the presentation (Markdown, line ends made Unix, blank: none)."""
    text = (text or "").replace("\r\n", "\n").strip() or None
    changes = changes_of(enterprise, {"description": text})
    record_change(session, enterprise, actor, "description", changes)
    _commit(session)
    return changes


# --- Offers and references -----------------------------------------------------------------


def save_offer(
    session: Session, enterprise: Enterprise, actor: str, offer: Offer | None, values: dict
) -> Offer:
    """Create an offer (``offer`` None) or change one; ``values`` are its columns."""
    values = values | {"description": (values.get("description") or "").strip() or None}
    if offer is None:
        offer = Offer(enterprise=enterprise, **values)
        session.add(offer)
        session.flush()
        record_change(
            session, enterprise, actor, "offer_create", {"offer": [None, _offer_state(offer)]}
        )
    else:
        before = _offer_state(offer)
        if changes_of(offer, values):
            record_change(
                session, enterprise, actor, "offer_update", {"offer": [before, _offer_state(offer)]}
            )
    _commit(session)
    return offer


def delete_offer(session: Session, enterprise: Enterprise, actor: str, offer: Offer) -> None:
    """Delete one of the enterprise's offers (its last state kept in the audit trail)."""
    state = _offer_state(offer)
    enterprise.offers.remove(offer)
    record_change(session, enterprise, actor, "offer_delete", {"offer": [state, None]})
    _commit(session)


def _offer_state(offer: Offer) -> dict:
    return {
        "id": offer.id,
        "title": offer.title,
        "description": offer.description,
        "presta_type": offer.presta_type,
        "sector_id": offer.sector_id,
    }


def save_reference(
    session: Session,
    enterprise: Enterprise,
    actor: str,
    reference: ClientReference | None,
    values: dict,
) -> ClientReference:
    """Create a client reference (``reference`` None) or change one."""
    values = values | {"description": (values.get("description") or "").strip() or None}
    if reference is None:
        reference = ClientReference(enterprise=enterprise, **values)
        session.add(reference)
        session.flush()
        record_change(
            session,
            enterprise,
            actor,
            "reference_create",
            {"reference": [None, _reference_state(reference)]},
        )
    else:
        before = _reference_state(reference)
        if changes_of(reference, values):
            record_change(
                session,
                enterprise,
                actor,
                "reference_update",
                {"reference": [before, _reference_state(reference)]},
            )
    _commit(session)
    return reference


def delete_reference(
    session: Session, enterprise: Enterprise, actor: str, reference: ClientReference
) -> None:
    """Delete one of the enterprise's references (its last state kept in the audit trail)."""
    state = _reference_state(reference)
    enterprise.client_references.remove(reference)
    record_change(session, enterprise, actor, "reference_delete", {"reference": [state, None]})
    _commit(session)


def _reference_state(reference: ClientReference) -> dict:
    return {
        "id": reference.id,
        "client_name": reference.client_name,
        "description": reference.description,
        "year": reference.year,
        "amount_eur": reference.amount_eur,
    }


# --- Capacity ------------------------------------------------------------------------------


def update_capacity(
    session: Session, enterprise: Enterprise, actor: str, values: dict[str, Any]
) -> dict[str, list]:
    """Save the capacity figures; nothing is created for a form left empty."""
    values = values | {"volumes": (values.get("volumes") or "").strip() or None}
    capacity = enterprise.capacity
    if capacity is None:
        if all(value is None for value in values.values()):
            return {}
        capacity = Capacity()
        enterprise.capacity = capacity
    changes = changes_of(capacity, values)
    record_change(session, enterprise, actor, "capacity", changes)
    _commit(session)
    return changes


# --- Zone ----------------------------------------------------------------------------------


def zone_state(zone: InterventionZone | None) -> dict | None:
    """The zone as the audit trail records it."""
    if zone is None:
        return None
    return {
        "kind": zone.kind,
        "radius_km": zone.radius_km,
        "divisions": [f"{d.division_type}:{d.code}" for d in zone.divisions],
        "derived": zone.derived,
    }


def save_zone(
    session: Session,
    enterprise: Enterprise,
    actor: str,
    kind: str,
    divisions: Iterable[tuple[str, str]] = (),
    radius_km: int | None = None,
) -> dict[str, list]:
    """Replace the enterprise's zone with the one it declares (``derived`` becomes False)."""
    before = zone_state(enterprise.zone)
    zone = enterprise.zone
    if zone is None:
        zone = InterventionZone(enterprise=enterprise, kind=kind)
        session.add(zone)
    zone.kind = kind
    zone.radius_km = radius_km if kind == "radius" else None
    zone.derived = False
    zone.derivation = None
    wanted = list(divisions) if kind == "divisions" else []
    existing = {(d.division_type, d.code): d for d in zone.divisions}
    for key, division in existing.items():
        if key not in wanted:
            zone.divisions.remove(division)
    for division_type, code in wanted:
        if (division_type, code) not in existing:
            zone.divisions.append(ZoneDivision(division_type=division_type, code=code))
    session.flush()
    after = zone_state(zone)
    changes = {"zone": [before, after]} if before != after else {}
    record_change(session, enterprise, actor, "zone", changes)
    _commit(session)
    return changes


# --- Labels and networks -------------------------------------------------------------------


def declare_label(
    session: Session, enterprise: Enterprise, actor: str, label: Label, evidence_url: str | None
) -> LabelDeclaration | None:
    """A new, unverified declaration; None when this label is already declared."""
    exists = session.scalar(
        select(LabelDeclaration).where(
            LabelDeclaration.enterprise_id == enterprise.id, LabelDeclaration.label_id == label.id
        )
    )
    if exists is not None:
        return None
    declaration = LabelDeclaration(
        enterprise=enterprise, label=label, verified=False, evidence_url=evidence_url or None
    )
    session.add(declaration)
    record_change(
        session, enterprise, actor, "label_declare", {"label_declared": [None, label.slug]}
    )
    _commit(session)
    return declaration


def withdraw_label(
    session: Session, enterprise: Enterprise, actor: str, declaration: LabelDeclaration
) -> None:
    """The enterprise no longer claims the label: its declaration goes, and a verified
    label leaves the public profile."""
    label = declaration.label
    changes: dict[str, list] = {"label_declared": [label.slug, None]}
    if label in enterprise.labels:
        before = [item.slug for item in enterprise.labels]
        enterprise.labels.remove(label)
        changes["labels"] = [before, [item.slug for item in enterprise.labels]]
    session.delete(declaration)
    record_change(session, enterprise, actor, "label_withdraw", changes)
    _commit(session)


def pending_request(
    session: Session, enterprise: Enterprise, network: Network
) -> NetworkMembershipRequest | None:
    """The enterprise's request to join ``network`` still awaiting its facilitator."""
    return session.scalar(
        select(NetworkMembershipRequest).where(
            NetworkMembershipRequest.enterprise_id == enterprise.id,
            NetworkMembershipRequest.network_id == network.id,
            NetworkMembershipRequest.status == "pending",
        )
    )


def request_membership(
    session: Session, enterprise: Enterprise, user, actor: str, network: Network
) -> NetworkMembershipRequest | None:
    """A pending request, unless the enterprise already belongs or already asked."""
    if network in enterprise.networks or pending_request(session, enterprise, network):
        return None
    request = NetworkMembershipRequest(
        enterprise=enterprise, network=network, requested_by_id=user.id, status="pending"
    )
    session.add(request)
    record_change(
        session, enterprise, actor, "network_request", {"network_requested": [None, network.slug]}
    )
    _commit(session)
    return request


def leave_network(session: Session, enterprise: Enterprise, actor: str, network: Network) -> bool:
    """The enterprise leaves ``network``; False if it did not belong to it."""
    if network not in enterprise.networks:
        return False
    before = [item.slug for item in enterprise.networks]
    enterprise.networks.remove(network)
    record_change(
        session,
        enterprise,
        actor,
        "network_leave",
        {"networks": [before, [item.slug for item in enterprise.networks]]},
    )
    _commit(session)
    return True


def cancel_request(
    session: Session, enterprise: Enterprise, actor: str, request: NetworkMembershipRequest
) -> None:
    """The enterprise withdraws its pending request to join a network."""
    request.status = "cancelled"
    record_change(
        session,
        enterprise,
        actor,
        "network_cancel",
        {"network_requested": [request.network.slug, None]},
    )
    _commit(session)


# --- Sectors -------------------------------------------------------------------------------


def sector_row(enterprise: Enterprise, sector_id: int) -> EnterpriseSector | None:
    """The enterprise's row for sector ``sector_id``, if it has one."""
    return next((row for row in enterprise.sectors if row.sector_id == sector_id), None)


def set_sector_status(
    session: Session, enterprise: Enterprise, actor: str, row: EnterpriseSector, status: str
) -> dict[str, list]:
    """Confirm or reject a sector (``status``: confirmed, rejected) the enterprise was given."""
    if row.status == status:
        return {}
    changes = {f"sector:{row.sector.slug}": [row.status, status]}
    row.status = status
    action = {"confirmed": "sector_confirm", "rejected": "sector_reject"}[status]
    record_change(session, enterprise, actor, action, changes)
    _commit(session)
    return changes


def declare_sector(
    session: Session, enterprise: Enterprise, actor: str, sector: Sector
) -> dict[str, list]:
    """The enterprise says it works in ``sector``: declared, confirmed, full confidence."""
    row = sector_row(enterprise, sector.id)
    before = None if row is None else f"{row.source}/{row.status}"
    if row is None:
        row = EnterpriseSector(enterprise=enterprise, sector=sector, evidence=None)
        enterprise.sectors.append(row)
    row.source, row.status, row.confidence = "declared", "confirmed", 1.0
    after = "declared/confirmed"
    changes = {f"sector:{sector.slug}": [before, after]} if before != after else {}
    record_change(session, enterprise, actor, "sector_declare", changes)
    _commit(session)
    return changes
