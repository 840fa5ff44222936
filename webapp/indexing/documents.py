"""The search document of an enterprise: one builder, shared by every backend.

A document is plain JSON-ready data: what is searched (names, description, sectors,
offers), what is filtered and faceted, and the zone: the divisions it lists, those it
meets and those it covers whole (``search.territory``).
"""

from __future__ import annotations

import re
from typing import Any

from domain.kinds import KINDS_BY_CODE
from domain.reservations import eligible_articles
from search.synonyms import kind_terms
from search.territory import REACH_FIELDS, zone_lists
from webapp.models import Enterprise

# Kinds whose trade is lending staff (DESIGN.md, presta types): implied even without offers.
_STAFFING_KINDS = frozenset({"AI", "ETTI", "GEIQ", "EATT"})
_FIRST_NUMBER = re.compile(r"\d[\d\s\u202f\u00a0]*")
MAX_DESCRIPTION = 5000


def headcount_floor(enterprise: Enterprise) -> int | None:
    """The headcount we can vouch for: the declared total, else a bracket's lower bound."""
    capacity = enterprise.capacity
    if capacity is None:
        return None
    if capacity.headcount_total is not None:
        return capacity.headcount_total
    if capacity.headcount_bracket:
        match = _FIRST_NUMBER.search(capacity.headcount_bracket)
        if match:
            return int(re.sub(r"\D", "", match.group()))
    return None


def radius_reach(enterprise: Enterprise) -> dict[str, list[str]]:
    """For a radius zone, the divisions the circle reaches (any of their communes within the
    radius), as ``zone_reach_*`` lists; empty lists for any other zone (the matcher's pool
    reads a radius zone so)."""
    radius = enterprise.zone is not None and enterprise.zone.kind == "radius"
    lists = zone_territory(enterprise) if radius else zone_lists(None)
    return {field: lists[field] for field in REACH_FIELDS.values()}


def zone_territory(enterprise: Enterprise) -> dict[str, list[str]]:
    """The divisions the zone meets and those it covers whole (``search.territory``):
    "works in P" and "covers P" then read the same in every backend, as membership tests."""
    zone = enterprise.zone
    if zone is None:
        return zone_lists(None)
    return zone_lists(
        zone.kind,
        ((division.division_type, division.code) for division in zone.divisions),
        latitude=enterprise.latitude,
        longitude=enterprise.longitude,
        radius_km=zone.radius_km,
    )


def build_document(enterprise: Enterprise) -> dict[str, Any]:
    """The document for ``enterprise``: a model with its relations loaded, or a record of
    ``webapp.indexing.records`` (the same attributes, read with plain SQL for speed)."""
    sectors = sorted(
        (row.sector for row in enterprise.sectors if row.status != "rejected"),
        key=lambda sector: sector.slug,
    )
    zone = enterprise.zone
    divisions: dict[str, list[str]] = {"region": [], "departement": [], "epci": [], "commune": []}
    if zone and zone.kind == "divisions":
        for division in zone.divisions:
            divisions[division.division_type].append(division.code)
    presta = {offer.presta_type for offer in enterprise.offers}
    if enterprise.kind in _STAFFING_KINDS:
        presta.add("staffing")
    capacity = enterprise.capacity
    commune = enterprise.commune
    return {
        "id": enterprise.id,
        "siret": enterprise.siret,
        "siren": enterprise.siren,
        "name": enterprise.name,
        "brand": enterprise.brand or "",
        "display_name": enterprise.display_name,
        "description": (enterprise.description or "")[:MAX_DESCRIPTION],
        "offers": " ".join(
            f"{offer.title} {offer.description or ''}".strip() for offer in enterprise.offers
        ),
        "kind": enterprise.kind,
        "kind_family": str(KINDS_BY_CODE[enterprise.kind].family),
        "status": enterprise.status,
        "sectors": [s.slug for s in sectors],
        "sector_names": [s.name for s in sectors],  # in the order of "sectors"
        "sector_groups": sorted({s.group.slug for s in sectors}),
        # Searched: "BTP" or "Restauration" finds every sector of the group (search.synonyms).
        "sector_group_names": sorted({s.group.name for s in sectors}),
        "kind_terms": kind_terms(enterprise.kind),  # "intérim" finds an ETTI (search_kinds.txt)
        "presta": sorted(presta),
        "commune": enterprise.commune_insee,
        "commune_name": commune.name if commune else enterprise.city,
        "departement": enterprise.departement_code,
        "region": commune.region_code if commune else None,
        "epci": commune.epci_siren if commune else None,
        "latitude": enterprise.latitude,
        "longitude": enterprise.longitude,
        "zone_national": bool(zone and zone.kind == "national"),
        "zone_regions": sorted(divisions["region"]),
        "zone_departements": sorted(divisions["departement"]),
        "zone_epcis": sorted(divisions["epci"]),
        "zone_communes": sorted(divisions["commune"]),
        "zone_radius_km": zone.radius_km if zone and zone.kind == "radius" else None,
        **zone_territory(enterprise),
        "employees": headcount_floor(enterprise),
        "turnover": capacity.turnover_eur if capacity else None,
        "largest_contract": capacity.largest_contract_eur if capacity else None,
        "labels": sorted(label.slug for label in enterprise.labels),
        "networks": sorted(network.slug for network in enterprise.networks),
        "reservations": list(eligible_articles(enterprise.kind, enterprise.ess_status)),
    }
