"""Per reservation article: how many suppliers could answer, and what to recommend —
reserve the whole purchase, reserve a lot, an insertion clause, or nothing — with an
explanation a buyer can paste in a report (DESIGN.md, reserved markets)."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.matching.eligibility import ARTICLES, L2113_15, purchase_allows
from webapp.domain.matching.facts import Purchase
from webapp.domain.matching.rules import Rules

RESERVE_WHOLE, RESERVE_LOT, CLAUSE, NOTHING = "reserve_whole", "reserve_lot", "clause", "nothing"

_ARTICLE_NAMES = {
    "L2113-12": "structures du handicap (EA, ESAT)",
    "L2113-13": "structures d'insertion (SIAE)",
    "L2113-14": "structures du handicap et d'insertion (réservation combinée)",
    "L2113-15": "entreprises de l'ESS (services sociaux, de santé et culturels)",
}


@dataclass(frozen=True)
class ReservationVerdict:
    article: str
    allowed: bool  # the purchase itself may be reserved under the article
    eligible_count: int  # eligible suppliers that answer alone
    lots: tuple[tuple[str, int], ...]  # (lot, eligible suppliers answering it) if lots
    recommendation: str
    explanation: str


def verdicts(
    purchase: Purchase,
    able: dict[str, int],
    lots_able: dict[str, dict[str, int]],
    inclusive: int,
    rules: Rules,
    groups_by_article: dict[str, int] | None = None,
) -> list[ReservationVerdict]:
    """One verdict per article, in the order of ``ARTICLES``. ``able``: per article, the
    eligible suppliers answering alone (sectors, place, size); ``lots_able``: the same per
    lot; ``inclusive``: the suppliers answering alone eligible for one article at least."""
    thresholds = rules["reservation"]
    groups_by_article = groups_by_article or {}
    result = []
    for article in ARTICLES:
        allowed = purchase_allows(article, purchase, rules)
        count = able[article] if allowed.eligible else 0
        lots = tuple(
            (lot, counts[article] if allowed.eligible else 0) for lot, counts in lots_able.items()
        )
        groups = groups_by_article.get(article, 0)
        name = _ARTICLE_NAMES[article]
        if not allowed.eligible:
            recommendation = CLAUSE if inclusive else NOTHING
            explanation = f"Réservation {article} impossible : {allowed.why}."
        elif count >= thresholds["min_suppliers_whole"]:
            recommendation = RESERVE_WHOLE
            explanation = (
                f"{count} {name} peuvent répondre seules (secteurs, territoire, capacité) : "
                f"au moins {thresholds['min_suppliers_whole']} assurent une concurrence réelle. "
                f"Le marché peut être réservé en entier au titre de l'article {article}."
            )
        elif any(n >= thresholds["min_suppliers_lot"] for _, n in lots):
            good = [lot for lot, n in lots if n >= thresholds["min_suppliers_lot"]]
            recommendation = RESERVE_LOT
            explanation = (
                f"Seulement {count} {name} pour le marché entier, mais au moins "
                f"{thresholds['min_suppliers_lot']} pour : {', '.join(good)}. Réserver "
                f"ce(s) lot(s) au titre de l'article {article}."
            )
        elif count >= thresholds["min_suppliers_clause"] or groups or inclusive:
            recommendation = CLAUSE
            explanation = (
                f"{count} {name} seulement"
                + (f" (et {groups} groupement(s) possible(s))" if groups else "")
                + f" : trop peu pour réserver (seuil {thresholds['min_suppliers_whole']}). "
                "Une clause sociale d'insertion ouvre le marché à ces structures."
            )
        else:
            recommendation = NOTHING
            explanation = (
                f"Aucune {name.split(' (')[0]} ne couvre ce besoin sur ce territoire : "
                "pas de réservation recommandée."
            )
        if article == L2113_15 and allowed.eligible:
            explanation += (
                f" Conditions L2113-15 vérifiées : {allowed.why} ; les entreprises ayant "
                f"remporté un marché réservé pour les mêmes services depuis "
                f"{rules['ess']['exclusion_years']} ans sont écartées."
            )
        result.append(
            ReservationVerdict(article, allowed.eligible, count, lots, recommendation, explanation)
        )
    return result
