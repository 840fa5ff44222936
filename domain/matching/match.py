"""The whole matcher for one purchase: ranked suppliers, reservation verdicts, groups."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from domain.matching.eligibility import ARTICLES, allowed_articles
from domain.matching.evaluate import Evaluation, evaluate
from domain.matching.facts import Purchase, Supplier
from domain.matching.groups import Group, GroupSearch, find_groups
from domain.matching.recommend import ReservationVerdict, verdicts
from domain.matching.rules import Rules, load_rules
from domain.matching.table import (
    COVER_EXACT,
    COVER_KNOWN,
    COVER_SUGGESTED,
    Assessment,
    SupplierTable,
    assess,
)


@dataclass(frozen=True)
class Ranking:
    """Every supplier worth listing (some evidence, and it works in the place), best first
    by score; the SIRET breaks ties. Columns, not objects: a national purchase
    may list tens of thousands."""

    pool: list[Supplier]
    positions: np.ndarray  # into ``pool``
    refs: np.ndarray  # the suppliers' ``ref`` (-1: none)
    scores: np.ndarray
    alone: np.ndarray  # answers alone
    eligible: np.ndarray  # (suppliers, articles), in the order of ``ARTICLES``
    known: np.ndarray  # the data says it can do it (else: probable)

    def __len__(self) -> int:
        return len(self.positions)

    def sirets(self) -> list[str]:
        return [self.pool[p].siret for p in self.positions.tolist()]

    def answering(self) -> list[tuple[Supplier, float, tuple[str, ...]]]:
        """(supplier, score, eligible articles) of those answering alone, best first."""
        rows, scores, articles = self.answering_columns()
        suppliers = [self.pool[p] for p in self.positions[rows].tolist()]
        return list(zip(suppliers, scores, articles, strict=True))

    def answering_columns(self) -> tuple[np.ndarray, list[float], list[tuple[str, ...]]]:
        """The rows of those answering alone, their scores and eligible articles: what
        storing a match reads for thousands of suppliers, without an object each."""
        rows = np.flatnonzero(self.alone)
        # The articles as a bitmask, each combination's tuple made once.
        masks = (self.eligible[rows] @ (1 << np.arange(len(ARTICLES)))).tolist()
        combinations = {
            mask: tuple(a for bit, a in enumerate(ARTICLES) if mask >> bit & 1)
            for mask in set(masks)
        }
        return rows, self.scores[rows].tolist(), [combinations[mask] for mask in masks]


@dataclass(frozen=True)
class MatchResult:
    purchase: Purchase
    suppliers: tuple[Evaluation, ...]  # the first of ``ranking``, with their reasons
    ranking: Ranking
    reservations: tuple[ReservationVerdict, ...]
    groups: tuple[Group, ...]
    groups_complete: bool  # the group search tried every combination in its budget
    rules_version: str
    # How the matcher's count meets the search's for the same place and sectors (``census``).
    census: dict[str, int] | None = None


def match(
    purchase: Purchase,
    suppliers: SupplierTable | list[Supplier],
    rules: Rules | None = None,
    explain_top: int = 100,
) -> MatchResult:
    """Match ``purchase`` against the pool (a list is put in a table first). The first
    ``explain_top`` ranked suppliers are evaluated with their reasons; the others are
    judged together, on the table's columns, by the same rules."""
    rules = rules or load_rules()
    table = suppliers if isinstance(suppliers, SupplierTable) else SupplierTable(suppliers, rules)
    positions = table.candidates(purchase)
    allowed = allowed_articles(purchase, rules)
    whole = assess(table, purchase, positions, rules, allowed)
    ranking = _rank(table, whole)
    shown = tuple(
        evaluate(table.pool[p], purchase, rules, True, allowed, _distance(whole, p))
        for p in ranking.positions[:explain_top].tolist()
    )
    groups, complete, counts = find_all_groups(table, purchase, whole, rules, allowed)
    lots = {
        # Each lot on its own candidates: its nature may differ from the whole's (a trade
        # lot in an insertion purchase is bought from every kind).
        lot.lot or lot.key: assess(
            table, lot, table.candidates(lot), rules, allowed_articles(lot, rules)
        )
        for lot in purchase.lots
    }
    return MatchResult(
        purchase=purchase,
        suppliers=shown,
        ranking=ranking,
        reservations=tuple(
            verdicts(
                purchase,
                _able(whole, whole.answers_alone),
                {
                    lot: _able(assessment, assessment.answers_alone)
                    for lot, assessment in lots.items()
                },
                int((whole.answers_alone & whole.eligible.any(axis=1)).sum()),
                rules,
                counts,
                probable=_able(whole, whole.probable_alone),
            )
        ),
        groups=groups,
        groups_complete=complete,
        rules_version=rules.version,
        census=census(whole, rules["territory"]["derived_zone_reach_km"]),
    )


def _distance(whole: Assessment, position: int) -> float | None:
    """The distance the columns measured for the supplier at ``position`` (one of theirs)."""
    row = int(np.searchsorted(whole.positions, position))
    found = float(whole.distance_km[row])
    return None if math.isnan(found) else found


