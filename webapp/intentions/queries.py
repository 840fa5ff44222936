"""Reading purchase intentions, for the pages and the API: the list's filters from query
parameters, the query they make, the matcher's verdicts as they stand (read without
writing). The API's JSON of an intention is its schema's (webapp.api.intentions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from domain.matching.eligibility import ARTICLES
from domain.matching.match import match
from domain.matching.recommend import RESERVE_LOT, RESERVE_WHOLE
from domain.places import PLACE_KINDS
from domain.text import echoed
from webapp.intentions.services import PUBLIC_STATUSES, place_label
from webapp.matching import staleness
from webapp.matching.facts import purchase_of, sector_names
from webapp.matching.pool import current_pool
from webapp.matching.present import result_json
from webapp.models import (
    Commune,
    Departement,
    IntentionLot,
    MatchRun,
    PurchaseIntention,
    Sector,
)
from webapp.models.intentions import (
    EXTERNAL_ID_MAX,
    SOURCE_MAX,
    intention_sector,
    lot_sector,
)

MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_SECTORS_FILTER = 20
_PLACE = re.compile(rf"({'|'.join(PLACE_KINDS)})(?::([0-9A-Za-z]{{1,12}}))?")
_TRUE, _FALSE = {"1", "true", "on", "yes", "oui"}, {"0", "false", "off", "no", "non", ""}


# --- Reading parameters ----------------------------------------------------------------------


def parse_place(session: Session, value: str) -> tuple[str, str | None] | None:
    """``departement:59``, ``commune:59350``, ``national``… checked against the references."""
    found = _PLACE.fullmatch(value.strip())
    if found is None:
        return None
    kind, code = found.group(1), found.group(2)
    if kind == "national":
        return kind, None
    if code is None or place_label(session, kind, code) is None:
        return None
    return kind, code


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


# --- Filters -------------------------------------------------------------------------------


@dataclass
class Filters:
    sectors: list[str] = field(default_factory=list)
    place: tuple[str, str | None] | None = None
    launch_from: date | None = None
    launch_to: date | None = None
    reservation: str | None = None
    group: bool = False
    source: str | None = None
    external_id: str | None = None
    status: str = "published"
    page: int = 1
    per_page: int = 20


# Problems, by code: English for the API, French (translated) for the pages.
PROBLEMS = {
    "once": "give this parameter once",
    "sector": "unknown sector",
    "place": "expected commune:<INSEE>, epci:<SIREN>, departement:<code>, region:<code> "
    "or national, a place of the reference data",
    "date": "expected a date YYYY-MM-DD",
    "window": "must not be before launch_from",
    "reservation": "expected one of " + ", ".join(ARTICLES),
    "bool": "expected true or false",
    "text": "too long",
    "status": "expected published or closed",
    "integer": "expected a whole number within the allowed range",
    "unknown": "unknown parameter",
}

PAGE_PARAMETERS = (
    "sector",
    "place",
    "launch_from",
    "launch_to",
    "reservation",
    "group",
    "source",
    "page",
)
API_PARAMETERS = (*PAGE_PARAMETERS, "status", "external_id", "per_page")


def parse_filters(
    session: Session, args, known: tuple[str, ...] = PAGE_PARAMETERS
) -> tuple[Filters, dict[str, str]]:
    """The filters of the intention list from query parameters, and the problem code of
    each bad parameter (see ``PROBLEMS``)."""
    filters = Filters()
    errors: dict[str, str] = {}

    def one(name: str) -> str | None:
        values = [v for v in args.getlist(name)]
        if len(values) > 1:
            errors[name] = "once"
            return None
        return values[0] if values else None

    sectors = [s.strip() for v in args.getlist("sector") for s in v.split(",") if s.strip()]
    if sectors:
        known_slugs = set(session.scalars(select(Sector.slug).where(Sector.slug.in_(sectors[:50]))))
        if len(sectors) > MAX_SECTORS_FILTER or any(s not in known_slugs for s in sectors):
            errors["sector"] = "sector"
        filters.sectors = sectors
    if (value := one("place")) not in (None, ""):
        filters.place = parse_place(session, value[:40])
        if filters.place is None:
            errors["place"] = "place"
    for name in ("launch_from", "launch_to"):
        if (value := one(name)) not in (None, ""):
            parsed = parse_date(value[:20])
            if parsed is None:
                errors[name] = "date"
            setattr(filters, name, parsed)
    if filters.launch_from and filters.launch_to and filters.launch_to < filters.launch_from:
        errors["launch_to"] = "window"
    if (value := one("reservation")) not in (None, ""):
        if value in ARTICLES:
            filters.reservation = value
        else:
            errors["reservation"] = "reservation"
    if (value := one("group")) is not None:
        parsed = parse_bool(value[:10])
        if parsed is None:
            errors["group"] = "bool"
        filters.group = bool(parsed)
    for name, limit in (("source", SOURCE_MAX), ("external_id", EXTERNAL_ID_MAX)):
        if name in known and (value := one(name)) not in (None, ""):
            if len(value) > limit:
                errors[name] = "text"
            setattr(filters, name, value.strip())
    if "status" in known and (value := one("status")) not in (None, ""):
        if value in PUBLIC_STATUSES:
            filters.status = value
        else:
            errors["status"] = "status"
    for name, low, high in (("page", 1, MAX_PAGE), ("per_page", 1, MAX_PER_PAGE)):
        if name in known and (value := one(name)) not in (None, ""):
            try:
                number = int(value[:12])
            except ValueError:
                number = None
            if number is None or not low <= number <= high:
                errors[name] = "integer"
            else:
                setattr(filters, name, number)
    for name in sorted(set(args.keys()) - set(known))[:10]:
        errors[echoed(name)] = "unknown"
    return filters, errors


def place_condition(kind: str, code: str | None):
    """Intentions whose place is ``kind``/``code`` or inside it."""
    intention = PurchaseIntention
    if kind == "national":
        return true()
    same = and_(intention.place_kind == kind, intention.place_code == code)
    if kind == "commune":
        return same
    column = {
        "epci": Commune.epci_siren,
        "departement": Commune.departement_code,
        "region": Commune.region_code,
    }[kind]
    conditions = [
        same,
        and_(
            intention.place_kind == "commune",
            intention.place_code.in_(select(Commune.insee).where(column == code)),
        ),
    ]
    if kind in ("departement", "region"):
        conditions.append(
            and_(
                intention.place_kind == "epci",
                intention.place_code.in_(
                    select(Commune.epci_siren).where(
                        column == code, Commune.epci_siren.is_not(None)
                    )
                ),
            )
        )
    if kind == "region":
        conditions.append(
            and_(
                intention.place_kind == "departement",
                intention.place_code.in_(
                    select(Departement.code).where(Departement.region_code == code)
                ),
            )
        )
    return or_(*conditions)


def reachable(result: dict[str, Any], reservation: str | None, group: bool) -> bool:
    """Whether a stored matcher result recommends reserving under ``reservation`` (the
    whole purchase or a lot) and, with ``group``, proposes co-bidding groups."""
    if reservation is not None:
        verdict = (result.get("reservations") or {}).get(reservation) or {}
        if verdict.get("recommendation") not in (RESERVE_WHOLE, RESERVE_LOT):
            return False
    return not group or bool(result.get("groups"))


def filtered_query(session: Session, filters: Filters) -> Select:
    intention = PurchaseIntention
    query = select(intention).where(intention.status == filters.status)
    if filters.sectors:
        ids = select(Sector.id).where(Sector.slug.in_(filters.sectors))
        query = query.where(
            or_(
                exists().where(
                    intention_sector.c.intention_id == intention.id,
                    intention_sector.c.sector_id.in_(ids),
                ),
                exists().where(
                    IntentionLot.intention_id == intention.id,
                    lot_sector.c.lot_id == IntentionLot.id,
                    lot_sector.c.sector_id.in_(ids),
                ),
            )
        )
    if filters.place is not None:
        query = query.where(place_condition(*filters.place))
    if filters.launch_from is not None:
        query = query.where(intention.launch_date >= filters.launch_from)
    if filters.launch_to is not None:
        query = query.where(intention.launch_date <= filters.launch_to)
    if filters.source:
        query = query.where(intention.source == filters.source)
    if filters.external_id:
        query = query.where(intention.external_id == filters.external_id)
    if filters.reservation or filters.group:
        # The stored matcher results say which intentions are reachable (JSON read here,
        # the same on SQLite and PostgreSQL).
        rows = session.execute(
            select(MatchRun.intention_id, MatchRun.result)
            .join(intention, intention.id == MatchRun.intention_id)
            .where(intention.status == filters.status)
        )
        ids = [
            i for i, result in rows if reachable(result or {}, filters.reservation, filters.group)
        ]
        query = query.where(intention.id.in_(ids) if ids else false())
    return query.order_by(
        intention.launch_date.is_(None), intention.launch_date, intention.id
    ).options(
        selectinload(intention.sectors).selectinload(Sector.group),
        selectinload(intention.lots),
    )


# --- The matcher's verdicts -------------------------------------------------------------------


def current_matches(session: Session, intention: PurchaseIntention) -> dict[str, Any]:
    """What the matcher says of ``intention`` now, read without writing: the stored result
    while it is current, else computed afresh and served, not stored. A page or an API read
    is never a write (two readers racing to store one result collided; a GET committed);
    results are stored by the writes (an intention saved, an import, ``flask match run``,
    the digest's refresh of stale ones)."""
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    version = staleness.directory_version(session)  # read once: it scans the whole directory
    if staleness.is_current(session, intention, stored, version):
        return stored.result
    result = match(purchase_of(session, intention), current_pool(session, version))
    return result_json(result, names=sector_names(session))
