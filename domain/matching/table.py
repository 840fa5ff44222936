"""The supplier pool as columns, for matching one purchase against hundreds of thousands
of enterprises in milliseconds.

``evaluate`` judges one supplier against one purchase and writes the reasons: it is the
reference, the one the tests re-express the law with. At 200,000 enterprises a national
purchase meets tens of thousands of them, too many to judge one by one in Python (~20 µs
each). ``SupplierTable`` holds what the rules read of every supplier as NumPy arrays and an
index of who can take part in a purchase at all; ``assess`` applies the same rules as
``evaluate`` to all the candidates at once — the same arithmetic, in the same order, so
the same scores to the last bit (``tests/domain/matching/test_table.py`` holds them equal on
thousands of generated suppliers and purchases). The matcher then calls ``evaluate`` only
for the suppliers it shows and the few its group search tries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from domain.geo import box_half_sides
from domain.matching.eligibility import supplier_eligible
from domain.matching.evaluate import LEVELS, _declared, proximities, sector_groups
from domain.matching.facts import Place, Purchase, Supplier
from domain.matching.rules import Rules, load_rules
from domain.matching.territory import (
    SMALL_PLACES,
    divisions_inside,
    nearest_km,
    pieced_together,
    serves,
)
from domain.places import COMMUNE, NATIONAL
from domain.reservations import (
    ARTICLES,
    L2113_12,
    L2113_13,
    L2113_14,
    L2113_15,
    TO_VERIFY,
    kind_answers,
)

# Sector evidence, as ``evaluate`` grades it: the code of each of ``evaluate.LEVELS``.
(
    COVER_NONE,
    COVER_OTHER,
    COVER_PRIOR,
    COVER_GROUP,
    COVER_SUGGESTED,
    COVER_TRACK,
    COVER_EXACT,
) = range(len(LEVELS))
COVER_KNOWN = COVER_SUGGESTED  # from this code on, the sector is known
# Zone kinds, by code.
_NONE, _NATIONAL, _DIVISIONS, _RADIUS = 0, 1, 2, 3
_ZONE_CODES = {"none": _NONE, NATIONAL: _NATIONAL, "divisions": _DIVISIONS, "radius": _RADIUS}
# ``carries``: the supplier's turnover carries the yearly amount (None in ``evaluate``: -1).
UNKNOWN, NO, YES = -1, 0, 1

_EMPTY = np.zeros(0, dtype=np.int64)


# What the rules read of a supplier, one column each: (name, dtype, its value).
_COLUMNS: tuple[tuple[str, type, Callable[[Supplier], object]], ...] = (
    ("has_sectors", bool, lambda s: bool(s.sectors)),
    ("has_declared", bool, lambda s: any(_declared(c) for c in s.sectors)),
    ("turnover", np.float64, lambda s: s.turnover or math.nan),  # 0 is unknown, as in evaluate
    ("latitude", np.float64, lambda s: math.nan if s.latitude is None else s.latitude),
    ("longitude", np.float64, lambda s: math.nan if s.longitude is None else s.longitude),
    ("completeness", np.int64, lambda s: s.completeness),
    ("ref", np.int64, lambda s: -1 if s.ref is None else s.ref),
    ("awards", np.int64, lambda s: len(s.awards)),
    ("zone", np.int64, lambda s: _ZONE_CODES[s.zone.kind]),
    ("declared", bool, lambda s: s.zone.declared),
    ("pieced", bool, lambda s: pieced_together(s.zone)),
    ("disability", bool, lambda s: kind_answers(L2113_12, s.kind, s.ess_status)),
    ("to_verify", bool, lambda s: s.kind in TO_VERIFY),
    ("insertion", bool, lambda s: kind_answers(L2113_13, s.kind, s.ess_status)),
    ("ess", bool, lambda s: kind_answers(L2113_15, s.kind, s.ess_status)),
    # Reserved L2113-15 awards, read per purchase in Python (few suppliers): the 3-year
    # exclusion depends on its CPV and date.
    ("ess_award", bool, lambda s: any(a.reservation == L2113_15 for a in s.awards)),
)
# The indexes: key -> sorted positions of the suppliers listed under it.
_INDEXES = (
    "by_sector",
    "by_declared",
    "by_group",
    "by_track",
    "by_national",
    "by_division",
    "by_reach",
    "inferred",
    "inferred_at",
)


def _memberships(supplier: Supplier) -> Iterator[tuple[str, object]]:
    """The (index, key) pairs ``supplier`` is listed under."""
    for claim in supplier.sectors:
        yield "by_sector", claim.sector
        yield "by_group", claim.group
        if _declared(claim):
            yield "by_declared", claim.sector
    for sector in {sector for award in supplier.awards for sector in award.sectors}:
        yield "by_track", sector
    zone = supplier.zone
    if zone.kind == NATIONAL:
        yield "by_national", NATIONAL
    for division in zone.divisions:  # zones listing the division
        yield "by_division", division
    for division in zone.reach:  # radius zones reaching it
        yield "by_reach", division
    if not zone.declared and supplier.latitude is not None:  # inferred zones, by base cell
        yield "inferred", (math.floor(supplier.latitude), math.floor(supplier.longitude))
        if supplier.commune:  # and by base commune (0 km from a place holding it)
            yield "inferred_at", supplier.commune


def _without(listed: np.ndarray, positions: list[int]) -> np.ndarray:
    """``listed`` (sorted positions) without ``positions``: a copy, not a sort (an index
    key may list 100,000 suppliers, a change touches a few)."""
    drop = np.unique(np.array(positions, dtype=np.int64))
    where = np.searchsorted(listed, drop)
    found = where < len(listed)
    found[found] = listed[where[found]] == drop[found]
    return np.delete(listed, where[found])


def _with(listed: np.ndarray, positions: list[int]) -> np.ndarray:
    """``listed`` (sorted positions) with ``positions`` too, still sorted and unique."""
    add = np.unique(np.array(positions, dtype=np.int64))
    where = np.searchsorted(listed, add)
    present = where < len(listed)
    present[present] = listed[where[present]] == add[present]
    return np.insert(listed, where[~present], add[~present])


def _siret_ranks(pool: list[Supplier]) -> np.ndarray:
    """Each supplier's rank by SIRET (ties in the ranking are broken by SIRET)."""
    order = np.argsort(np.array([s.siret for s in pool]), kind="stable")
    ranks = np.empty(len(pool), dtype=np.int64)
    ranks[order] = np.arange(len(pool))
    return ranks


