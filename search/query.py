"""One query model for every search backend, and its parsing from request arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from domain.kinds import KIND_CODES, KINDS, PRESTA_TYPES, Family
from domain.places import DIVISION_KINDS
from domain.reservations import SEARCH_ARTICLES
from domain.text import clean_text, echoed

SORTS = ("relevance", "distance", "name")
FACETS = ("kind", "sector_group", "sector", "departement", "label", "network")
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "insertion": tuple(k.code for k in KINDS if k.family == Family.INSERTION),
    "disability": tuple(k.code for k in KINDS if k.family == Family.DISABILITY),
    "ess": ("ESS",),
}
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_TEXT = 200  # characters of free text kept: enough for any real query
DEFAULT_RADIUS_KM = 30
MAX_RADIUS_KM = 1000
# What ``serves`` asks of a zone (DESIGN.md, Territory): that it works in the place, i.e.
# meets it ("any", the default), or that it covers all of it ("all", the strict reading).
COVERS = ("any", "all")


@dataclass(frozen=True)
class Place:
    """A division of France resolved from its code, as a search needs it.

    ``covered_by`` lists the (division_type, code) pairs whose presence in a zone means
    the zone covers this place: the place itself and the divisions containing it whole.
    ``bbox`` is (south, west, north, east) over its communes' positions.
    """

    kind: str
    code: str
    name: str
    latitude: float
    longitude: float
    covered_by: tuple[tuple[str, str], ...]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    label: str


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    sectors: tuple[str, ...] = ()  # sector slugs
    sector_groups: tuple[str, ...] = ()  # sector group slugs
    kinds: tuple[str, ...] = ()  # kind codes, groups already expanded
    presta: tuple[str, ...] = ()
    serves: Place | None = None
    cover: str = "any"  # one of COVERS: how much of ``serves`` the zone must hold
    near: Point | None = None
    radius_km: float | None = None  # with ``near``: only enterprises based within it
    min_employees: int | None = None
    min_turnover: int | None = None
    min_contract: int | None = None
    labels: tuple[str, ...] = ()  # label slugs
    networks: tuple[str, ...] = ()  # network slugs
    reservations: tuple[str, ...] = ()  # articles, e.g. "L2113-13"
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: tuple[str, ...] = FACETS

    @property
    def origin(self) -> tuple[float, float] | None:
        """The point distances are measured from: ``near``, else the served place."""
        if self.near:
            return self.near.latitude, self.near.longitude
        if self.serves:
            return self.serves.latitude, self.serves.longitude
        return None


class QueryError(ValueError):
    """Bad parameters: ``errors`` maps each parameter to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class PlaceDirectory:
    """What query parsing needs to know of places and vocabularies (implemented over the
    database in ``webapp.indexing.places``; a plain object in tests)."""

    def place(self, kind: str, code: str) -> Place | None:  # pragma: no cover - interface
        raise NotImplementedError

    def locate(self, text: str) -> Point | None:  # pragma: no cover - interface
        """A free-text address ("59000 Lille", "Romainville") to a point, or None."""
        raise NotImplementedError

    def known(self, vocabulary: str) -> frozenset[str]:  # pragma: no cover - interface
        """Valid slugs of ``sector``, ``sector_group``, ``label`` or ``network``."""
        raise NotImplementedError


KNOWN_PARAMETERS = frozenset(
    {
        "q",
        "sector",
        "sector_group",
        "kind",
        "presta",
        "serves",
        "cover",
        "near",
        "radius_km",
        "min_employees",
        "min_turnover",
        "min_contract",
        "label",
        "network",
        "reservation",
        "sort",
        "page",
        "per_page",
    }
)
_CODE = {
    "commune": re.compile(r"(?:[0-9][0-9AB]|2[AB])[0-9]{3}"),
    "epci": re.compile(r"[0-9]{9}"),
    "departement": re.compile(r"[0-9]{2,3}|2[AB]"),
    "region": re.compile(r"[0-9]{2}"),
}


