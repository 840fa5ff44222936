"""A network's view of its territory (reads only): where published purchase intentions
meet few or none of the network's members, per sector and département — its coverage
gaps, to decide whom to recruit or invite — and how complete its members' profiles are.

An intention counts in each département of its place: a commune's, an EPCI's (each of
its communes'), a département, a région's; a national one in none (counted apart). It
counts in each of its sectors and its lots' sectors. A member counts in a cell (sector ×
département) when it works in the département — its zone is national, lists the
département, its région, an EPCI or a commune in it, or its radius reaches a commune of
it; with no zone known, the département of its address — and either has the sector
confirmed on its profile or is a stored match candidate of one of the cell's intentions.
A cell with intentions and fewer than ``GAP_THRESHOLD`` such members is a gap."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from webapp.matching.facts import zone_of
from webapp.models import (
    Commune,
    Departement,
    Enterprise,
    IntentionLot,
    MatchCandidate,
    Network,
    PurchaseIntention,
    Region,
    Sector,
    SectorGroup,
)
from webapp.models.enterprise import InterventionZone, enterprise_network

GAP_THRESHOLD = 2  # fewer members than this in a cell with intentions: a gap
LOW_COMPLETENESS = 50  # per cent
LEAST_COMPLETE_SHOWN = 10
ALL = "*"  # a national zone: every département


@dataclass
class Cell:
    sector: Sector
    departement: Departement
    intentions: set[int] = field(default_factory=set)
    forecasts: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)

    @property
    def gap(self) -> bool:
        return len(self.members) < GAP_THRESHOLD

    @property
    def missing(self) -> int:
        """Members lacking to reach the threshold."""
        return max(0, GAP_THRESHOLD - len(self.members))


@dataclass(frozen=True)
class DepartementDot:
    """One circle of the map: a département at its communes' mean position."""

    code: str
    name: str
    latitude: float
    longitude: float
    intentions: int
    gaps: int
    uncovered: int  # cells with no member at all

    @property
    def level(self) -> str:
        """none (a cell with no member), few (gaps only), covered."""
        return "none" if self.uncovered else "few" if self.gaps else "covered"


@dataclass
class Coverage:
    cells: list[Cell]  # with intentions, the largest gaps first
    dots: list[DepartementDot]
    national: int  # national intentions in the filters' sectors (no département)
    intentions: int  # distinct intentions placed in the table
    members: int

    @property
    def gaps(self) -> list[Cell]:
        return [c for c in self.cells if c.gap]


def coverage(
    session: Session, network: Network, group: str | None = None, region: str | None = None
) -> Coverage:
    """The cells of ``network``'s territory, optionally for one sector group (slug) and
    one région (code)."""
    intentions = _published_intentions(session, group)
    places = _Places(session)
    departements = {d.code: d for d in session.scalars(select(Departement))}
    if region:
        departements = {c: d for c, d in departements.items() if d.region_code == region}
    cells: dict[tuple[int, str], Cell] = {}
    national = 0
    for intention, sectors in intentions:
        in_departements = places.departements(intention.place_kind, intention.place_code)
        if in_departements is None:
            national += 1 if sectors else 0
            continue
        for sector in sectors:
            for code in in_departements & departements.keys():
                cell = cells.get((sector.id, code))
                if cell is None:
                    cell = cells[sector.id, code] = Cell(sector, departements[code])
                cell.intentions.add(intention.id)
                if intention.forecast:
                    cell.forecasts.add(intention.id)
    members = _members(session, network, places)
    _count_members(session, cells, members)
    ordered = sorted(
        cells.values(),
        key=lambda c: (
            len(c.members) >= GAP_THRESHOLD,
            len(c.members),
            -len(c.intentions),
            c.departement.code,
            c.sector.name,
        ),
    )
    return Coverage(
        cells=ordered,
        dots=_dots(session, ordered),
        national=national,
        intentions=len({i for c in ordered for i in c.intentions}),
        members=len(members),
    )


def _published_intentions(
    session: Session, group: str | None
) -> list[tuple[PurchaseIntention, list[Sector]]]:
    """Published intentions (forecasts included) with their sectors and their lots'."""
    rows = session.scalars(
        select(PurchaseIntention)
        .where(PurchaseIntention.status == "published")
        .options(
            selectinload(PurchaseIntention.sectors).selectinload(Sector.group),
            selectinload(PurchaseIntention.lots)
            .selectinload(IntentionLot.sectors)
            .selectinload(Sector.group),
        )
    )
    found = []
    for intention in rows:
        sectors = {s.id: s for s in intention.sectors}
        for lot in intention.lots:
            sectors.update((s.id, s) for s in lot.sectors)
        chosen = [s for s in sectors.values() if group is None or s.group.slug == group]
        if chosen:
            found.append((intention, chosen))
    return found