class SupplierTable:
    """Every supplier of ``pool`` (at ``pool[i]``, position ``i``) as columns, and who can
    take part in a purchase: those covering one of its sectors (exactly, through the
    sector's group, or — no known sector — through their kind's prior) and working in its
    place or part of it (a national zone, a zone listing or a radius reaching the place, a
    division holding it or one inside it, an inferred zone whose base lies near it). The
    rules give every other supplier no coverage or no territory: it is neither listed,
    counted, nor put in a group, so leaving it out changes nothing but the work.

    A table in use is never modified: ``updated`` makes a new one (a request matching
    against the old one meanwhile is not disturbed)."""

    def __init__(self, pool: list[Supplier], rules: Rules | None = None):
        self.rules = rules = rules or load_rules()
        self.tag: str | None = None  # the caller's name for the state it was made from
        self.pool = pool
        self.size = n = len(pool)
        self.reach_km = rules["territory"]["derived_zone_reach_km"]
        self.siret_rank = _siret_ranks(pool)
        self.alive = np.ones(n, bool)  # False: removed by ``updated``

        self.kind_code = {kind: code for code, kind in enumerate(sorted({s.kind for s in pool}))}
        self.kind = np.fromiter((self.kind_code[s.kind] for s in pool), np.int64, n)
        # Per sector group: the share of each kind (by code) working in it (the prior).
        self.prior_share: dict[str, np.ndarray] = {}
        for kind, shares in rules.kind_priors.items():
            if kind in self.kind_code:
                for group, share in shares.items():
                    column = self.prior_share.setdefault(group, np.zeros(len(self.kind_code)))
                    column[self.kind_code[kind]] = share

        for name, dtype, value in _COLUMNS:
            setattr(self, name, np.fromiter((value(s) for s in pool), dtype, n))
        # Base communes as integers (a place's are looked up in one np.isin).
        self.commune_ids: dict[str, int] = {}
        for supplier in pool:
            if supplier.commune is not None:
                self.commune_ids.setdefault(supplier.commune, len(self.commune_ids))
        self.commune = np.fromiter((self.commune_ids.get(s.commune, -1) for s in pool), np.int64, n)

        listed: dict[str, dict[object, list[int]]] = {name: {} for name in _INDEXES}
        for position, supplier in enumerate(pool):
            for name, key in _memberships(supplier):
                listed[name].setdefault(key, []).append(position)
        for name, index in listed.items():
            setattr(
                self,
                name,
                {key: np.unique(np.array(ps, dtype=np.int64)) for key, ps in index.items()},
            )

    def updated(self, replaced: dict[int, Supplier | None], added: list[Supplier]) -> SupplierTable:
        """A new table: the supplier at each position of ``replaced`` replaced by another
        (None: removed; its position stays, not alive), ``added`` appended. Only what
        changed is computed again: at 200,000 suppliers it costs milliseconds, a new table
        seconds."""
        changed = {**replaced, **{self.size + i: s for i, s in enumerate(added)}}
        pool = [*self.pool, *added]
        alive = np.concatenate([self.alive, np.ones(len(added), bool)])
        for position, supplier in changed.items():
            alive[position] = supplier is not None
            if supplier is not None:
                pool[position] = supplier
        if any(s is not None and s.kind not in self.kind_code for s in changed.values()):
            # A kind the table has no code for (rare: kinds are a fixed list): made again,
            # the positions kept (callers hold them), the removed ones removed again.
            again = SupplierTable(pool, self.rules)
            return again.updated({p: None for p in np.flatnonzero(~alive).tolist()}, [])
        new = object.__new__(SupplierTable)
        new.__dict__.update(self.__dict__)  # what did not change is shared, never written
        new.pool, new.size, new.alive = pool, len(pool), alive
        positions = list(changed)
        live = [(p, changed[p]) for p in positions if changed[p] is not None]
        new.kind = np.concatenate([self.kind, np.zeros(len(added), np.int64)])
        for position, supplier in live:
            new.kind[position] = self.kind_code[supplier.kind]
        for name, dtype, value in _COLUMNS:
            column = np.concatenate([getattr(self, name), np.zeros(len(added), dtype)])
            for position, supplier in live:
                column[position] = value(supplier)
            setattr(new, name, column)
        new.commune_ids = dict(self.commune_ids)
        new.commune = np.concatenate([self.commune, np.full(len(added), -1, np.int64)])
        for position, supplier in live:
            if supplier.commune is None:
                new.commune[position] = -1
            else:
                new.commune[position] = new.commune_ids.setdefault(
                    supplier.commune, len(new.commune_ids)
                )
        # Index entries: the old suppliers' taken out, the new ones' put in.
        out: dict[tuple[str, object], list[int]] = {}
        into: dict[tuple[str, object], list[int]] = {}
        for position in replaced:
            if self.alive[position]:
                for membership in _memberships(self.pool[position]):
                    out.setdefault(membership, []).append(position)
        for position, supplier in live:
            for membership in _memberships(supplier):
                into.setdefault(membership, []).append(position)
        for name in _INDEXES:
            setattr(new, name, dict(getattr(self, name)))
        for name, key in out.keys() | into.keys():
            index = getattr(new, name)
            listed = index.get(key, _EMPTY)
            if (name, key) in out:
                listed = _without(listed, out[name, key])
            if (name, key) in into:
                listed = _with(listed, into[name, key])
            if len(listed):
                index[key] = listed
            else:
                index.pop(key, None)
        if added or any(s is not None and s.siret != self.pool[p].siret for p, s in live):
            new.siret_rank = _siret_ranks(pool)
        return new

    def __len__(self) -> int:
        return self.size

    def suppliers(self) -> list[Supplier]:
        """The suppliers of the table (``pool`` also keeps the removed ones' places)."""
        return [s for s, alive in zip(self.pool, self.alive.tolist(), strict=True) if alive]

    def mark(self, *indexes: tuple[dict, Iterable]) -> np.ndarray:
        """Over the whole pool: whether the supplier is listed under one of the keys of
        one of the indexes (given as (index, keys) pairs)."""
        mask = np.zeros(self.size, bool)
        for index, keys in indexes:
            for key in keys:
                found = index.get(key)
                if found is not None:
                    mask[found] = True
        return mask

    def candidates(self, purchase: Purchase) -> np.ndarray:
        """The positions of the suppliers working in the purchase's place or near it, of a
        kind the purchase is bought from, in the pool's order. No sector filter: unknown
        never excludes (``assess`` weighs the evidence)."""
        place = purchase.place
        around = {*place.covered_by, *divisions_inside(place)}
        mask = self.mark(
            (self.by_division, around), (self.by_reach, around), (self.by_national, [NATIONAL])
        )
        cells: set[tuple[int, int]] = set()
        for latitude, longitude in place.points:
            cells.update(self._cells_near(latitude, longitude))
        mask |= self.mark((self.inferred, cells), (self.inferred_at, place.insee))
        if place.kind == NATIONAL:  # every zone lies in France: everyone works there
            mask = np.ones(self.size, bool)
        if purchase.nature is not None:
            codes = [self.kind_code[k] for k in purchase.nature.kinds if k in self.kind_code]
            mask &= np.isin(self.kind, codes)
        return np.flatnonzero(mask & self.alive)

    def inside(self, place: Place) -> np.ndarray:
        """Over the whole pool: the base commune is one of the place's."""
        ids = [self.commune_ids[c] for c in place.insee if c in self.commune_ids]
        return np.isin(self.commune, np.array(ids, np.int64))

    def _cells_near(self, latitude: float, longitude: float) -> list[tuple[int, int]]:
        """The one-degree cells within ``reach_km`` of a position."""
        d_lat, d_lon = box_half_sides(latitude, self.reach_km)
        return [
            (row, column)
            for row in range(math.floor(latitude - d_lat), math.floor(latitude + d_lat) + 1)
            for column in range(math.floor(longitude - d_lon), math.floor(longitude + d_lon) + 1)
        ]


