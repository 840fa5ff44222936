"""Rows of the database turned into the plain facts of ``domain.matching``: places of
execution, purchases (intentions and their lots), suppliers (active enterprises with
their zones, claims and track record), and the reference data they name (sector names).

Places and sector names come from the reference tables, which change only with
``flask import reference``: each application keeps them in a ``ReferenceCache``
(``init_app``), per database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from weakref import WeakKeyDictionary

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from domain.completeness import completeness_score, facts_of
from domain.matching.facts import Award, Place, Purchase, SectorClaim, Supplier, Zone
from domain.matching.nature import purchase_nature
from domain.matching.rules import load_rules
from domain.matching.territory import representative_points
from domain.places import NATIONAL
from importers.cpv import CpvError, sectors_for_cpv
from webapp.indexing.documents import radius_reach
from webapp.indexing.records import load_records
from webapp.models import (
    Commune,
    ContractAward,
    Departement,
    Enterprise,
    Epci,
    IntentionLot,
    PurchaseIntention,
    Region,
    Sector,
)

REFERENCE_EXTENSION = "matching.reference"
PLACES_KEPT = 10_000  # places cached per database before the cache starts afresh
_DIVISION_KEYS = {
    "region": "zone_reach_regions",
    "departement": "zone_reach_departements",
    "epci": "zone_reach_epcis",
    "commune": "zone_reach_communes",
}


# --- Reference data ---------------------------------------------------------------------


def engine_of(session: Session):
    """The engine the session reads: the key of what is kept per database (a test's
    session bound to one connection keys by that connection's engine)."""
    bind = session.get_bind()
    return getattr(bind, "engine", bind)


class ReferenceCache:
    """Places and sector names read once per database. A place of a région lists
    thousands of communes and caches what the matcher derives from them on itself: the
    same object served to every match of that place spares both."""

    def __init__(self) -> None:
        self._places: WeakKeyDictionary = WeakKeyDictionary()  # engine -> {(kind, code): Place}
        self._names: WeakKeyDictionary = WeakKeyDictionary()  # engine -> {slug: name}

    def place(self, session: Session, kind: str, code: str | None) -> Place:
        """``read_place``, once per database (a bounded number kept)."""
        places = self._places.setdefault(engine_of(session), {})
        if (kind, code) not in places:
            if len(places) > PLACES_KEPT:
                places.clear()
            places[kind, code] = read_place(session, kind, code)
        return places[kind, code]

    def sector_names(self, session: Session) -> dict[str, str]:
        """Sector names by slug, once per database."""
        engine = engine_of(session)
        if engine not in self._names:
            self._names[engine] = dict(session.execute(select(Sector.slug, Sector.name)).all())
        return self._names[engine]

    def clear(self) -> None:
        """Forget what was read (after the reference tables were loaded again)."""
        self._places.clear()
        self._names.clear()


def init_app(app: Flask) -> None:
    """Give ``app`` its own reference cache."""
    app.extensions[REFERENCE_EXTENSION] = ReferenceCache()


def reference_cache(app: Flask | None = None) -> ReferenceCache:
    """The reference cache of ``app`` (by default the current application)."""
    return (app or current_app).extensions[REFERENCE_EXTENSION]


def sector_names(session: Session) -> dict[str, str]:
    """Sector names by slug (reference data: read once per database)."""
    return reference_cache().sector_names(session)


# --- Places -----------------------------------------------------------------------------


def place_of(session: Session, kind: str, code: str | None) -> Place:
    """The place of execution with what holds it and, if larger than a commune, its
    communes (for groups whose zones serve it together). Cached per database."""
    return reference_cache().place(session, kind, code)


def read_place(session: Session, kind: str, code: str | None) -> Place:
    """``place_of`` read from the reference tables (uncached)."""
    if kind == NATIONAL or not code:
        return Place(NATIONAL, "FR", "France", 46.6, 2.4, ((NATIONAL, "FR"),))
    if kind == "commune":
        commune = session.get(Commune, code)
        if commune is None:
            return Place(kind, code, code)
        covered = [
            ("commune", code),
            ("departement", commune.departement_code),
            ("region", commune.region_code),
        ]
        if commune.epci_siren:
            covered.insert(1, ("epci", commune.epci_siren))
        points = ((commune.latitude, commune.longitude),) if commune.latitude is not None else ()
        return Place(
            kind,
            code,
            commune.name,
            commune.latitude,
            commune.longitude,
            tuple(covered),
            points=points,
        )
    model, column = {
        "epci": (Epci, Commune.epci_siren),
        "departement": (Departement, Commune.departement_code),
        "region": (Region, Commune.region_code),
    }[kind]
    division = session.get(model, code)
    rows = session.execute(
        select(
            Commune.insee,
            Commune.epci_siren,
            Commune.departement_code,
            Commune.region_code,
            Commune.latitude,
            Commune.longitude,
        )
        .where(column == code)
        .order_by(Commune.insee)
    ).all()
    covered = [(kind, code)]
    regions = sorted({r.region_code for r in rows})
    if kind == "departement" or (kind == "epci" and len({r.departement_code for r in rows}) == 1):
        if kind == "epci" and rows:
            covered.append(("departement", rows[0].departement_code))
        covered += [("region", region) for region in regions[:1]]
    located = [r for r in rows if r.latitude is not None]
    proximity = load_rules()["proximity"]
    latitude = sum(r.latitude for r in located) / len(located) if located else None
    longitude = sum(r.longitude for r in located) / len(located) if located else None
    return Place(
        kind,
        code,
        division.name if division is not None else code,
        latitude,
        longitude,
        tuple(covered),
        tuple((r.insee, r.epci_siren, r.departement_code) for r in rows),
        representative_points(
            [(r.latitude, r.longitude) for r in located],
            proximity["grid_degrees"],
            proximity["max_points"],
        ),
    )


# --- Purchases --------------------------------------------------------------------------


def intentions_query():
    """Intentions with what ``purchase_of`` reads, loaded up front."""
    return select(PurchaseIntention).options(
        selectinload(PurchaseIntention.sectors).selectinload(Sector.group),
        selectinload(PurchaseIntention.lots)
        .selectinload(IntentionLot.sectors)
        .selectinload(Sector.group),
    )


def purchase_of(session: Session, intention: PurchaseIntention) -> Purchase:
    """The intention as the matcher reads it, each lot a purchase of its own."""
    place = place_of(session, intention.place_kind, intention.place_code)
    lots = tuple(
        Purchase(
            key=f"intention:{intention.id}/lot:{lot.number}",
            title=lot.title,
            sectors=_sector_pairs(lot.sectors),
            place=place,
            total_amount=lot.amount,
            duration_months=intention.duration_months,
            buyer_type=intention.buyer_type,
            cpv=tuple(intention.cpv_list),
            launch=intention.launch_date,
            lot=f"Lot {lot.number} : {lot.title}",
            nature=purchase_nature(tuple(intention.cpv_list), f"{intention.title} {lot.title}"),
        )
        for lot in intention.lots
    )
    sectors = _sector_pairs(intention.sectors) or tuple(
        dict.fromkeys(pair for lot in lots for pair in lot.sectors)
    )
    cpv = tuple(intention.cpv_list)
    return Purchase(
        key=f"intention:{intention.id}",
        nature=purchase_nature(cpv, intention.title),
        title=intention.title,
        sectors=sectors,
        place=place,
        annual_amount=intention.amount_per_year,
        total_amount=intention.amount_total,
        duration_months=intention.duration_months,
        buyer_type=intention.buyer_type,
        cpv=tuple(intention.cpv_list),
        launch=intention.launch_date,
        lots=lots,
    )


def _sector_pairs(sectors: Iterable[Sector]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((s.slug, s.group.slug) for s in sectors))


# --- Suppliers --------------------------------------------------------------------------


def suppliers(session: Session, ids: list[int] | None = None, batch: int = 5000) -> list[Supplier]:
    """Every active enterprise (or those of ``ids`` still active) as the matcher sees it,
    in id order. Read as plain SQL rows (``webapp.indexing.records``): at 200,000
    enterprises the ORM objects with their relations cost over a minute and a half."""
    everyone = ids is None
    if everyone:
        ids = list(
            session.scalars(
                select(Enterprise.id).where(Enterprise.status == "active").order_by(Enterprise.id)
            )
        )
    awards = track_records(session, None if everyone else ids)
    pool = []
    for start in range(0, len(ids), batch):
        for record in load_records(session, ids[start : start + batch]):
            if record.status == "active":
                pool.append(supplier_of(record, tuple(awards.get(record.id, ()))))
    return pool


def track_records(session: Session, ids: list[int] | None = None) -> dict[int, list[Award]]:
    """The track record: awards by enterprise id (of ``ids`` if given)."""
    column = ContractAward.__table__.c.enterprise_id
    if ids is None:
        return _awards_where(session, column.is_not(None))
    awards: dict[int, list[Award]] = {}
    for start in range(0, len(ids), 500):
        awards.update(_awards_where(session, column.in_(ids[start : start + 500])))
    return awards


def _awards_where(session: Session, condition) -> dict[int, list[Award]]:
    awards: dict[int, list[Award]] = {}
    table = ContractAward.__table__
    rows = session.execute(
        select(
            table.c.enterprise_id,
            table.c.notified_on,
            table.c.amount,
            table.c.cpv,
            table.c.reservation,
            table.c.buyer_siret,
        )
        .where(condition)
        .order_by(table.c.id)
    )
    sectors_of = _award_sectors(session)
    for enterprise_id, notified, amount, cpv, reservation, buyer in rows:
        awards.setdefault(enterprise_id, []).append(
            Award(
                notified,
                amount,
                cpv,
                sectors_of(cpv),
                reservation=reservation,
                buyer_siret=buyer,
            )
        )
    return awards


def _award_sectors(session: Session) -> Callable[[str | None], frozenset[str]]:
    """The sector a contract won reveals: the best of its CPV code (as a purchase's, the
    mapping of ``data/mappings/cpv_sectors.csv``), by slug — the track record the matcher
    counts as evidence ("d'après ses marchés publics remportés")."""
    slugs = dict(session.execute(select(Sector.name, Sector.slug)).all())

    @lru_cache(maxsize=4096)
    def sectors_of(cpv: str | None) -> frozenset[str]:
        if not cpv:
            return frozenset()
        try:
            found = sectors_for_cpv(cpv)
        except CpvError:
            return frozenset()
        return frozenset({slugs[found[0][0]]}) if found and found[0][0] in slugs else frozenset()

    return sectors_of


def supplier_of(enterprise, awards: tuple[Award, ...] = ()) -> Supplier:
    """``enterprise``: a model or a record of ``webapp.indexing.records`` (the same attributes)."""
    capacity = enterprise.capacity
    return Supplier(
        siret=enterprise.siret,
        name=enterprise.display_name,
        kind=enterprise.kind,
        ess_status=enterprise.ess_status,
        sectors=tuple(  # by sector: the same order whichever way the rows were read
            sorted(
                (
                    _claim(
                        row.sector.slug,
                        row.sector.group.slug,
                        row.status,
                        row.source,
                        row.confidence,
                    )
                    for row in enterprise.sectors
                    if row.status != "rejected"
                ),
                key=lambda claim: claim.sector,
            )
        ),
        zone=zone_of(enterprise),
        latitude=enterprise.latitude,
        longitude=enterprise.longitude,
        turnover=capacity.turnover_eur if capacity else None,
        largest_contract=capacity.largest_contract_eur if capacity else None,
        headcount=capacity.headcount_total if capacity else None,
        completeness=completeness_score(facts_of(enterprise)),
        networks=frozenset(n.slug for n in enterprise.networks),
        awards=awards,
        departement=enterprise.departement_code,
        ref=enterprise.id,
        commune=enterprise.commune_insee,
    )


# Facts shared by many suppliers are made once (immutable values, whatever the database):
# at 200,000 enterprises, most zones are one département and most claims the same few
# hundred sectors.
@lru_cache(maxsize=65536)
def _claim(sector: str, group: str, status: str, source: str, confidence: float) -> SectorClaim:
    return SectorClaim(sector, group, status, source, confidence)


@lru_cache(maxsize=65536)
def _divisions_zone(divisions: tuple[tuple[str, str], ...], declared: bool) -> Zone:
    return Zone("divisions", frozenset(divisions), declared=declared)


def zone_of(enterprise: Enterprise) -> Zone:
    """The enterprise's intervention zone as the matcher reads it (none if unknown)."""
    zone = enterprise.zone
    if zone is None:
        return Zone("none")
    declared = not zone.derived
    if zone.kind == "national":
        return Zone(NATIONAL, declared=declared)
    if zone.kind == "divisions":
        return _divisions_zone(tuple((d.division_type, d.code) for d in zone.divisions), declared)
    reach = radius_reach(enterprise)
    return Zone(
        "radius",
        radius_km=zone.radius_km,
        reach=frozenset(
            (kind, code) for kind, key in _DIVISION_KEYS.items() for code in reach[key]
        ),
        declared=declared,
    )