def parse_query(args: Mapping, places: PlaceDirectory, *, strict: bool = True) -> SearchQuery:
    """A ``SearchQuery`` from request arguments (a ``MultiDict``: list parameters repeat).

    Every problem is collected and raised at once as a ``QueryError``; with ``strict``,
    unknown parameters are errors too (the API), the pages ignore them.
    """
    errors: dict[str, str] = {}
    raw_values = (
        args.getlist if hasattr(args, "getlist") else lambda k: [args[k]] if k in args else []
    )

    def getlist(name: str) -> list[str]:
        # Requests come cleaned (webapp.input_cleaning); code calls this too (saved
        # searches, scripts), so the engine cleans what it reads with the same rule.
        return [clean_text(str(raw)) for raw in raw_values(name)]

    def values(name: str) -> tuple[str, ...]:
        found = []
        for raw in getlist(name):
            found.extend(part.strip() for part in str(raw).split(",") if part.strip())
        return tuple(dict.fromkeys(found))

    def single(name: str) -> str | None:
        given = [str(v).strip() for v in getlist(name) if str(v).strip()]
        if len(given) > 1:
            errors[name] = "give this parameter once"
        return given[0] if given else None

    def number(name: str, kind=int, minimum=0, maximum=None):
        raw = single(name)
        if raw is None:
            return None
        try:
            value = kind(raw.replace(",", ".").replace(" ", ""))
        except ValueError:
            errors[name] = "must be a number"
            return None
        if value != value or value < minimum or (maximum is not None and value > maximum):
            errors[name] = (
                f"must be between {minimum} and {maximum}"
                if maximum
                else f"must be at least {minimum}"
            )
            return None
        return value

    def vocabulary(name: str, known: frozenset[str]) -> tuple[str, ...]:
        given = values(name)
        unknown = [v for v in given if v not in known]
        if unknown:
            errors[name] = f"unknown value(s): {', '.join(echoed(v) for v in unknown[:5])}"
        return tuple(v for v in given if v in known)

    if strict:
        unknown = sorted(clean_text(str(k)) for k in set(args.keys()) - KNOWN_PARAMETERS)
        if unknown:
            errors["_"] = f"unknown parameter(s): {', '.join(echoed(u) for u in unknown[:5])}"

    text = (single("q") or "")[:MAX_TEXT]
    kinds: list[str] = []
    bad_kinds = []
    for value in values("kind"):
        if value.upper() in KIND_CODES:
            kinds.append(value.upper())
        elif value.lower() in KIND_GROUPS:
            kinds.extend(KIND_GROUPS[value.lower()])
        else:
            bad_kinds.append(value)
    if bad_kinds:
        errors["kind"] = (
            f"unknown value(s): {', '.join(echoed(v) for v in bad_kinds[:5])} "
            f"(codes {', '.join(KIND_CODES)} or groups {', '.join(KIND_GROUPS)})"
        )

    presta = vocabulary("presta", frozenset(PRESTA_TYPES))
    reservations = tuple(v.upper() for v in values("reservation"))
    bad = [r for r in reservations if r not in SEARCH_ARTICLES]
    if bad:
        errors["reservation"] = (
            f"unknown article(s): {', '.join(echoed(v) for v in bad)} "
            f"(expected {', '.join(SEARCH_ARTICLES)})"
        )

    serves = None
    raw_serves = single("serves")
    if raw_serves:
        serves = _place(raw_serves, places, errors)
    cover = (single("cover") or "any").lower()
    if cover not in COVERS:
        errors["cover"] = f"must be one of {', '.join(COVERS)}"
    elif cover == "all" and raw_serves is None:
        errors["cover"] = "needs serves"

    near = None
    raw_near = single("near")
    if raw_near:
        near = _near(raw_near, places, errors)
    radius = number("radius_km", float, minimum=0.1, maximum=MAX_RADIUS_KM)
    if radius is not None and raw_near is None:
        errors["radius_km"] = "needs near"
    if near and radius is None and "radius_km" not in errors:
        radius = DEFAULT_RADIUS_KM

    sort = single("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = f"must be one of {', '.join(SORTS)}"
    elif sort == "distance" and near is None and serves is None and not (raw_near or raw_serves):
        errors["sort"] = "distance needs near or serves"

    query = SearchQuery(
        text=text,
        sectors=vocabulary("sector", places.known("sector")),
        sector_groups=vocabulary("sector_group", places.known("sector_group")),
        kinds=tuple(dict.fromkeys(kinds)),
        presta=presta,
        serves=serves,
        cover=cover if cover in COVERS else "any",
        near=near,
        radius_km=radius,
        min_employees=number("min_employees", maximum=10**6),
        min_turnover=number("min_turnover", maximum=10**12),
        min_contract=number("min_contract", maximum=10**12),
        labels=vocabulary("label", places.known("label")),
        networks=vocabulary("network", places.known("network")),
        reservations=tuple(r for r in reservations if r in SEARCH_ARTICLES),
        sort=sort if sort in SORTS else "relevance",
        page=number("page", minimum=1, maximum=MAX_PAGE) or 1,
        per_page=number("per_page", minimum=1, maximum=MAX_PER_PAGE) or 20,
    )
    if errors:
        raise QueryError(errors)
    return query


def _place(
    raw: str, places: PlaceDirectory, errors: dict[str, str], parameter: str = "serves"
) -> Place | None:
    kind, sep, code = raw.partition(":")
    kind, code = kind.strip().lower(), code.strip().upper()
    if not sep or kind not in DIVISION_KINDS:
        errors[parameter] = f"expected one of {', '.join(k + ':<code>' for k in DIVISION_KINDS)}"
        return None
    if not _CODE[kind].fullmatch(code):
        errors[parameter] = f"malformed {kind} code {echoed(code)!r}"
        return None
    place = places.place(kind, code)
    if place is None:
        errors[parameter] = f"no {kind} with code {code}"
    return place


def _near(raw: str, places: PlaceDirectory, errors: dict[str, str]) -> Point | None:
    kind, sep, code = raw.partition(":")
    if sep and kind.strip().lower() in DIVISION_KINDS:
        place = _place(raw, places, errors, "near")
        return Point(place.latitude, place.longitude, place.name) if place else None
    point = places.locate(raw[:MAX_TEXT])
    if point is None:
        errors["near"] = f"no place found for {echoed(raw)!r}"
    return point
