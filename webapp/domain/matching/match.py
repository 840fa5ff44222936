"""The whole matcher for one purchase: ranked suppliers, reservation verdicts, groups."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.matching.eligibility import ARTICLES, purchase_allows
from webapp.domain.matching.evaluate import Evaluation, evaluate
from webapp.domain.matching.facts import Purchase, Supplier
from webapp.domain.matching.groups import Group, find_groups
from webapp.domain.matching.recommend import ReservationVerdict, verdicts
from webapp.domain.matching.rules import Rules, load_rules
from webapp.domain.matching.territory import divisions_inside, takes_part


@dataclass(frozen=True)
class MatchResult:
    purchase: Purchase
    suppliers: tuple[Evaluation, ...]  # relevant ones, best first
    reservations: tuple[ReservationVerdict, ...]
    groups: tuple[Group, ...]
    groups_complete: bool  # the group search tried every combination in its budget
    rules_version: str


def rank(evaluations: list[Evaluation]) -> list[Evaluation]:
    """Best first: those answering alone, then by score; the SIRET breaks ties."""
    return sorted(
        (e for e in evaluations if e.relevant),
        key=lambda e: (not e.answers_alone, -e.score, e.supplier.siret),
    )


def _allowed(purchase: Purchase, rules: Rules) -> dict[str, bool]:
    return {article: purchase_allows(article, purchase, rules).eligible for article in ARTICLES}


def match(
    purchase: Purchase,
    suppliers: list[Supplier],
    rules: Rules | None = None,
    explain_top: int = 100,
) -> MatchResult:
    """``explain_top``: the ranked suppliers whose reasons are written (the others keep
    their score and verdicts; at 200,000 enterprises a purchase may meet thousands)."""
    rules = rules or load_rules()
    # Only suppliers working in the place, or in part of it (the others can neither answer
    # alone nor join a group), are evaluated: a set test each, instead of a full evaluation.
    inside = divisions_inside(purchase.place)
    reach = rules["territory"]["derived_zone_reach_km"]
    suppliers = [s for s in suppliers if takes_part(s, purchase.place, inside, reach)]
    allowed = _allowed(purchase, rules)
    evaluations = [evaluate(s, purchase, rules, False, allowed) for s in suppliers]
    lot_evaluations = {
        lot.lot or lot.key: [evaluate(s, lot, rules, False, lot_allowed) for s in suppliers]
        for lot in purchase.lots
        for lot_allowed in [_allowed(lot, rules)]
    }
    groups: list[Group] = []
    seen: set[frozenset[str]] = set()
    complete = True
    counts: dict[str, int] = {}
    # Groups for each reservation whose purchase allows it, then unreserved: every member
    # of a group for a reserved contract is eligible for it (no mixed group).
    for reservation in (*ARTICLES, None):
        search = find_groups(purchase, evaluations, rules, reservation)
        complete = complete and search.complete
        if reservation is not None:
            counts[reservation] = len(search.groups)
        for group in search.groups:  # the same members once, under the first article
            if frozenset(group.sirets) not in seen:
                seen.add(frozenset(group.sirets))
                groups.append(group)
    groups.sort(key=lambda g: (g.reservation is None, -g.score, g.sirets))
    ranked = rank(evaluations)
    shown = [evaluate(e.supplier, purchase, rules, True, allowed) for e in ranked[:explain_top]]
    return MatchResult(
        purchase=purchase,
        suppliers=tuple(shown + ranked[explain_top:]),
        reservations=tuple(verdicts(purchase, evaluations, lot_evaluations, rules, counts)),
        groups=tuple(groups[: rules["groups"]["max_groups"] * 2]),
        groups_complete=complete,
        rules_version=rules.version,
    )