class _Places:
    """The départements of places, read from the reference tables once per page."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[tuple[str, str], frozenset[str]] = {}
        self._regions: dict[str, frozenset[str]] | None = None

    def departements(self, kind: str, code: str | None) -> frozenset[str] | None:
        """None for national (or no code): no département in particular."""
        if kind == "national" or not code:
            return None
        if (kind, code) not in self._cache:
            self._cache[kind, code] = self._read(kind, code)
        return self._cache[kind, code]

    def _read(self, kind: str, code: str) -> frozenset[str]:
        if kind == "departement":
            return frozenset({code})
        if kind == "region":
            return self.regions().get(code, frozenset())
        column = Commune.insee if kind == "commune" else Commune.epci_siren
        rows = self.session.scalars(
            select(Commune.departement_code).where(column == code).distinct()
        )
        return frozenset(rows)

    def regions(self) -> dict[str, frozenset[str]]:
        if self._regions is None:
            by_region: dict[str, set[str]] = defaultdict(set)
            for d in self.session.execute(select(Departement.code, Departement.region_code)):
                by_region[d.region_code].add(d.code)
            self._regions = {r: frozenset(codes) for r, codes in by_region.items()}
        return self._regions


@dataclass(frozen=True)
class _Member:
    id: int
    sectors: frozenset[int]  # confirmed sector ids
    departements: frozenset[str]  # or {ALL}


def _members(session: Session, network: Network, places: _Places) -> list[_Member]:
    enterprises = session.scalars(
        select(Enterprise)
        .join(enterprise_network, enterprise_network.c.enterprise_id == Enterprise.id)
        .where(enterprise_network.c.network_id == network.id)
        .options(
            selectinload(Enterprise.sectors),
            selectinload(Enterprise.zone).selectinload(InterventionZone.divisions),
        )
    )
    members = []
    for enterprise in enterprises:
        confirmed = frozenset(s.sector_id for s in enterprise.sectors if s.status == "confirmed")
        members.append(_Member(enterprise.id, confirmed, _works_in(enterprise, places)))
    return members


def _works_in(enterprise: Enterprise, places: _Places) -> frozenset[str]:
    zone = enterprise.zone
    if zone is None:
        return frozenset({enterprise.departement_code} if enterprise.departement_code else ())
    if zone.kind == "national":
        return frozenset({ALL})
    if zone.kind == "divisions":
        found: set[str] = set()
        for division in zone.divisions:
            found |= places.departements(division.division_type, division.code) or set()
        return frozenset(found)
    # A radius: the départements its circle reaches (a commune of them), as the matcher
    # reads it.
    return frozenset(code for kind, code in zone_of(enterprise).reach if kind == "departement")


def _count_members(session: Session, cells: dict, members: list[_Member]) -> None:
    if not cells or not members:
        return
    intention_ids = {i for cell in cells.values() for i in cell.intentions}
    member_ids = {m.id for m in members}
    candidates: dict[int, set[int]] = defaultdict(set)  # enterprise -> intentions
    for intention_id, enterprise_id in session.execute(
        select(MatchCandidate.intention_id, MatchCandidate.enterprise_id).where(
            MatchCandidate.enterprise_id.in_(member_ids)
        )
    ):
        if intention_id in intention_ids:
            candidates[enterprise_id].add(intention_id)
    for (sector_id, code), cell in cells.items():
        for member in members:
            if ALL not in member.departements and code not in member.departements:
                continue
            if sector_id in member.sectors or candidates[member.id] & cell.intentions:
                cell.members.add(member.id)


def _dots(session: Session, cells: list[Cell]) -> list[DepartementDot]:
    by_code: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_code[cell.departement.code].append(cell)
    if not by_code:
        return []
    positions = {
        row.code: (row.latitude, row.longitude)
        for row in session.execute(
            select(
                Commune.departement_code.label("code"),
                func.avg(Commune.latitude).label("latitude"),
                func.avg(Commune.longitude).label("longitude"),
            )
            .where(Commune.departement_code.in_(by_code))
            .group_by(Commune.departement_code)
        )
    }
    dots = []
    for code, rows in sorted(by_code.items()):
        if positions.get(code, (None, None))[0] is None:
            continue
        latitude, longitude = positions[code]
        dots.append(
            DepartementDot(
                code=code,
                name=rows[0].departement.name,
                latitude=round(float(latitude), 4),
                longitude=round(float(longitude), 4),
                intentions=len({i for c in rows for i in c.intentions}),
                gaps=sum(1 for c in rows if c.gap),
                uncovered=sum(1 for c in rows if not c.members),
            )
        )
    return dots


# --- Filters and the members' completeness -------------------------------------------------


def filter_choices(session: Session) -> tuple[list[SectorGroup], list[Region]]:
    groups = list(session.scalars(select(SectorGroup).order_by(SectorGroup.name)))
    regions = list(session.scalars(select(Region).order_by(Region.name)))
    return groups, regions


@dataclass(frozen=True)
class CompletenessSummary:
    members: int
    below: int  # under LOW_COMPLETENESS
    least: list[dict]  # the least complete rows (member_rows' shape), lowest first
    average: int | None


def completeness_summary(rows: list[dict]) -> CompletenessSummary:
    """From ``facilitators.views.member_rows``: how many members are under
    ``LOW_COMPLETENESS`` per cent, and the least complete ones."""
    ordered = sorted(rows, key=lambda r: (r["score"], r["enterprise"].display_name))
    below = [r for r in ordered if r["score"] < LOW_COMPLETENESS]
    average = round(sum(r["score"] for r in rows) / len(rows)) if rows else None
    return CompletenessSummary(len(rows), len(below), ordered[:LEAST_COMPLETE_SHOWN], average)