@dataclass(frozen=True)
class Assessment:
    """``evaluate`` for every candidate at once: row ``r`` is the supplier at
    ``table.pool[positions[r]]``."""

    positions: np.ndarray
    sectors: tuple[str, ...]  # the purchase's sectors, the columns of ``coverage``
    coverage: np.ndarray  # (candidates, sectors): COVER_* codes
    serves: np.ndarray  # covers the whole place (``territory.presence``)
    touches: np.ndarray  # its zone meets the place (``territory.touches``)
    works: np.ndarray  # works in the place or a part of it (``territory.presence``)
    distance_km: np.ndarray  # to the nearest part of the place; NaN: unknown
    carries: np.ndarray  # YES, NO, UNKNOWN
    evidence: np.ndarray  # 0..1
    fits_kind: np.ndarray  # a kind the purchase's nature is bought from (or a trade)
    nature: bool
    trade_known: np.ndarray  # known to do a sector of each of the purchase's groups
    likely_from: float  # the evidence from which a supplier is probable (the prior's floor)
    score: np.ndarray  # rounded as ``evaluate`` rounds it
    eligible: np.ndarray  # (candidates, articles): bool, in the order of ``ARTICLES``
    to_verify: np.ndarray  # (candidates, articles): bool

    # Derived once: the matcher asks them several times (ranking, verdicts, each group search).
    @cached_property
    def covered(self) -> np.ndarray:
        """Known to do one of the sectors at least."""
        return (self.coverage >= COVER_KNOWN).any(axis=1)

    @cached_property
    def known(self) -> np.ndarray:
        """The data says it can do the purchase (``Evaluation.known``)."""
        if self.nature:
            return self.fits_kind.copy()
        return self.fits_kind & self.trade_known

    @cached_property
    def relevant(self) -> np.ndarray:
        return self.fits_kind & self.works & (self.evidence > 0)

    @cached_property
    def able(self) -> np.ndarray:
        return self.relevant & self.serves & (self.carries != NO)

    @cached_property
    def answers_alone(self) -> np.ndarray:
        """Known, covers the place, not known too small."""
        return self.known & self.able

    @cached_property
    def probable_alone(self) -> np.ndarray:
        """Would answer alone, were its sectors known — probable, not merely possible
        (more evidence than "its known sectors are others": ``Evaluation.likely``)."""
        return self.able & ~self.known & (self.evidence >= self.likely_from)


