"""Creating and updating enterprises from trusted data (imports), with their audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from domain.zones import ADDRESS_DEPARTEMENT, ZoneSpec
from webapp.models import (
    AuditEvent,
    Capacity,
    Enterprise,
    EnterpriseSector,
    InterventionZone,
    Network,
    SearchOutbox,
    ZoneDivision,
)
from webapp.models.enterprise import enterprise_network, utcnow
from webapp.services import audit

# Identity fields an import owns; everything else is merged with care below.
IDENTITY_FIELDS = (
    "siren",
    "name",
    "brand",
    "kind",
    "legal_form",
    "ess_status",
    "naf_code",
    "address",
    "post_code",
    "city",
    "commune_insee",
    "departement_code",
    "latitude",
    "longitude",
    "position_precision",
    "website",
    "description",
    "source",
)

POSITION_FIELDS = ("latitude", "longitude", "position_precision")
# Fields an import may fill when the enterprise has none, never overwriting what is there
# (a register's switchboard phone does not replace the contact an enterprise gave).
GAP_FIELDS = ("description", "contact_phone")


@dataclass(frozen=True)
class SuggestedSector:
    sector_id: int
    source: str
    confidence: float
    evidence: str | None


@dataclass
class EnterpriseData:
    """Everything an import knows of one enterprise, as plain data.

    ``identity`` holds only the fields the source speaks for (a member list with four
    columns must not erase the address another source gave); ``defaults`` completes them
    for a new enterprise, and gives the position when only the commune is known.
    ``sector_sources`` are the suggestion sources the record re-evaluated (no NAF column:
    the NAF-based suggestions stay), and ``zone_from_description`` whether the
    description was read (if not, a zone derived from an earlier description stays).
    """

    siret: str
    identity: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    sectors: list[SuggestedSector] = field(default_factory=list)
    sector_sources: frozenset[str] = frozenset({"naf", "name", "description"})
    zone: ZoneSpec | None = None
    zone_from_description: bool = True
    headcount_bracket: str | None = None
    networks: list[Network] = field(default_factory=list)
    # Fields of GAP_FIELDS to fill when empty; capacity figures the source speaks for
    # (None clears one); and, when set, the only source whose enterprises this data may
    # re-identify (name, address, kind, sectors, zone): an enterprise another list created
    # only gets its gaps and capacity filled, so two lists never undo each other.
    gaps: dict[str, Any] = field(default_factory=dict)
    capacity: dict[str, Any] = field(default_factory=dict)
    identity_source: str | None = None

    def creation_fields(self) -> dict[str, Any]:
        return (
            dict.fromkeys(IDENTITY_FIELDS + GAP_FIELDS) | self.defaults | self.gaps | self.identity
        )

    def takes_over(self, enterprise: Enterprise) -> bool:
        """Whether this data may re-identify ``enterprise`` (see ``identity_source``)."""
        return self.identity_source is None or enterprise.source == self.identity_source


def create_many(session: Session, items: list[EnterpriseData], actor: str) -> None:
    """Insert new enterprises with their sectors, zone, capacity, networks and audit events.

    Core bulk inserts, not the ORM unit of work: an import creates up to hundreds of
    thousands of rows and the per-object bookkeeping would cost most of its time.
    """
    if not items:
        return
    now = utcnow()
    ids = session.scalars(
        insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True),
        [
            {"siret": d.siret, "status": "active", "created_at": now, "updated_at": now}
            | d.creation_fields()
            for d in items
        ],
    ).all()
    zoned = [(id_, d.zone) for id_, d in zip(ids, items, strict=True) if d.zone]
    zone_ids = (
        session.scalars(
            insert(InterventionZone).returning(InterventionZone.id, sort_by_parameter_order=True),
            [
                {
                    "enterprise_id": id_,
                    "kind": z.kind,
                    "radius_km": z.radius_km,
                    "derived": z.derived,
                    "derivation": z.derivation,
                }
                for id_, z in zoned
            ],
        ).all()
        if zoned
        else []
    )
    _insert(
        session,
        ZoneDivision,
        [
            {"zone_id": zone_id, "division_type": kind, "code": code}
            for zone_id, (_, z) in zip(zone_ids, zoned, strict=True)
            for kind, code in sorted(z.divisions)
        ],
    )
    _insert(
        session,
        EnterpriseSector,
        [
            {
                "enterprise_id": id_,
                "sector_id": s.sector_id,
                "source": s.source,
                "confidence": s.confidence,
                "evidence": s.evidence,
                "status": "suggested",
            }
            for id_, d in zip(ids, items, strict=True)
            for s in d.sectors
        ],
    )
    _insert(
        session,
        Capacity,
        [
            {"enterprise_id": id_, "headcount_bracket": d.headcount_bracket}
            | {"authorised_places": d.capacity.get("authorised_places")}
            for id_, d in zip(ids, items, strict=True)
            if d.headcount_bracket or any(v is not None for v in d.capacity.values())
        ],
    )
    _insert(
        session,
        enterprise_network,
        [
            {"enterprise_id": id_, "network_id": n.id}
            for id_, d in zip(ids, items, strict=True)
            for n in d.networks
        ],
    )
    _insert(session, SearchOutbox, [{"enterprise_id": id_} for id_ in ids])
    _insert(
        session,
        AuditEvent,
        [
            {
                "enterprise_id": id_,
                "siret": d.siret,
                "actor": actor,
                "action": "create",
                "changes": _creation_changes(d),
                "created_at": now,
            }
            for id_, d in zip(ids, items, strict=True)
        ],
    )


def _insert(session: Session, target, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(target), rows)


def _creation_changes(data: EnterpriseData) -> dict[str, Any]:
    changes = data.creation_fields()
    changes["sectors"] = sorted(s.sector_id for s in data.sectors)
    if data.zone:
        changes["zone"] = {
            "kind": data.zone.kind,
            "divisions": [list(d) for d in data.zone.divisions],
        }
    if data.headcount_bracket:
        changes["headcount_bracket"] = data.headcount_bracket
    changes |= {name: value for name, value in data.capacity.items() if value is not None}
    if data.networks:
        changes["networks_added"] = [n.slug for n in data.networks]
    return changes


def update(session: Session, enterprise: Enterprise, data: EnterpriseData, actor: str) -> bool:
    """Bring an existing enterprise in line with ``data``; True when something changed.

    What people confirmed is never overwritten by an import: confirmed or rejected sectors
    stay as they are, and a declared (non-derived) zone is kept.
    """
    changes = _apply(enterprise, data)
    if changes:
        audit.record(session, enterprise, actor, "update", changes)
        session.add(SearchOutbox(enterprise_id=enterprise.id))
    return bool(changes)


def _apply(enterprise: Enterprise, data: EnterpriseData) -> dict[str, Any]:
    if not data.takes_over(enterprise):
        return _fill_gaps(enterprise, data)
    fields = dict(data.identity)
    if "latitude" not in fields and (
        enterprise.latitude is None or enterprise.commune_insee != fields.get("commune_insee")
    ):
        # No coordinates in this source: a new commune brings the commune's position.
        fields |= {k: data.defaults[k] for k in POSITION_FIELDS if k in data.defaults}
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        old = getattr(enterprise, name)
        if old != value:
            setattr(enterprise, name, value)
            changes[name] = [old, value]

    sector_change = _merge_sectors(enterprise, data.sectors, data.sector_sources)
    if sector_change:
        changes["sectors"] = sector_change
    zone_change = _merge_zone(enterprise, data.zone, data.zone_from_description)
    if zone_change:
        changes["zone"] = zone_change
    capacity = enterprise.capacity
    old_bracket = capacity.headcount_bracket if capacity else None
    if data.headcount_bracket and data.headcount_bracket != old_bracket:
        # A bracket fills a gap; it never erases what the enterprise itself declared.
        enterprise.capacity = capacity or Capacity()
        enterprise.capacity.headcount_bracket = data.headcount_bracket
        changes["headcount_bracket"] = [old_bracket, data.headcount_bracket]
    added = [network for network in data.networks if network not in enterprise.networks]
    if added:
        enterprise.networks.extend(added)
        changes["networks_added"] = [network.slug for network in added]
    changes |= _fill_gaps(enterprise, data)
    if changes:
        enterprise.updated_at = utcnow()
    return changes


def _fill_gaps(enterprise: Enterprise, data: EnterpriseData) -> dict[str, Any]:
    """Empty GAP_FIELDS filled, and the capacity figures the source speaks for."""
    changes: dict[str, Any] = {}
    for name, value in data.gaps.items():
        if value and not getattr(enterprise, name):
            setattr(enterprise, name, value)
            changes[name] = [None, value]
    for name, value in data.capacity.items():
        old = getattr(enterprise.capacity, name) if enterprise.capacity else None
        if value != old:
            enterprise.capacity = enterprise.capacity or Capacity()
            setattr(enterprise.capacity, name, value)
            changes[name] = [old, value]
    if changes:
        enterprise.updated_at = utcnow()
    return changes


def _merge_sectors(
    enterprise: Enterprise, suggestions: list[SuggestedSector], sources: frozenset[str]
) -> list | None:
    """Replace this source's earlier suggestions with the new ones; keep people's decisions
    and the suggestions drawn from data this source does not carry."""
    kept = {
        row.sector_id: row
        for row in enterprise.sectors
        if row.status != "suggested" or row.source not in sources
    }
    current = {
        row.sector_id: (row.source, round(row.confidence, 2), row.evidence)
        for row in enterprise.sectors
        if row.sector_id not in kept
    }
    wanted = {
        s.sector_id: (s.source, round(s.confidence, 2), s.evidence)
        for s in suggestions
        if s.sector_id not in kept and s.source in sources
    }
    if current == wanted:
        return None
    enterprise.sectors = list(kept.values()) + [
        EnterpriseSector(
            sector_id=sid, source=src, confidence=conf, evidence=ev, status="suggested"
        )
        for sid, (src, conf, ev) in sorted(wanted.items())
    ]
    return sorted(wanted)


def _merge_zone(
    enterprise: Enterprise, spec: ZoneSpec | None, from_description: bool
) -> dict | None:
    zone = enterprise.zone
    if spec is None or (zone is not None and not zone.derived):
        return None
    if zone is not None and not from_description and zone.derivation != ADDRESS_DEPARTEMENT:
        return None  # derived from a description this source did not carry
    if zone is not None and _zone_spec(zone) == _normalised(spec):
        return None
    zone = zone or InterventionZone()
    zone.kind = spec.kind
    zone.radius_km = spec.radius_km
    zone.derived = spec.derived
    zone.derivation = spec.derivation
    zone.divisions = [ZoneDivision(division_type=t, code=c) for t, c in sorted(spec.divisions)]
    enterprise.zone = zone
    return {"kind": spec.kind, "divisions": [list(d) for d in spec.divisions]}


def _normalised(spec: ZoneSpec) -> ZoneSpec:
    return replace(spec, divisions=tuple(sorted(spec.divisions)))


def _zone_spec(zone: InterventionZone) -> ZoneSpec:
    return ZoneSpec(
        kind=zone.kind,
        divisions=tuple(sorted((d.division_type, d.code) for d in zone.divisions)),
        radius_km=zone.radius_km,
        derived=zone.derived,
        derivation=zone.derivation,
    )
