"""Why a document matched a query, as data both backends produce the same way."""

from __future__ import annotations

from domain.geo import haversine_km
from search import territory
from search.backend import Document
from search.fields import MINIMUMS
from search.query import SearchQuery
from search.results import Hit, Reason

MAX_MATCHED_TERMS = 5  # the words a text reason names at most


def explain(
    query: SearchQuery,
    document: Document,
    *,
    distance_km: float | None = None,
    matched_terms: tuple[str, ...] = (),
) -> tuple[Reason, ...]:
    """The reasons ``document`` answers ``query``, in the order of the query's criteria."""
    reasons: list[Reason] = []
    if matched_terms:
        reasons.append(Reason("text", ", ".join(matched_terms)))
    wanted_sectors = set(query.sectors)
    for slug, name in zip(document["sectors"], document["sector_names"], strict=True):
        if slug in wanted_sectors:
            reasons.append(Reason("sector", name))
    for group in query.sector_groups:
        if group in document["sector_groups"]:
            reasons.append(Reason("sector_group", group))
    if query.kinds and document["kind"] in query.kinds:
        reasons.append(Reason("kind", document["kind"]))
    reasons.extend(Reason("presta", p) for p in query.presta if p in document["presta"])
    if query.serves:
        reasons.append(Reason("serves", _how_served(query, document)))
    if distance_km is not None and (query.near or query.sort == "distance"):
        reasons.append(Reason("near", f"{distance_km:.1f}"))
    for attribute, field in MINIMUMS.items():
        minimum = getattr(query, attribute)
        if minimum is not None and document[field] is not None:
            reasons.append(Reason(attribute.removeprefix("min_"), str(document[field])))
    reasons.extend(Reason("label", slug) for slug in query.labels if slug in document["labels"])
    reasons.extend(
        Reason("network", slug) for slug in query.networks if slug in document["networks"]
    )
    reasons.extend(
        Reason("reservation", article)
        for article in query.reservations
        if article in document["reservations"]
    )
    return tuple(reasons)


def _how_served(query: SearchQuery, document: Document) -> str:
    """``<extent>:<how>:<place kind>:<place name>``: whether the zone covers ``all`` of the
    place or a ``part`` (search.territory), and what kind of zone works there: ``national``,
    ``radius`` (around its base), or the coarsest kind of division it lists that meets the
    place (``region``, ``departement``, ``epci``, ``commune``; ``divisions`` if unknown)."""
    place = query.serves
    extent = "all" if territory.covers_all(document, place) else "part"
    if document["zone_national"]:
        how = "national"
    elif document.get("zone_radius_km") is not None:
        how = "radius"
    else:
        how = territory.listed_kind_meeting(document, place) or "divisions"
    return f"{extent}:{how}:{place.kind}:{place.name}"


def distance_from_origin(query: SearchQuery, document: Document) -> float | None:
    """Kilometres from the query's origin to the document's base, one decimal (None
    without either)."""
    origin = query.origin
    if origin is None or document["latitude"] is None or document["longitude"] is None:
        return None
    return round(haversine_km(*origin, document["latitude"], document["longitude"]), 1)


def hit_from_document(
    query: SearchQuery,
    document: Document,
    *,
    score: float,
    distance_km: float | None,
    matched_terms: tuple[str, ...] = (),
) -> Hit:
    """A hit as every backend reports it, from the shared document and its reasons."""
    return Hit(
        id=document["id"],
        siret=document["siret"],
        name=document["display_name"],
        kind=document["kind"],
        sectors=tuple(document["sectors"]),
        commune=document["commune_name"],
        departement=document["departement"],
        latitude=document["latitude"],
        longitude=document["longitude"],
        distance_km=distance_km,
        score=score,
        reasons=explain(query, document, distance_km=distance_km, matched_terms=matched_terms),
    )