def assess(
    table: SupplierTable,
    purchase: Purchase,
    positions: np.ndarray,
    rules: Rules,
    allowed: dict[str, bool],
) -> Assessment:
    """``evaluate(table.pool[p], purchase, rules, allowed=allowed)`` for every ``p`` of
    ``positions``, as arrays. ``allowed``: ``purchase_allows`` per article."""
    points, weights = rules["score"], rules["evidence"]
    n = len(positions)
    sectors = dict(purchase.sectors)  # as evaluate's coverage dict: one entry per sector
    coverage = np.zeros((n, len(sectors)), dtype=np.int64)
    has_sectors = table.has_sectors[positions]
    has_declared = table.has_declared[positions]
    kinds = table.kind[positions]

    def listed(index: dict, key) -> np.ndarray:
        return table.mark((index, [key]))[positions]

    # The weight of each code (PRIOR's depends on the kind: set below).
    level_weights = np.array([weights.get(level, 0.0) for level in LEVELS])
    column_of = {sector: column for column, sector in enumerate(sectors)}
    sector_weights = np.zeros((n, len(sectors)))
    for column, (sector, group) in enumerate(sectors.items()):
        codes = coverage[:, column]  # weakest first: each stronger level overrides
        codes[has_sectors & ~has_declared] = COVER_OTHER
        codes[~has_sectors] = COVER_PRIOR
        codes[listed(table.by_group, group)] = COVER_GROUP
        codes[listed(table.by_sector, sector)] = COVER_SUGGESTED
        codes[listed(table.by_track, sector)] = COVER_TRACK
        codes[listed(table.by_declared, sector)] = COVER_EXACT
        share = table.prior_share.get(group, np.zeros(len(table.kind_code) or 1))
        prior = weights["prior_floor"] + weights["prior_scale"] * share[kinds]
        sector_weights[:, column] = np.where(codes == COVER_PRIOR, prior, level_weights[codes])
    total = np.zeros(n)
    trade_known = np.ones(n, bool) if sectors else np.zeros(n, bool)
    groups = sector_groups(purchase)
    for members in groups.values():  # the best of each group, summed in evaluate's order
        columns = [column_of[sector] for sector in members]
        best = sector_weights[:, columns[0]]
        for column in columns[1:]:
            best = np.maximum(best, sector_weights[:, column])
        total = total + best
        trade_known &= (coverage[:, columns] >= COVER_KNOWN).any(axis=1)
    nature = purchase.nature is not None
    if nature:
        if sectors:
            evidence = weights["nature_kind"] + weights["nature_sector_bonus"] * (
                total / len(groups)
            )
        else:
            evidence = np.full(n, float(weights["nature_kind"]))
        fits_kind = np.isin(
            kinds, [table.kind_code[k] for k in purchase.nature.kinds if k in table.kind_code]
        )
        evidence = np.where(fits_kind, evidence, 0.0)
    else:
        fits_kind = np.ones(n, bool)
        evidence = total / len(groups) if groups else np.full(n, float(weights["prior_floor"]))

    covers_zone, touches = _territory(table, purchase, positions)
    distance = nearest_km(
        table.latitude[positions],
        table.longitude[positions],
        table.inside(purchase.place)[positions],
        purchase.place,
    )
    located = ~np.isnan(distance)
    near = located & (distance <= table.reach_km) & ~table.declared[positions]
    works = touches | near
    serves = covers_zone | (near if purchase.place.kind in SMALL_PLACES else False)
    score = points["scale"] * evidence * proximities(distance, rules)

    carries = np.full(n, UNKNOWN, dtype=np.int64)
    yearly = purchase.yearly_amount
    if yearly is not None:
        turnover = table.turnover[positions]
        known = ~np.isnan(turnover)
        with np.errstate(invalid="ignore"):
            fits = yearly / turnover <= rules["dependency"]["max_share"]
        carries[known] = np.where(fits[known], YES, NO)
        score = np.where(known & fits, score + points["capacity_known_ok"], score)

    awards = table.awards[positions]
    track = np.minimum(points["track_record"], awards).astype(np.float64)
    score = np.where(awards > 0, score + track, score)
    score = score + points["completeness"] * table.completeness[positions] / 100
    rounded = _round_tenths(np.maximum(score, 0.0))

    eligible, to_verify = _eligibility(table, purchase, positions, rules, allowed)
    return Assessment(
        positions=positions,
        sectors=tuple(sectors),
        coverage=coverage,
        serves=serves,
        touches=touches,
        works=works,
        distance_km=distance,
        carries=carries,
        evidence=evidence,
        fits_kind=fits_kind,
        nature=nature,
        trade_known=trade_known,
        likely_from=weights["prior_floor"],
        score=rounded,
        eligible=eligible,
        to_verify=to_verify,
    )


