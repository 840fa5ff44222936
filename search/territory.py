"""Where a zone works, as lists a search document carries (DESIGN.md, Territory).

A buyer names a place P; an enterprise's zone is national, a list of divisions or a
radius around its base. Two questions, one rule:

- *works in P*: the zone meets P (they share a commune);
- *covers P*: every commune of P lies in the zone.

Communes are the atoms: a division is the set of its communes (from the gazetteer, the
reference tables every importer uses), so a zone listing département 59 meets région 32,
each EPCI with a commune in the Nord (one straddling two départements too) and each
commune of the Nord, and a radius meets the divisions one of whose communes lies within
its circle. A commune is whole or not at all: a zone meeting it covers it.

Both questions become membership tests on lists the document builder computes once per
zone (``zone_lists``), so that every backend asks them the same way (``alternatives``):

- ``zone_reach_{regions,departements,epcis}``: the divisions the zone meets — for a zone
  of one division, only itself and the coarser ones (the Nord: région 32); the finer
  ones it meets are the query's to name (a place's containing divisions, ``covered_by``,
  and for an EPCI the départements and régions it straddles), a few tokens a document
  instead of a hundred; ``zone_reach_communes`` only for a radius (a divisions zone meets
  a commune exactly when it lists the commune or a division containing it, which
  ``zone_*`` and the place's ``covered_by`` already say);
- ``zone_cover_{regions,departements,epcis}``: for a zone of several divisions or a
  radius, the divisions wholly inside it (the union of what it lists: départements 59 and
  62 do not cover région 32, its five départements do); one division covers exactly what
  its ``covered_by`` test says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from domain.gazetteer import default_gazetteer
from domain.geo import box_half_sides, haversine_km
from domain.places import COMMUNE, DEPARTEMENT, EPCI, REGION

ZONE_FIELDS = {
    REGION: "zone_regions",
    DEPARTEMENT: "zone_departements",
    EPCI: "zone_epcis",
    COMMUNE: "zone_communes",
}
REACH_FIELDS = {
    REGION: "zone_reach_regions",
    DEPARTEMENT: "zone_reach_departements",
    EPCI: "zone_reach_epcis",
    COMMUNE: "zone_reach_communes",
}
COVER_FIELDS = {
    REGION: "zone_cover_regions",
    DEPARTEMENT: "zone_cover_departements",
    EPCI: "zone_cover_epcis",
}
# Coarsest first: the order in which a reason names the kind of division a zone lists.
_COARSEST_FIRST = (REGION, DEPARTEMENT, EPCI, COMMUNE)

Division = tuple[str, str]  # (division type, code)


@dataclass(frozen=True)
class Geography:
    """Each division as the set of its communes, and each commune's divisions."""

    communes: Mapping[Division, frozenset[str]]
    parents: Mapping[str, tuple[Division, ...]]  # commune -> its EPCI, département, région

    def communes_of(self, division: Division) -> frozenset[str]:
        if division[0] == COMMUNE:
            return frozenset((division[1],)) if division[1] in self.parents else frozenset()
        return self.communes.get(division, frozenset())


@lru_cache(maxsize=1)
def geography() -> Geography:
    """The gazetteer's communes grouped by division (built once per process, ~0.2 s)."""
    communes: defaultdict[Division, set[str]] = defaultdict(set)
    parents: dict[str, tuple[Division, ...]] = {}
    for commune in default_gazetteer():
        above = [(DEPARTEMENT, commune.departement), (REGION, commune.region)]
        if commune.epci_siren:
            above.insert(0, (EPCI, commune.epci_siren))
        parents[commune.insee] = tuple(above)
        for division in above:
            communes[division].add(commune.insee)
    return Geography({d: frozenset(c) for d, c in communes.items()}, parents)


# --- The document side ------------------------------------------------------------------


def _empty() -> dict[str, list[str]]:
    lists = {field: [] for field in REACH_FIELDS.values()}
    lists.update({field: [] for field in COVER_FIELDS.values()})
    return lists


def zone_lists(
    kind: str | None,
    divisions: Iterable[Division] = (),
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    radius_km: float | None = None,
) -> dict[str, list[str]]:
    """The reach and cover lists of a zone (see the module docstring); all empty for a
    national zone (it works everywhere: ``zone_national`` says so) or no zone."""
    if kind == "divisions":
        cached = _divisions_lists(tuple(sorted(set(divisions))))
        return {field: list(codes) for field, codes in cached}
    if kind == "radius" and latitude is not None and longitude is not None and radius_km:
        return _radius_lists(latitude, longitude, float(radius_km))
    return _empty()


# From the finest: a division's parents coarser than itself.
_FINENESS = {COMMUNE: 0, EPCI: 1, DEPARTEMENT: 2, REGION: 3}


