"""What the matcher knows of suppliers and purchases: plain, immutable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from domain.places import COMMUNE, DEPARTEMENT, EPCI
from domain.places import NATIONAL as NATIONAL  # re-exported: the facts' readers compare to it

if TYPE_CHECKING:
    from domain.matching.nature import Nature


@dataclass(frozen=True)
class Place:
    """Where a purchase is carried out. ``covered_by`` lists the divisions holding it,
    itself first (a commune: itself, its EPCI, département, région); ``communes``, for a
    place larger than a commune, its communes as (INSEE, EPCI or None, département): a
    group's zones may serve it together, commune by commune."""

    kind: str
    code: str
    name: str
    latitude: float | None = None
    longitude: float | None = None
    covered_by: tuple[tuple[str, str], ...] = ()
    communes: tuple[tuple[str, str | None, str], ...] = ()
    # Positions of the place's parts, for the distance to its nearest part (a département
    # is not its centroid): its communes, merged by grid cell when they are many
    # (``territory.representative_points``). Empty: no position known (or national).
    points: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.points and self.latitude is not None and self.longitude is not None:
            # Known by its position only: its one part.
            object.__setattr__(self, "points", ((self.latitude, self.longitude),))

    @cached_property
    def inside(self) -> frozenset[tuple[str, str]]:
        """The divisions lying in the place (its communes, their EPCIs and départements),
        and itself: a zone listing one of them works in part of the place."""
        found = {(self.kind, self.code)}
        for insee, epci, departement in self.communes:
            found.add((COMMUNE, insee))
            found.add((DEPARTEMENT, departement))
            if epci:
                found.add((EPCI, epci))
        return frozenset(found)

    @cached_property
    def held_by(self) -> dict:
        """Per zone, the bitmask of the place's communes it holds (``territory.held``):
        computed once per zone, not once per supplier (a région has thousands)."""
        return {}

    @cached_property
    def insee(self) -> frozenset[str]:
        """The INSEE codes of its communes (a commune: itself)."""
        if self.kind == COMMUNE:
            return frozenset({self.code})
        return frozenset(insee for insee, _, _ in self.communes)


@dataclass(frozen=True)
class Zone:
    """An intervention zone: national, divisions, or radius (``reach``: the divisions the
    circle reaches, as (kind, code) pairs, computed by the caller from positions)."""

    kind: str  # "national" | "divisions" | "radius" | "none"
    divisions: frozenset[tuple[str, str]] = frozenset()
    radius_km: float | None = None
    reach: frozenset[tuple[str, str]] = frozenset()
    declared: bool = False  # declared by the enterprise, not inferred by an import


@dataclass(frozen=True)
class SectorClaim:
    sector: str  # slug
    group: str  # slug of its group
    status: str  # "confirmed" | "suggested" (rejected ones are not given)
    source: str  # "declared" | "naf" | "name" | "description"
    confidence: float


@dataclass(frozen=True)
class Award:
    """A contract the supplier won (its track record), from DECP or declared."""

    notified: date | None
    amount: float | None
    cpv: str | None
    sectors: frozenset[str] = frozenset()
    reservation: str | None = None  # the article it was reserved under, if known
    buyer_siret: str | None = None


@dataclass(frozen=True)
class Supplier:
    siret: str
    name: str
    kind: str
    ess_status: str = "unknown"
    sectors: tuple[SectorClaim, ...] = ()
    zone: Zone = Zone("none")
    latitude: float | None = None
    longitude: float | None = None
    turnover: float | None = None
    largest_contract: float | None = None
    headcount: int | None = None
    completeness: int = 0  # 0..100
    networks: frozenset[str] = frozenset()
    awards: tuple[Award, ...] = ()
    departement: str | None = None
    ref: int | None = None  # the caller's key for it (the enterprise's database id)
    commune: str | None = None  # INSEE code of its base


@dataclass(frozen=True)
class Purchase:
    """An intention, or one lot of it (``lot`` names it)."""

    key: str  # e.g. "intention:12" or "intention:12/lot:2"
    title: str
    sectors: tuple[tuple[str, str], ...]  # (sector slug, its group's slug)
    place: Place
    annual_amount: float | None = None  # € HT per year
    total_amount: float | None = None
    duration_months: int | None = None
    buyer_type: str = "pouvoir_adjudicateur"
    cpv: tuple[str, ...] = ()  # 8-digit codes, no check digit
    launch: date | None = None
    lot: str | None = None
    lots: tuple[Purchase, ...] = field(default=())
    # Not a trade (insertion services, staff provision: nature.purchase_nature), or None.
    nature: Nature | None = None

    @property
    def yearly_amount(self) -> float | None:
        """The amount per year: given, or the total spread over the duration."""
        if self.annual_amount is not None:
            return self.annual_amount
        if self.total_amount is not None and self.duration_months:
            return self.total_amount * 12 / max(self.duration_months, 12)
        return self.total_amount
