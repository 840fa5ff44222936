"""One result model for every search backend."""

from __future__ import annotations

from dataclasses import dataclass, field

# What a Reason's ``code`` may say: one per criterion of the query that a hit can meet.
REASON_CODES = (
    "text",
    "sector",
    "sector_group",
    "kind",
    "presta",
    "serves",
    "near",
    "employees",
    "turnover",
    "contract",
    "label",
    "network",
    "reservation",
)


@dataclass(frozen=True)
class Reason:
    """Why an enterprise matched, as data: ``code`` (one of ``REASON_CODES``) says what,
    ``detail`` the matching value. The interface words it in the visitor's language."""

    code: str
    detail: str


@dataclass(frozen=True)
class Hit:
    id: int
    siret: str
    name: str
    kind: str
    sectors: tuple[str, ...]
    commune: str | None
    departement: str | None
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    score: float
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...] = ()
    # facet name -> {value: count}, values as stored (kind codes, slugs, département codes)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