@lru_cache(maxsize=4096)
def _divisions_lists(divisions: tuple[Division, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Cached by zone: most zones are one département, shared by hundreds of documents.

    A zone of one division lists only itself and the coarser divisions it meets (a
    département: its région): the finer ones it meets or holds (the Nord's EPCIs) are the
    query's to name (``alternatives``: a place's own containing and straddled divisions),
    which keeps each document to a few tokens instead of a hundred (the index's size and
    build time). A zone of several divisions may hold together what none holds alone:
    its lists are complete."""
    geo = geography()
    if len(divisions) == 1:
        (division,) = divisions
        reached = {division} if division[0] != COMMUNE else set()
        for commune in geo.communes_of(division):
            reached.update(
                d for d in geo.parents[commune] if _FINENESS[d[0]] > _FINENESS[division[0]]
            )
        lists = _empty()
        _fill(lists, reached, set())
        return tuple((field, tuple(codes)) for field, codes in lists.items())
    inside: set[str] = set()
    reached: set[Division] = set()
    for division in divisions:
        communes = geo.communes_of(division)
        inside |= communes
        if division[0] != COMMUNE:
            reached.add(division)  # even when the gazetteer does not know its code
        for commune in communes:
            reached.update(geo.parents[commune])
    covered = {
        division
        for division in reached
        if division in divisions or (inside and geo.communes_of(division) <= inside)
    }
    lists = _empty()
    _fill(lists, reached, covered)
    return tuple((field, tuple(codes)) for field, codes in lists.items())


def _radius_lists(latitude: float, longitude: float, radius_km: float) -> dict[str, list[str]]:
    geo = geography()
    within = {commune.insee for commune in communes_within(latitude, longitude, radius_km)}
    reached = {division for commune in within for division in geo.parents[commune]}
    covered = {division for division in reached if geo.communes_of(division) <= within}
    lists = _empty()
    lists[REACH_FIELDS[COMMUNE]] = sorted(within)
    _fill(lists, reached, covered)
    return lists


def _fill(lists: dict[str, list[str]], reached: set[Division], covered: set[Division]) -> None:
    for kind in (REGION, DEPARTEMENT, EPCI):
        lists[REACH_FIELDS[kind]] = sorted(code for k, code in reached if k == kind)
        lists[COVER_FIELDS[kind]] = sorted(code for k, code in covered if k == kind)


def communes_within(latitude: float, longitude: float, radius_km: float) -> list:
    """Current communes whose position lies within ``radius_km`` of the point."""
    d_lat, d_lon = box_half_sides(latitude, radius_km)
    return [
        commune
        for commune in default_gazetteer()
        if abs(commune.latitude - latitude) <= d_lat
        and abs(commune.longitude - longitude) <= d_lon
        and haversine_km(latitude, longitude, commune.latitude, commune.longitude) <= radius_km
    ]


# --- The query side ---------------------------------------------------------------------


def alternatives(place: Any, cover: str = "any") -> list[tuple[str, str | bool]]:
    """(document field, value) pairs, any one of which in a document means its zone works
    in ``place`` (``cover="any"``) or covers all of it (``cover="all"``).

    ``place`` is a ``search.query.Place``: its kind, code and ``covered_by`` (itself and
    the divisions containing it whole — a zone listing one of them covers it)."""
    found: list[tuple[str, str | bool]] = [("zone_national", True)]
    found += [(ZONE_FIELDS[kind], code) for kind, code in place.covered_by]
    if place.kind == COMMUNE or cover == "any":
        found.append((REACH_FIELDS[place.kind], place.code))
        if place.kind == EPCI:  # a zone listing a département (région) it straddles
            found += [
                (ZONE_FIELDS[kind], code)
                for kind, code in straddled(place.code)
                if (kind, code) not in place.covered_by
            ]
    else:
        found.append((COVER_FIELDS[place.kind], place.code))
    return found


@lru_cache(maxsize=4096)
def straddled(epci: str) -> tuple[Division, ...]:
    """The départements and régions an EPCI has communes in."""
    geo = geography()
    found = {
        d
        for commune in geo.communes_of((EPCI, epci))
        for d in geo.parents[commune]
        if d[0] in (DEPARTEMENT, REGION)
    }
    return tuple(sorted(found))


def holds(document: Mapping[str, Any], field: str, value: str | bool) -> bool:
    """Whether the document has ``value`` in ``field`` (a list, or the national flag)."""
    held = document.get(field)
    if isinstance(value, bool):
        return held is value
    return held is not None and value in held


def covers_all(document: Mapping[str, Any], place: Any) -> bool:
    """Whether the zone of a document that works in ``place`` covers all of it: a commune
    always (whole or not at all); else read from the lists a hit carries (not the radius's
    commune list, which hits leave out)."""
    if place.kind == COMMUNE:
        return True
    return any(holds(document, f, v) for f, v in alternatives(place, "all"))


def listed_kind_meeting(document: Mapping[str, Any], place: Any) -> str | None:
    """The coarsest kind of division the zone lists that meets ``place`` (a reason says
    "zone départementale"), or None when none is known to."""
    geo = geography()
    wanted = geo.communes_of((place.kind, place.code))
    containing = set(place.covered_by)
    for kind in _COARSEST_FIRST:
        for code in document.get(ZONE_FIELDS[kind]) or ():
            if (kind, code) in containing or not wanted.isdisjoint(geo.communes_of((kind, code))):
                return kind
    return None
