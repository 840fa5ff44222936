"""Where a supplier works toward a place (DESIGN.md, territory) — the rule the search's
filters apply too. *Works in* P: the zone meets P; *covers* P (``serves``): the zone
holds all of P — a zone listing a division covers every place inside it, a national zone
covers everything, a radius the places it reaches."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from domain.geo import EARTH_RADIUS_KM
from domain.matching.facts import Place, Supplier, Zone
from domain.matching.texts import N_, Text
from domain.places import COMMUNE, EPCI, NATIONAL

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
        if pieced_together(zone) and place.communes and held(zone, place) == whole(place):
            return True, Text(
                N_("sa zone d'intervention comprend tout {place}, par ses divisions"),
                place=place.name,
            )
        return False, Text(N_("sa zone d'intervention ne comprend pas {place}"), place=place.name)
    if zone.kind == "radius":
        # The circle reaches a division when it reaches one of its communes: it holds a
        # commune, and a larger place when it reaches every commune of it.
        if (place.kind == COMMUNE and (place.kind, place.code) in zone.reach) or (
            place.communes and held(zone, place) == whole(place)
        ):
            return True, Text(N_("intervient à {km:g} km autour de sa base"), km=zone.radius_km)
        return False, Text(
            N_("{place} est hors de ses {km:g} km d'intervention"),
            place=place.name,
            km=zone.radius_km,
        )
    return False, Text(N_("zone d'intervention inconnue"))


@dataclass(frozen=True)
class Presence:
    """Where a supplier stands toward a place (DESIGN.md, territory: one rule, two
    questions). ``works``: its zone meets the place (a zone listing the Nord works in
    Hauts-de-France), or — a zone only inferred from its address — its base lies within
    reach of the place's nearest part. ``covers``: its zone holds all of the place (or, for
    a commune or an EPCI, an inferred zone's base within reach). ``distance_km``: from its
    base to the nearest part of the place, 0 inside it (None: no position)."""

    works: bool
    covers: bool
    why: Text
    distance_km: float | None


def presence(supplier: Supplier, place: Place, reach_km: float, distance: float | None) -> Presence:
    """``distance``: ``nearest_km`` of the supplier's base to the place."""
    zone = supplier.zone
    covers, why = serves(zone, place)
    works = covers or touches(zone, place, divisions_inside(place))
    inferred = not zone.declared
    if covers and inferred and zone.kind != "none":
        why = Text(N_("{why} (zone déduite de son adresse, non déclarée)"), why=why)
    elif works and not covers:
        why = (
            Text(N_("intervient sur une partie de la France"))
            if place.kind == NATIONAL
            else Text(N_("intervient sur une partie de {place}"), place=place.name)
        )
        if inferred:
            why = Text(N_("{why} (zone déduite de son adresse, non déclarée)"), why=why)
    near = inferred and distance is not None and distance <= reach_km
    if near and not works:
        works = True
        why = Text(
            N_(
                "zone non déclarée (déduite de l'adresse) : base à {distance:.0f} km de {place}, "
                "dans la limite de {reach:g} km"
            ),
            distance=distance,
            place=place.name,
            reach=reach_km,
        )
    if near and place.kind in SMALL_PLACES:
        covers = True
    return Presence(works, covers, why, distance)


# Places small enough for an enterprise based within reach to carry out all of them.
SMALL_PLACES = frozenset({COMMUNE, EPCI})


def divisions_inside(place: Place) -> frozenset[tuple[str, str]]:
    """The divisions lying in ``place`` (its communes, their EPCIs and départements),
    and itself: a zone listing one of them works in part of the place."""
    return place.inside


def touches(zone: Zone, place: Place, inside: frozenset[tuple[str, str]]) -> bool:
    """Whether the zone serves the place or a part of it (``inside``:
    ``divisions_inside(place)``). A co-bidder must at least do that: a member working
    nowhere in the place brings nothing to carry the work out there."""
    if serves(zone, place)[0]:
        return True
    if place.kind == NATIONAL:  # any zone lies in France
        return zone.kind in ("divisions", "radius")
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
    return held(zone, place)


def held(zone: Zone, place: Place) -> int:
    """The communes of the place the zone's divisions hold, or its circle reaches, as a
    bitmask (cached on the place, per zone)."""
    cache = place.held_by
    if zone not in cache:
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
        if len(cache) > 4096:  # a place met by very many distinct zones
            cache.clear()
        cache[zone] = mask
    return cache[zone]


def pieced_together(zone: Zone) -> bool:
    """A zone that may hold a place no single one of its divisions holds: several
    divisions (the five départements of Hauts-de-France hold the région), or a circle."""
    return (zone.kind == "divisions" and len(zone.divisions) > 1) or zone.kind == "radius"


def nearest_km(
    latitudes: np.ndarray, longitudes: np.ndarray, inside: np.ndarray, place: Place
) -> np.ndarray:
    """Per supplier (positions as arrays, NaN: unknown; ``inside``: its base commune is one
    of the place's): the distance in km to the nearest part of ``place`` — 0 inside it,
    else to the nearest of ``place.points``; NaN when a position is unknown. The nearest
    point is the one of largest dot product of unit vectors (great-circle distance falls
    as it rises: one matrix product, not one pass per point), then the haversine to it, as
    ``haversine_km`` computes it for one supplier — rounded to the metre, the same number."""
    n = len(latitudes)
    located = ~np.isnan(latitudes) & ~np.isnan(longitudes)
    distance = np.full(n, math.nan)
    if place.kind == NATIONAL:
        distance[located] = 0.0
        return distance
    if not place.points:
        return distance
    distance[located & inside] = 0.0
    rows = np.flatnonzero(located & ~inside)
    points = np.array(place.points)
    vectors = _unit_vectors(points[:, 0], points[:, 1])
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        lat, lon = latitudes[chunk], longitudes[chunk]
        nearest = np.argmax(_unit_vectors(lat, lon) @ vectors.T, axis=1)
        phi1, phi2 = np.radians(lat), np.radians(points[nearest, 0])
        d_phi, d_lambda = phi2 - phi1, np.radians(points[nearest, 1] - lon)
        h = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
        found = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        distance[chunk] = np.round(found, DISTANCE_DECIMALS)
    return distance


_CHUNK = 16_384  # suppliers per matrix product (16,384 x 150 points: 20 MB)


def _unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(latitudes), np.radians(longitudes)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)


def representative_points(
    positions: list[tuple[float, float]], grid_degrees: float, max_points: int
) -> tuple[tuple[float, float], ...]:
    """A place's parts for distances: its communes' positions, merged (mean per cell of a
    grid, finer first) until at most ``max_points`` remain — a région has thousands of
    communes; cells of a few kilometres keep the nearest part within that of the truth."""
    cell = grid_degrees
    points = sorted(set(positions))
    while len(points) > max_points:
        cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for latitude, longitude in positions:
            key = (math.floor(latitude / cell), math.floor(longitude / cell))
            cells.setdefault(key, []).append((latitude, longitude))
        points = sorted(
            (
                round(sum(p[0] for p in members) / len(members), 5),
                round(sum(p[1] for p in members) / len(members), 5),
            )
            for members in cells.values()
        )
        cell *= 2
    return tuple(points)
