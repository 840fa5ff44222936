"""Running the matcher on the database: enterprises and intentions turned into the plain
facts of ``domain.matching``, results stored (``MatchRun`` as the API serves them,
``MatchCandidate`` per enterprise for dashboards and digests) and kept current."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, String, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.completeness import completeness_score, facts_of
from domain.matching.evaluate import evaluate
from domain.matching.facts import (
    NATIONAL,
    Award,
    Place,
    Purchase,
    SectorClaim,
    Supplier,
    Zone,
)
from domain.matching.match import MatchResult, match
from domain.matching.nature import purchase_nature
from domain.matching.rules import load_rules
from domain.matching.table import SupplierTable
from domain.matching.territory import divisions_inside, representative_points, touches
from domain.matching.texts import Text
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
    MatchCandidate,
    MatchRun,
    PurchaseIntention,
    Region,
    Sector,
)

SUPPLIERS_IN_RESULT = 100  # the API gives at least the first 100 by default
_DIVISION_KEYS = {
    "region": "zone_reach_regions",
    "departement": "zone_reach_departements",
    "epci": "zone_reach_epcis",
    "commune": "zone_reach_communes",
}


# --- Facts ------------------------------------------------------------------------------


# In-memory caches, per database (its engine): places and sector names read from the
# reference tables, which change only with `flask import reference`; the supplier pool.
_PLACES: WeakKeyDictionary = WeakKeyDictionary()  # engine -> {(kind, code): Place}
_SECTOR_NAMES: WeakKeyDictionary = WeakKeyDictionary()  # engine -> {slug: name}


def _engine(session: Session):
    """The engine the session reads (the key of the in-memory caches)."""
    bind = session.get_bind()
    return getattr(bind, "engine", bind)


def place_of(session: Session, kind: str, code: str | None) -> Place:
    """The place of execution with what holds it and, if larger than a commune, its
    communes (for groups whose zones serve it together). Cached per database."""
    places = _PLACES.setdefault(_engine(session), {})
    if (kind, code) not in places:
        if len(places) > 10_000:
            places.clear()
        places[kind, code] = _read_place(session, kind, code)
    return places[kind, code]


def _read_place(session: Session, kind: str, code: str | None) -> Place:
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


def purchase_of(session: Session, intention: PurchaseIntention) -> Purchase:
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
    awards = _awards(session, None if everyone else ids)
    pool = []
    for start in range(0, len(ids), batch):
        for record in load_records(session, ids[start : start + batch]):
            if record.status == "active":
                pool.append(supplier_of(record, tuple(awards.get(record.id, ()))))
    return pool


def _awards(session: Session, ids: list[int] | None = None) -> dict[int, list[Award]]:
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


# Facts shared by many suppliers are made once (immutable): at 200,000 enterprises, most
# zones are one département and most claims the same few hundred sectors.
@lru_cache(maxsize=65536)
def _claim(sector: str, group: str, status: str, source: str, confidence: float) -> SectorClaim:
    return SectorClaim(sector, group, status, source, confidence)


@lru_cache(maxsize=65536)
def _divisions_zone(divisions: tuple[tuple[str, str], ...], declared: bool) -> Zone:
    return Zone("divisions", frozenset(divisions), declared=declared)


def zone_of(enterprise: Enterprise) -> Zone:
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


# --- Runs -------------------------------------------------------------------------------


# The matcher's view of every enterprise, kept in memory: reading it costs ~1 s for the
# 3,800 enterprises of the snapshot and ~20 s at 200,000, which a page view must not pay.
# After a change only the enterprises changed since are read again.
@dataclass(frozen=True)
class _Pool:
    version: str  # ``directory_version`` when read
    stamps: dict[int, str]  # active enterprise id -> its update stamp when read
    positions: dict[int, int]  # enterprise id -> position in the table (alive or not)
    table: SupplierTable


_POOLS: WeakKeyDictionary = WeakKeyDictionary()  # engine -> _Pool


def current_pool(session: Session, version: str | None = None) -> SupplierTable:
    """The suppliers of the database as it is now, as a table. After a change, the
    enterprises whose update stamp differs from the one read (edited, created, closed,
    re-opened, deleted — whatever the order their transactions committed in) are read
    again and the table updated; a change to the track record reads everything again.
    ``version``: ``directory_version`` if the caller has just read it."""
    version = version or directory_version(session)
    engine = _engine(session)
    cached = _POOLS.get(engine)
    if cached is not None and cached.version == version:
        return cached.table
    stamps = _stamps(session)
    if cached is None or _awards_part(cached.version) != _awards_part(version):
        table = SupplierTable(suppliers(session))
        positions = {int(ref): p for p, ref in enumerate(table.ref.tolist())}
    else:
        table, positions = _refreshed(session, cached, stamps)
    table.tag = version
    _POOLS[engine] = _Pool(version, stamps, positions, table)
    return table


def directory_version(session: Session) -> str:
    """What changes when an enterprise or the track record does: active enterprises,
    highest id, latest update, a checksum of every update stamp (an edit committed after a
    later one moves no maximum); then the awards: how many, highest id, how many linked
    to an enterprise and to which (a sum), how many reserved. A stored match computed on
    another version is stale."""
    stamp = Enterprise.updated_at
    if session.get_bind().dialect.name == "sqlite":  # stamps are text: milliseconds of day
        checksum = func.sum(cast(func.julianday(stamp) * 86_400_000, BigInteger) % 86_400_000)
    else:
        checksum = func.sum(func.extract("epoch", stamp))
    enterprises = session.execute(
        select(
            func.count(Enterprise.id).filter(Enterprise.status == "active"),
            func.max(Enterprise.id),
            func.max(stamp),
            checksum,
        )
    ).one()
    awards = session.execute(
        select(
            func.count(ContractAward.id),
            func.max(ContractAward.id),
            func.count(ContractAward.enterprise_id),
            func.sum(ContractAward.enterprise_id),
            func.count(ContractAward.reservation),
        )
    ).one()
    return "|".join(str(value) for value in (*enterprises, *awards))


def _awards_part(version: str) -> list[str]:
    return version.split("|")[4:]


def _stamps(session: Session) -> dict[int, str]:
    """Every active enterprise's update stamp, as text (only compared: 200,000 timestamps
    parsed into datetimes cost a second on PostgreSQL), through the session's connection
    (Core rows: half the time of the ORM's result at 200,000)."""
    return dict(
        session.connection()
        .execute(
            select(Enterprise.id, cast(Enterprise.updated_at, String)).where(
                Enterprise.status == "active"
            )
        )
        .all()
    )


def _refreshed(
    session: Session, cached: _Pool, stamps: dict[int, str]
) -> tuple[SupplierTable, dict[int, int]]:
    """The cached table with the enterprises whose stamp changed read again, the new ones
    added, those no longer active removed; and the positions."""
    changed = [key for key, stamp in stamps.items() if cached.stamps.get(key) != stamp]
    fresh = {supplier.ref: supplier for supplier in suppliers(session, changed)}
    positions = dict(cached.positions)
    replaced = {positions[key]: fresh.get(key) for key in changed if key in positions}
    replaced.update(
        (positions[key], None) for key in cached.stamps if key not in stamps and key in positions
    )
    added = [fresh[key] for key in changed if key not in positions and key in fresh]
    for offset, supplier in enumerate(added):
        positions[supplier.ref] = cached.table.size + offset
    return cached.table.updated(replaced, added), positions


def run(
    session: Session, intention: PurchaseIntention, table: SupplierTable | None = None
) -> MatchRun:
    """Match ``intention`` and store the result (replacing the previous one); against
    ``table`` if given (matching many intentions), else the current pool."""
    table = table if table is not None else current_pool(session)
    result = match(purchase_of(session, intention), table)
    shown = result_json(result, names=sector_names(session))  # before the row: no autoflush
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    if stored is None:
        stored = MatchRun(intention_id=intention.id)
        session.add(stored)
    stored.computed_at = datetime.now(UTC)
    stored.rules_version = result.rules_version
    stored.directory_version = table.tag
    stored.result = shown
    _store_candidates(session, intention, result)
    return stored


def _store_candidates(session: Session, intention: PurchaseIntention, result: MatchResult):
    """One row per enterprise answering alone or in a group; rows already notified keep
    their date (a digest reports an enterprise's opportunity once)."""
    # Only what changed is written, with Core statements: at 200,000 enterprises an
    # intention may have thousands of candidates, and a re-run after one enterprise changed
    # alters few of them (row-by-row ORM upserts made storing the slowest part of a run).
    ranking = result.ranking
    rows, scores, articles = ranking.answering_columns()
    joined = {combination: " ".join(combination) for combination in set(articles)}
    wanted = {
        ref: (score, True, joined[combination])
        for ref, score, combination in zip(
            ranking.refs[rows].tolist(), scores, articles, strict=True
        )
    }
    for group in result.groups:
        for member in group.members:
            wanted.setdefault(
                member.supplier.ref,
                (member.score, False, " ".join(member.eligible_articles())),
            )
    wanted.pop(-1, None)  # suppliers not read from the database
    wanted.pop(None, None)
    table = MatchCandidate.__table__
    stored = {
        enterprise_id: (score, alone, reservations)
        for enterprise_id, score, alone, reservations in session.execute(
            select(table.c.enterprise_id, table.c.score, table.c.alone, table.c.reservations).where(
                table.c.intention_id == intention.id
            )
        )
    }
    gone = sorted(stored.keys() - wanted.keys())
    for start in range(0, len(gone), 500):
        session.execute(
            delete(table).where(
                table.c.intention_id == intention.id,
                table.c.enterprise_id.in_(gone[start : start + 500]),
            )
        )
    changed = [
        {"key": enterprise_id, "score": score, "alone": alone, "reservations": reservations}
        for enterprise_id, (score, alone, reservations) in wanted.items()
        if enterprise_id in stored and stored[enterprise_id] != (score, alone, reservations)
    ]
    if changed:
        session.execute(
            update(table)
            .where(table.c.intention_id == intention.id, table.c.enterprise_id == bindparam("key"))
            .values(
                score=bindparam("score"),
                alone=bindparam("alone"),
                reservations=bindparam("reservations"),
            ),
            changed,
        )
    created = datetime.now(UTC)
    _insert_many(
        session,
        table,
        ("intention_id", "enterprise_id", "score", "alone", "reservations", "created_at"),
        [
            (intention.id, enterprise_id, score, alone, reservations, created)
            for enterprise_id, (score, alone, reservations) in wanted.items()
            if enterprise_id not in stored
        ],
    )


def _insert_many(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) with one executemany through
    the driver (COPY on PostgreSQL). A first match run at 200,000 enterprises stores over a
    million candidates: SQLAlchemy's per-row parameter processing cost nearly as much as
    the database's own work. The statement is SQLAlchemy's, compiled once; values are
    bound as the column types bind them (a datetime on SQLite as text)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_rows(connection, table, columns, rows)
        return
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(columns))
    if set(compiled.params) != set(columns):  # a column with a default left out
        raise ValueError(f"insert of {table.name}: give {sorted(compiled.params)}")
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    converting = [(index, process) for index, process in enumerate(processors) if process]
    if converting:
        rows = [list(row) for row in rows]
        for row in rows:
            for index, process in converting:
                row[index] = process(row[index])
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup]
        parameters = [tuple(row[index] for index in order) for row in rows]
    else:
        parameters = [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(str(compiled), parameters)


def _copy_rows(connection, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` in the session's transaction (several times
    faster than an executemany at a million rows); psycopg adapts each value."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.errors.IntegrityError as error:  # as SQLAlchemy reports it elsewhere
        raise IntegrityError("COPY " + table.name, None, error) from error


def intentions_query():
    """Intentions with what ``purchase_of`` reads, loaded up front."""
    return select(PurchaseIntention).options(
        selectinload(PurchaseIntention.sectors).selectinload(Sector.group),
        selectinload(PurchaseIntention.lots)
        .selectinload(IntentionLot.sectors)
        .selectinload(Sector.group),
    )


def run_all(
    session: Session,
    intentions: Iterable[PurchaseIntention] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Match every published intention (or those given); the enterprises are read once.
    ``progress(n)`` is called after each intention matched."""
    table = current_pool(session)
    if intentions is None:
        intentions = session.scalars(
            intentions_query()
            .where(PurchaseIntention.status == "published")
            .order_by(PurchaseIntention.id)
        ).all()
    count = 0
    for intention in intentions:
        run(session, intention, table)
        count += 1
        if progress is not None:
            progress(count)
    return count


def is_current(
    session: Session,
    intention: PurchaseIntention,
    stored: MatchRun | None,
    version: str | None = None,
) -> bool:
    """Whether the stored result was computed after the intention's last change, on the
    directory as it is now (``version``, if just read), with the rules of now."""
    if stored is None or stored.rules_version != load_rules().version:
        return False
    if _aware(intention.updated_at) > _aware(stored.computed_at):
        return False
    return stored.directory_version == (version or directory_version(session))


def stale_intention_ids(session: Session) -> list[int]:
    """The published intentions whose stored result is missing, older than the intention,
    or computed on another state of the directory or other rules."""
    version, rules = directory_version(session), load_rules().version
    rows = session.execute(
        select(
            PurchaseIntention.id,
            PurchaseIntention.updated_at,
            MatchRun.computed_at,
            MatchRun.directory_version,
            MatchRun.rules_version,
        )
        .outerjoin(MatchRun, MatchRun.intention_id == PurchaseIntention.id)
        .where(PurchaseIntention.status == "published")
        .order_by(PurchaseIntention.id)
    ).all()
    return [
        intention_id
        for intention_id, updated, computed, directory, rules_version in rows
        if computed is None
        or _aware(updated) > _aware(computed)
        or directory != version
        or rules_version != rules
    ]


def refresh_stale(session: Session) -> int:
    """Re-match the stale published intentions (``stale_intention_ids``), reading the
    enterprises once; returns how many were re-matched. The caller commits."""
    ids = stale_intention_ids(session)
    if not ids:
        return 0
    intentions = session.scalars(
        intentions_query().where(PurchaseIntention.id.in_(ids)).order_by(PurchaseIntention.id)
    ).all()
    return run_all(session, intentions)


def refresh_for(session: Session, enterprise: Enterprise) -> int:
    """Re-match the stale published intentions this enterprise could take part in (its
    sectors and zone meet them): its dashboard is then current without re-matching every
    intention after any change anywhere. The caller commits."""
    ids = stale_intention_ids(session)
    if not ids:
        return 0
    if enterprise.status != "active":  # closed: its rows go with the next full run
        return 0
    table = current_pool(session)
    me = supplier_of(enterprise)  # the track record is not read: touches and covers only
    rules = load_rules()
    count = 0
    for intention in session.scalars(
        intentions_query().where(PurchaseIntention.id.in_(ids)).order_by(PurchaseIntention.id)
    ):
        purchase = purchase_of(session, intention)
        if not touches(me.zone, purchase.place, divisions_inside(purchase.place)):
            continue
        parts = (purchase, *purchase.lots)
        if not any(evaluate(me, part, rules).covered for part in parts if part.sectors):
            continue
        run(session, intention, table)
        count += 1
    return count


def current_result(session: Session, intention: PurchaseIntention) -> dict[str, Any]:
    """The stored result, recomputed first if an enterprise or the intention changed.
    Two requests may recompute the same intention at once: the second to store it meets
    the first's rows (a unique constraint); it then serves the result it computed."""
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    version = directory_version(session)  # read once: it scans the whole directory
    if is_current(session, intention, stored, version):
        return stored.result
    table = current_pool(session, version)
    intention_id = intention.id
    try:
        result = run(session, intention, table).result
        session.commit()
    except IntegrityError:
        session.rollback()
        intention = session.get(PurchaseIntention, intention_id)
        result = result_json(
            match(purchase_of(session, intention), table), names=sector_names(session)
        )
    return result


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- JSON -------------------------------------------------------------------------------


def sector_names(session: Session) -> dict[str, str]:
    """Sector names by slug (reference data: read once per database)."""
    engine = _engine(session)
    if engine not in _SECTOR_NAMES:
        _SECTOR_NAMES[engine] = dict(session.execute(select(Sector.slug, Sector.name)).all())
    return _SECTOR_NAMES[engine]


_QUOTED_SLUG = re.compile(r"« ([a-z0-9-]+) »")


def in_language(
    session: Session,
    intention: PurchaseIntention,
    result: dict[str, Any],
    translate: Callable[[str], str],
) -> dict[str, Any]:
    """``result`` (current, as ``current_result`` gives it) with the matcher's texts in
    another language: the purchase is matched again — the same answer, its texts (``Text``)
    still knowing their templates — and those written again with ``translate``. Stored
    results keep the French only (half the size to write at 200,000 enterprises)."""
    fresh = match(purchase_of(session, intention), current_pool(session))
    names = sector_names(session)

    def say(text: str) -> str:
        return _readable(text.translated(translate) if isinstance(text, Text) else text, names)

    reasons = {e.supplier.siret: [say(r) for r in e.reasons] for e in fresh.suppliers}
    verdicts = {v.article: say(v.explanation) for v in fresh.reservations}
    groups = {g.sirets: say(g.explanation) for g in fresh.groups}
    return {
        **result,
        "suppliers": [
            {**s, "reasons": reasons.get(s["siret"], s["reasons"])} for s in result["suppliers"]
        ],
        "reservations": {
            article: {**v, "explanation": verdicts.get(article, v["explanation"])}
            for article, v in result["reservations"].items()
        },
        "groups": [
            {
                **g,
                "explanation": groups.get(
                    tuple(m["siret"] for m in g["members"]), g["explanation"]
                ),
            }
            for g in result["groups"]
        ],
    }


def _readable(reason: str, names: dict[str, str]) -> str:
    """The matcher quotes sectors by slug: shown to people by name."""
    return _QUOTED_SLUG.sub(lambda m: f"« {names.get(m.group(1), m.group(1))} »", reason)


def result_json(
    result: MatchResult, limit: int = SUPPLIERS_IN_RESULT, names: dict[str, str] | None = None
) -> dict[str, Any]:
    names = names or {}
    return {
        "rules_version": result.rules_version,
        "suppliers": [
            {
                "siret": e.supplier.siret,
                "name": e.supplier.name,
                "kind": e.supplier.kind,
                "score": e.score,
                "answers_alone": e.answers_alone,
                "known": e.known,
                "covers_place": e.serves,
                "reasons": [_readable(reason, names) for reason in e.reasons],
                "eligible_reservations": list(e.eligible_articles()),
                "to_verify": [a for a, v in e.eligibility.items() if v.to_verify],
                "distance_km": e.distance_km,
                "dependency": e.dependency,
                "sector_match": dict(e.coverage),
            }
            for e in result.suppliers[:limit]
        ],
        "suppliers_total": len(result.ranking),
        "suppliers_known": int(result.ranking.known.sum()),
        "census": result.census,
        "reservations": {
            v.article: {
                "allowed": v.allowed,
                "eligible_count": v.eligible_count,
                "probable_count": v.probable_count,
                "lots": [{"lot": lot, "eligible_count": n} for lot, n in v.lots],
                "recommendation": v.recommendation,
                "explanation": v.explanation,
            }
            for v in result.reservations
        },
        "groups": [
            {
                "members": [
                    {
                        "siret": m.supplier.siret,
                        "name": m.supplier.name,
                        "kind": m.supplier.kind,
                        "role": "mandataire" if i == 0 else "cotraitant",
                    }
                    for i, m in enumerate(g.members)
                ],
                "reservation": g.reservation,
                "covers": list(g.covers),
                "score": g.score,
                "explanation": _readable(g.explanation, names),
            }
            for g in result.groups
        ],
        "groups_search_complete": result.groups_complete,
    }
