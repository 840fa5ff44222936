"""Per reservation article: how many suppliers could answer, and what to recommend —
reserve the whole purchase, reserve a lot, an insertion clause, or nothing — with an
explanation a buyer can paste in a report (DESIGN.md, reserved markets)."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.matching.eligibility import ARTICLES, L2113_15, purchase_allows
from webapp.domain.matching.facts import Purchase
from webapp.domain.matching.rules import Rules
from webapp.domain.matching.texts import N_, Text

RESERVE_WHOLE, RESERVE_LOT, CLAUSE, NOTHING = "reserve_whole", "reserve_lot", "clause", "nothing"

# Who each article reserves to: plural (they can answer) and singular (none can).
_WHO = {
    "L2113-12": (N_("structures du handicap (EA, ESAT)"), N_("structure du handicap")),
    "L2113-13": (N_("structures d'insertion (SIAE)"), N_("structure d'insertion")),
    "L2113-14": (
        N_("structures du handicap et d'insertion (réservation combinée)"),
        N_("structure du handicap ou d'insertion"),
    ),
    "L2113-15": (
        N_("entreprises de l'ESS (services sociaux, de santé et culturels)"),
        N_("entreprise de l'ESS"),
    ),
}


@dataclass(frozen=True)
class ReservationVerdict:
    article: str
    allowed: bool  # the purchase itself may be reserved under the article
    eligible_count: int  # eligible suppliers that answer alone
    lots: tuple[tuple[str, int], ...]  # (lot, eligible suppliers answering it) if lots
    recommendation: str
    explanation: Text  # French, translatable (texts.py)


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
        who, one = (Text(template) for template in _WHO[article])
        whole, per_lot = thresholds["min_suppliers_whole"], thresholds["min_suppliers_lot"]
        if not allowed.eligible:
            recommendation = CLAUSE if inclusive else NOTHING
            explanation = Text(
                N_("Réservation {article} impossible : {why}."), article=article, why=allowed.why
            )
        elif count >= whole:
            recommendation = RESERVE_WHOLE
            explanation = Text(
                N_(
                    "{count} {who} peuvent répondre seules (secteurs, territoire, capacité) : "
                    "au moins {whole} assurent une concurrence réelle. Le marché peut être "
                    "réservé en entier au titre de l'article {article}."
                ),
                count=count,
                who=who,
                whole=whole,
                article=article,
            )
        elif any(n >= per_lot for _, n in lots):
            recommendation = RESERVE_LOT
            explanation = Text(
                N_(
                    "Seulement {count} {who} pour le marché entier, mais au moins {per_lot} "
                    "pour : {lots}. Réserver ce(s) lot(s) au titre de l'article {article}."
                ),
                count=count,
                who=who,
                per_lot=per_lot,
                lots=", ".join(lot for lot, n in lots if n >= per_lot),
                article=article,
            )
        elif count >= thresholds["min_suppliers_clause"] or groups or inclusive:
            recommendation = CLAUSE
            explanation = Text(
                N_(
                    "{count} {who} seulement (et {groups} groupement(s) possible(s)) : trop "
                    "peu pour réserver (seuil {whole}). Une clause sociale d'insertion ouvre "
                    "le marché à ces structures."
                )
                if groups
                else N_(
                    "{count} {who} seulement : trop peu pour réserver (seuil {whole}). Une "
                    "clause sociale d'insertion ouvre le marché à ces structures."
                ),
                count=count,
                who=who,
                groups=groups,
                whole=whole,
            )
        else:
            recommendation = NOTHING
            explanation = Text(
                N_(
                    "Aucune {one} ne couvre ce besoin sur ce territoire : pas de réservation "
                    "recommandée."
                ),
                one=one,
            )
        if article == L2113_15 and allowed.eligible:
            explanation = Text(
                N_(
                    "{explanation} Conditions L2113-15 vérifiées : {why} ; les entreprises "
                    "ayant remporté un marché réservé pour les mêmes services depuis {years} "
                    "ans sont écartées."
                ),
                explanation=explanation,
                why=allowed.why,
                years=rules["ess"]["exclusion_years"],
            )
        result.append(
            ReservationVerdict(article, allowed.eligible, count, lots, recommendation, explanation)
        )
    return result