def census(whole: Assessment, reach_km: float) -> dict[str, float] | None:
    """The suppliers known to do one of the purchase's sectors and working in its place,
    against what the search finds for the same place (``serves``: works in) and sectors:
    the same, but for those known through their public contracts only (the search reads
    sectors, not contracts) and those whose inferred zone does not meet the place but whose
    base lies within ``reach_km`` of it (the search reads zones). None for an insertion or
    staff-provision purchase (matched by kind: no sector to compare) or one without sector."""
    if whole.nature or not whole.sectors:
        return None
    claimed = ((whole.coverage == COVER_SUGGESTED) | (whole.coverage == COVER_EXACT)).any(axis=1)
    known = whole.relevant & whole.covered
    search = known & claimed & whole.touches
    return {
        "known": int(known.sum()),
        "search": int(search.sum()),
        "by_contracts": int((known & ~claimed).sum()),
        "by_reach": int((known & claimed & ~whole.touches).sum()),
        "reach_km": reach_km,
    }


def _able(assessment: Assessment, who: np.ndarray) -> dict[str, int]:
    """Per article: the eligible suppliers among ``who`` (answering alone, known or
    probable)."""
    counts = (assessment.eligible & who[:, None]).sum(axis=0)
    return dict(zip(ARTICLES, counts.tolist(), strict=True))


def _rank(table: SupplierTable, assessment: Assessment) -> Ranking:
    """The relevant suppliers by score (evidence x proximity), the SIRET breaking ties."""
    rows = np.flatnonzero(assessment.relevant)
    # One integer key (scores are tenths; the SIRET rank breaks ties): one argsort, a
    # third of a two-key lexsort's time for a national purchase's 200,000 rows.
    tenths = np.rint(assessment.score[rows] * 10).astype(np.int64)
    sirets = table.siret_rank[assessment.positions[rows]]
    key = (tenths.max(initial=0) - tenths) * (len(table.siret_rank) + 1) + sirets
    order = rows[np.argsort(key, kind="stable")]
    return Ranking(
        pool=table.pool,
        positions=assessment.positions[order],
        refs=table.ref[assessment.positions[order]],
        scores=assessment.score[order],
        alone=assessment.answers_alone[order],
        eligible=assessment.eligible[order],
        known=assessment.known[order],
    )


def find_all_groups(
    table: SupplierTable,
    purchase: Purchase,
    whole: Assessment,
    rules: Rules,
    allowed: dict[str, bool],
) -> tuple[tuple[Group, ...], bool, dict[str, int]]:
    """Groups for each reservation the purchase allows, then unreserved: every member of a
    group for a reserved contract is eligible for it (no mixed group). Returns the groups
    (the same members once, under the first article), whether every search was complete,
    and how many groups each article has."""
    evaluations: dict[int, Evaluation] = {}
    groups: list[Group] = []
    seen: set[frozenset[str]] = set()
    complete = True
    counts: dict[str, int] = {}
    for column, reservation in enumerate((*ARTICLES, None)):
        rows = _group_candidates(table, whole, None if reservation is None else column, rules)
        if rows is None:  # one of the pool answers alone: no group
            search = GroupSearch((), 0, 0, True)
        else:
            for position in whole.positions[rows].tolist():
                if position not in evaluations:
                    evaluations[position] = evaluate(
                        table.pool[position],
                        purchase,
                        rules,
                        False,
                        allowed,
                        _distance(whole, position),
                    )
            members = [evaluations[p] for p in whole.positions[rows].tolist()]
            search = find_groups(purchase, members, rules, reservation)
        complete = complete and search.complete
        if reservation is not None:
            counts[reservation] = len(search.groups)
        for group in search.groups:
            if frozenset(group.sirets) not in seen:
                seen.add(frozenset(group.sirets))
                groups.append(group)
    groups.sort(key=lambda g: (g.reservation is None, -g.score, g.sirets))
    return tuple(groups[: rules["groups"]["max_groups"] * 2]), complete, counts


def _group_candidates(
    table: SupplierTable, whole: Assessment, column: int | None, rules: Rules
) -> np.ndarray | None:
    """The rows ``find_groups`` would keep of the whole assessment (``groups._prune``: the
    best few per sector and for the place among those covering a sector, eligible for the
    reservation, working in the place or part of it), or None when one of them answers
    alone (then there is no group to find). ``find_groups`` on these rows alone gives what
    it gives on every row: it prunes them to the same ones."""
    pool = whole.covered & whole.relevant & (whole.serves | whole.touches)
    if column is not None:
        pool &= whole.eligible[:, column]
    if (pool & whole.answers_alone).any():
        return None
    rows = np.flatnonzero(pool)
    rows = rows[np.lexsort((table.siret_rank[whole.positions[rows]], -whole.score[rows]))]
    per_need = rules["groups"]["candidates_per_need"]
    chosen = [rows[whole.serves[rows]][:per_need]]
    for sector in range(whole.coverage.shape[1]):
        chosen.append(rows[whole.coverage[rows, sector] >= COVER_KNOWN][:per_need])
    return np.unique(np.concatenate(chosen))
