"""Purchase intentions, shared by the pages and the API: who may manage one, reading and
checking CPV codes and places, the list's filters, saving (then matching) and the JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import url_for
from sqlalchemy import Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from domain.cpv import CpvError, default_nomenclature, normalise_cpv
from domain.matching.eligibility import ARTICLES
from domain.matching.recommend import RESERVE_LOT, RESERVE_WHOLE
from webapp.models import (
    BuyerOrganisation,
    Commune,
    Departement,
    Epci,
    IntentionLot,
    MatchRun,
    PurchaseIntention,
    Region,
    Sector,
)
from webapp.models.intentions import intention_sector, lot_sector
from webapp.permissions import ADMIN, BUYER, roles_of
from webapp.services import matching

PUBLIC_STATUSES = ("published", "closed")
PLACE_KINDS = ("commune", "epci", "departement", "region", "national")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_SECTORS_FILTER = 20
CPV_FIELD_MAX = 400  # PurchaseIntention.cpv_codes
_PLACE = re.compile(r"(commune|epci|departement|region|national)(?::([0-9A-Za-z]{1,12}))?")
_TRUE, _FALSE = {"1", "true", "on", "yes", "oui"}, {"0", "false", "off", "no", "non", ""}


# --- Who may manage an intention -----------------------------------------------------------


def organisations_of(session: Session, user) -> list[BuyerOrganisation]:
    """The organisations ``user`` may write intentions for (every one for administrators)."""
    roles = roles_of(user)
    if ADMIN in roles:
        return list(session.scalars(select(BuyerOrganisation).order_by(BuyerOrganisation.name)))
    if BUYER not in roles:
        return []
    return sorted((m.organisation for m in user.buyer_memberships), key=lambda o: o.name)


def can_manage_intention(user, intention: PurchaseIntention) -> bool:
    roles = roles_of(user)
    if ADMIN in roles:
        return True
    return BUYER in roles and any(
        m.organisation_id == intention.buyer_organisation_id for m in user.buyer_memberships
    )


def can_view_intention(user, intention: PurchaseIntention) -> bool:
    return intention.status in PUBLIC_STATUSES or can_manage_intention(user, intention)


# --- Checking values -------------------------------------------------------------------------


def parse_cpv(value: str | list | None) -> tuple[list[str], list[str]]:
    """CPV codes (with or without their check digit, separated by spaces, commas or
    semicolons, or given as a list) as 8 digits, and the values that are not CPV codes."""
    if value is None:
        return [], []
    items = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value))
    codes: list[str] = []
    bad: list[str] = []
    for item in items:
        text = str(item).strip() if isinstance(item, str | int) else repr(item)
        if not text:
            continue
        try:
            code = normalise_cpv(text)  # the one rule: a code of the CPV 2008 nomenclature
        except CpvError:
            bad.append(text[:20])
            continue
        if code not in codes:
            codes.append(code)
    return codes, bad


def place_label(session: Session, kind: str, code: str | None) -> str | None:
    """The name of the place ``kind``/``code`` in the reference tables, None if unknown."""
    if kind == "national":
        return "France"
    if not code:
        return None
    model = {"commune": Commune, "epci": Epci, "departement": Departement, "region": Region}.get(
        kind
    )
    row = session.get(model, code) if model is not None else None
    if row is None:
        return None
    if kind == "commune":
        return f"{row.name} ({row.departement_code})"
    if kind == "departement":
        return f"{row.name} ({row.code})"
    return row.name


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
        return values[0].replace("\x00", "") if values else None

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
    for name, limit in (("source", 40), ("external_id", 120)):
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
        errors[name.replace("\x00", "")[:40]] = "unknown"
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


# --- Saving ----------------------------------------------------------------------------------


@dataclass
class LotData:
    title: str
    amount: int | None
    sectors: list[Sector]


@dataclass
class IntentionData:
    """What a buyer gives for an intention, checked (by the form or the API)."""

    title: str
    description: str | None
    cpv_codes: list[str]
    sectors: list[Sector]
    lots: list[LotData]
    place_kind: str
    place_code: str | None
    amount_total: int | None
    amount_per_year: int | None
    duration_months: int | None
    launch_date: date | None
    social_consideration: str


def apply(
    session: Session,
    intention: PurchaseIntention,
    data: IntentionData,
    organisation: BuyerOrganisation,
) -> None:
    """Write ``data`` onto ``intention`` (the buyer's details come from ``organisation``)
    and add it to ``session``."""
    with session.no_autoflush:
        label = place_label(session, data.place_kind, data.place_code)
        intention.title = data.title
        intention.description = data.description
        intention.cpv_codes = " ".join(data.cpv_codes)
        intention.sectors = list(data.sectors)
        intention.place_kind = data.place_kind
        intention.place_code = None if data.place_kind == "national" else data.place_code
        intention.place_label = label
        intention.amount_total = data.amount_total
        intention.amount_per_year = data.amount_per_year
        intention.duration_months = data.duration_months
        intention.launch_date = data.launch_date
        intention.social_consideration = data.social_consideration
        intention.buyer_organisation_id = organisation.id
        intention.organisation = organisation
        intention.buyer_name = organisation.name
        intention.buyer_siret = organisation.siret
        intention.buyer_type = organisation.buyer_type
        intention.updated_at = datetime.now(UTC)
    session.add(intention)
    if intention.lots:
        intention.lots.clear()
        session.flush()  # the old lots out before their numbers are reused
    for number, lot in enumerate(data.lots, start=1):
        intention.lots.append(
            IntentionLot(
                number=number, title=lot.title, amount=lot.amount, sectors=list(lot.sectors)
            )
        )


def set_status(intention: PurchaseIntention, status: str) -> None:
    intention.status = status
    if status == "published" and intention.published_at is None:
        intention.published_at = datetime.now(UTC)
    intention.updated_at = datetime.now(UTC)


def rematch(session: Session, intention: PurchaseIntention) -> None:
    """Store a current matcher result for ``intention``, then commit."""
    session.flush()
    matching.run(session, intention)
    session.commit()


# --- JSON -------------------------------------------------------------------------------------


def cpv_entries(codes: list[str]) -> list[dict[str, str | None]]:
    """Each code with its label in the CPV 2008 nomenclature (None for a code stored
    before the nomenclature was checked)."""
    nomenclature = default_nomenclature()
    return [{"code": code, "label": nomenclature.label(code)} for code in codes]


def intention_json(intention: PurchaseIntention) -> dict[str, Any]:
    return {
        "id": intention.id,
        "title": intention.title,
        "description": intention.description,
        "cpv_codes": intention.cpv_list,
        "cpv": cpv_entries(intention.cpv_list),
        "sectors": [
            {"slug": s.slug, "name": s.name, "group": s.group.slug} for s in intention.sectors
        ],
        "lots": [
            {
                "number": lot.number,
                "title": lot.title,
                "amount": lot.amount,
                "sectors": [s.slug for s in lot.sectors],
            }
            for lot in intention.lots
        ],
        "place": {
            "kind": intention.place_kind,
            "code": intention.place_code,
            "label": intention.place_label,
        },
        "amount_total": intention.amount_total,
        "amount_per_year": intention.amount_per_year,
        "duration_months": intention.duration_months,
        "launch_date": intention.launch_date.isoformat() if intention.launch_date else None,
        "buyer": {
            "name": intention.buyer_name,
            "siret": intention.buyer_siret,
            "type": intention.buyer_type,
        },
        "social_consideration": intention.social_consideration,
        "status": intention.status,
        "forecast": intention.forecast,
        "source": intention.source,
        "external_id": intention.external_id,
        "published_at": _iso(intention.published_at),
        "updated_at": _iso(intention.updated_at),
        "url": url_for("intentions.intention", intention_id=intention.id, _external=True),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
