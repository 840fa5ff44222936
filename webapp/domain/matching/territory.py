"""Does a supplier's zone serve a place (DESIGN.md, territory) — the rule the search's
"serves" filter applies too: a zone listing a division serves every place inside it, a
national zone serves everything, a radius serves the places it reaches."""

from __future__ import annotations

import math

from webapp.domain.matching.facts import COMMUNE, NATIONAL, Place, Supplier, Zone
from webapp.domain.matching.texts import N_, Text

EARTH_RADIUS_KM = 6371.009
# Distances are rounded to the metre: the matcher computes them one by one (here) and for
# thousands of suppliers at once (NumPy, table.py), whose sines may differ in the last
# bit; rounded, both give the same number, so the same scores and ranks.
DISTANCE_DECIMALS = 3

# "Its zone includes <the division> <code>", per kind of division.
_INCLUDES = {
    "commune": N_("sa zone d'intervention comprend la commune {code}"),
    "epci": N_("sa zone d'intervention comprend l'EPCI {code}"),
    "departement": N_("sa zone d'intervention comprend le département {code}"),
    "region": N_("sa zone d'intervention comprend la région {code}"),
}


def serves(zone: Zone, place: Place) -> tuple[bool, Text]:
    """(served, why) — ``why`` for the reasons shown to people."""
    if zone.kind == NATIONAL:
        return True, Text(N_("intervient sur toute la France"))
    if place.kind == NATIONAL:
        return False, Text(N_("n'intervient pas sur toute la France"))
    if zone.kind == "divisions":
        for kind, code in place.covered_by:
            if (kind, code) in zone.divisions:
                return True, Text(_INCLUDES[kind], code=code)
        return False, Text(N_("sa zone d'intervention ne comprend pas {place}"), place=place.name)
    if zone.kind == "radius":
        if (place.kind, place.code) in zone.reach:
            if place.kind == COMMUNE:
                return True, Text(N_("intervient à {km:g} km autour de sa base"), km=zone.radius_km)
            return True, Text(
                N_("intervient à {km:g} km autour de sa base (en partie)"), km=zone.radius_km
            )
        return False, Text(
            N_("{place} est hors de ses {km:g} km d'intervention"),
            place=place.name,
            km=zone.radius_km,
        )
    return False, Text(N_("zone d'intervention inconnue"))


def works_in(supplier: Supplier, place: Place, reach_km: float) -> tuple[bool, Text, float | None]:
    """(served, why, distance): the zone serves the place, or — the zone being only
    inferred by an import, not declared — the base lies within ``reach_km`` of it."""
    served, why = serves(supplier.zone, place)
    distance = distance_km(supplier, place)
    if served and not supplier.zone.declared and supplier.zone.kind != "none":
        return (
            served,
            Text(N_("{why} (zone déduite de son adresse, non déclarée)"), why=why),
            distance,
        )
    if served or supplier.zone.declared or distance is None or distance > reach_km:
        return served, why, distance
    return (
        True,
        Text(
            N_(
                "zone non déclarée (déduite de l'adresse) : base à {distance:.0f} km du lieu "
                "d'exécution, dans la limite de {reach:g} km"
            ),
            distance=distance,
            reach=reach_km,
        ),
        distance,
    )


def takes_part(
    supplier: Supplier, place: Place, inside: frozenset[tuple[str, str]], reach_km: float
) -> bool:
    """Works in the place or part of it (``touches``), or near it (``works_in``)."""
    return touches(supplier.zone, place, inside) or works_in(supplier, place, reach_km)[0]


def divisions_inside(place: Place) -> frozenset[tuple[str, str]]:
    """The divisions lying in ``place`` (its communes, their EPCIs and départements),
    and itself: a zone listing one of them works in part of the place."""
    inside = {(place.kind, place.code)}
    for insee, epci, departement in place.communes:
        inside.add(("commune", insee))
        inside.add(("departement", departement))
        if epci:
            inside.add(("epci", epci))
    return frozenset(inside)


def touches(zone: Zone, place: Place, inside: frozenset[tuple[str, str]]) -> bool:
    """Whether the zone serves the place or a part of it (``inside``:
    ``divisions_inside(place)``). A co-bidder must at least do that: a member working
    nowhere in the place brings nothing to carry the work out there."""
    if serves(zone, place)[0]:
        return True
    if zone.kind == "divisions":
        return not zone.divisions.isdisjoint(inside)
    if zone.kind == "radius":
        return not zone.reach.isdisjoint(inside)
    return False


def whole(place: Place) -> int:
    """The bitmask of all the place's communes (one bit for a commune or a national place)."""
    return (1 << max(len(place.communes), 1)) - 1


def served_communes(zone: Zone, place: Place) -> int:
    """The part of the place the zone serves, as a bitmask over the place's communes:
    ``whole(place)`` when it serves all of it; else the communes its divisions hold (a
    radius: the communes it reaches)."""
    if serves(zone, place)[0]:
        return whole(place)
    mask = 0
    if zone.kind == "radius":
        for position, (insee, _, _) in enumerate(place.communes):
            if (COMMUNE, insee) in zone.reach:
                mask |= 1 << position
    elif zone.kind == "divisions":
        listed = zone.divisions
        for position, (insee, epci, departement) in enumerate(place.communes):
            if (
                (COMMUNE, insee) in listed
                or ("departement", departement) in listed
                or (epci and ("epci", epci) in listed)
            ):
                mask |= 1 << position
    return mask


def union_serves(zones: list[Zone], place: Place) -> bool:
    """Whether several zones together serve the place: one of them serves it whole, or
    every commune of the place is served by one of them."""
    mask = 0
    for zone in zones:
        mask |= served_communes(zone, place)
    return mask == whole(place)


def distance_km(supplier: Supplier, place: Place) -> float | None:
    if None in (supplier.latitude, supplier.longitude, place.latitude, place.longitude):
        return None
    return round(
        haversine_km(supplier.latitude, supplier.longitude, place.latitude, place.longitude),
        DISTANCE_DECIMALS,
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