def _round_tenths(values: np.ndarray) -> np.ndarray:
    """``round(value, 1)`` of each value, as Python rounds it (to the nearest decimal, half
    to even, from the exact binary value). NumPy rounds ``value * 10``, whose own rounding
    may cross a half: there, and only there, Python rounds."""
    tenths = values * 10
    rounded = np.round(tenths) / 10
    near_half = np.flatnonzero(np.abs(tenths - np.floor(tenths) - 0.5) < 1e-6)
    if len(near_half):  # few distinct values (shares and weights are discrete): each once
        distinct, where = np.unique(values[near_half], return_inverse=True)
        by_python = np.array([round(v, 1) for v in distinct.tolist()])
        rounded[near_half] = by_python[where]
    return rounded


def _territory(
    table: SupplierTable, purchase: Purchase, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(covers, touches) per candidate: ``territory.serves`` and ``territory.touches``."""
    place = purchase.place
    zone = table.zone[positions]
    national = zone == _NATIONAL

    def listed(index: dict, keys) -> np.ndarray:
        return table.mark((index, keys))[positions]

    if place.kind == NATIONAL:
        covers = national
        touches = national | (zone == _DIVISIONS) | (zone == _RADIUS)
        return covers, touches
    covers = national | ((zone == _DIVISIONS) & listed(table.by_division, place.covered_by))
    if place.kind == COMMUNE:
        covers = covers | ((zone == _RADIUS) & listed(table.by_reach, [(place.kind, place.code)]))
    if place.communes:  # zones holding the place by several divisions, or a wide circle
        for row in np.flatnonzero(table.pieced[positions] & ~covers).tolist():
            covers[row] = serves(table.pool[positions[row]].zone, place)[0]
    inside = divisions_inside(place)
    touches = (
        covers
        | ((zone == _DIVISIONS) & listed(table.by_division, inside))
        | ((zone == _RADIUS) & listed(table.by_reach, inside))
    )
    return covers, touches


def _eligibility(
    table: SupplierTable,
    purchase: Purchase,
    positions: np.ndarray,
    rules: Rules,
    allowed: dict[str, bool],
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate and article, as ``evaluate``: ``supplier_eligible`` where the purchase
    allows the article, not eligible elsewhere."""
    n = len(positions)
    disability, insertion = table.disability[positions], table.insertion[positions]
    verify = table.to_verify[positions]
    ess = table.ess[positions].copy()
    for row in np.flatnonzero(table.ess_award[positions]).tolist():  # L2113-15 exclusion
        supplier = table.pool[positions[row]]
        ess[row] = supplier_eligible(L2113_15, supplier, purchase, rules).eligible
    by_article = {
        L2113_12: (disability, verify),
        L2113_13: (insertion, np.zeros(n, bool)),
        L2113_14: (disability | insertion, disability & verify),
        L2113_15: (ess, np.zeros(n, bool)),
    }
    eligible = np.zeros((n, len(ARTICLES)), bool)
    to_verify = np.zeros((n, len(ARTICLES)), bool)
    for column, article in enumerate(ARTICLES):
        if allowed[article]:
            eligible[:, column], flags = by_article[article]
            to_verify[:, column] = flags & eligible[:, column]
    return eligible, to_verify
