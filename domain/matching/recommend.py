"""Per reservation article: how many suppliers could answer, and what to recommend —
reserve the whole purchase, reserve a lot, an insertion clause, or nothing — with an
explanation a buyer can paste in a report (DESIGN.md, reserved markets)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.matching.eligibility import ARTICLES, L2113_15, purchase_allows
from domain.matching.facts import Purchase
from domain.matching.rules import Rules
from domain.matching.texts import N_, Text

RESERVE_WHOLE, RESERVE_LOT, CLAUSE, NOTHING = "reserve_whole", "reserve_lot", "clause", "nothing"

# Who each article reserves to: one, several (a count is always said in words that
# agree with it: "aucune structure", "1 structure", "3 structures").
_WHO = {
    "L2113-12": (N_("structure du handicap (EA, ESAT)"), N_("structures du handicap (EA, ESAT)")),
    "L2113-13": (N_("structure d'insertion (SIAE)"), N_("structures d'insertion (SIAE)")),
    "L2113-14": (
        N_("structure du handicap ou d'insertion (réservation combinée)"),
        N_("structures du handicap ou d'insertion (réservation combinée)"),
    ),
    "L2113-15": (
        N_("entreprise de l'ESS (services sociaux, de santé et culturels)"),
        N_("entreprises de l'ESS (services sociaux, de santé et culturels)"),
    ),
}


@dataclass(frozen=True)
class ReservationVerdict:
    article: str
    allowed: bool  # the purchase itself may be reserved under the article
    eligible_count: int  # eligible suppliers known to answer alone
    lots: tuple[tuple[str, int], ...]  # (lot, eligible suppliers known to answer it) if lots
    recommendation: str
    explanation: Text  # French, translatable (texts.py)
    probable_count: int = 0  # eligible suppliers that would answer alone, were they known


def counted(count: int, article: str) -> Text:
    """``count`` suppliers eligible under ``article``, in words: never "0 structures"."""
    one, several = _WHO[article]
    if count == 0:
        return Text(N_("aucune {who}"), who=Text(one))
    return Text(N_("{count} {who}"), count=count, who=Text(one if count == 1 else several))


def _joined(texts: list[Text]) -> Text | str:
    """Texts joined by semicolons, each still translatable."""
    if len(texts) <= 1:
        return texts[0] if texts else ""
    return Text(N_("{first} ; {rest}"), first=texts[0], rest=_joined(texts[1:]))


def verdicts(
    purchase: Purchase,
    able: dict[str, int],
    lots_able: dict[str, dict[str, int]],
    inclusive: int,
    rules: Rules,
    groups_by_article: dict[str, int] | None = None,
    probable: dict[str, int] | None = None,
) -> list[ReservationVerdict]:
    """One verdict per article, in the order of ``ARTICLES``. ``able``: per article, the
    eligible suppliers known to answer alone (sectors, place, size); ``lots_able``: the
    same per lot; ``inclusive``: those known to answer alone eligible for one article at
    least; ``probable``: per article, the eligible ones that would answer alone were their
    sectors known — shown apart, never counted toward a recommendation."""
    thresholds = rules["reservation"]
    groups_by_article = groups_by_article or {}
    probable = probable or {}
    result = []
    for article in ARTICLES:
        allowed = purchase_allows(article, purchase, rules)
        count = able[article] if allowed.eligible else 0
        maybe = probable.get(article, 0) if allowed.eligible else 0
        lots = tuple(
            (lot, counts[article] if allowed.eligible else 0) for lot, counts in lots_able.items()
        )
        groups = groups_by_article.get(article, 0)
        whole, per_lot = thresholds["min_suppliers_whole"], thresholds["min_suppliers_lot"]
        per_lot_counts = Text(
            N_("par lot : {lots}"),
            lots=_joined(
                [Text(N_("{lot} : {count}"), lot=lot, count=counted(n, article)) for lot, n in lots]
            ),
        )
        if not allowed.eligible:
            recommendation = CLAUSE if inclusive else NOTHING
            explanation = Text(
                N_("Réservation {article} impossible : {why}."), article=article, why=allowed.why
            )
        elif count >= whole:
            recommendation = RESERVE_WHOLE
            explanation = Text(
                N_(
                    "{count} peuvent répondre seules ({basis}) ; il en faut au moins {whole} "
                    "pour une concurrence réelle. Le marché peut être réservé en entier au "
                    "titre de l'article {article}."
                ),
                count=counted(count, article).capitalise(),
                basis=Text(N_("type de structure, territoire, capacité"))
                if purchase.nature is not None
                else Text(N_("secteurs connus, territoire, capacité")),
                whole=whole,
                article=article,
            )
        elif any(n >= per_lot for _, n in lots):
            recommendation = RESERVE_LOT
            explanation = Text(
                N_(
                    "Pour le marché entier : {count} ({lots}). Réserver au titre de l'article "
                    "{article} le(s) lot(s) qui en comptent au moins {per_lot} : {chosen}."
                ),
                count=counted(count, article),
                lots=per_lot_counts,
                per_lot=per_lot,
                chosen=", ".join(lot for lot, n in lots if n >= per_lot),
                article=article,
            )
        elif count == 0 and (groups or inclusive):
            recommendation = CLAUSE
            explanation = Text(
                N_(
                    "{count} connue ne peut répondre seule (et {groups} groupement(s) "
                    "possible(s)) ; d'autres structures inclusives le peuvent : une clause "
                    "sociale d'insertion leur ouvre le marché."
                )
                if groups
                else N_(
                    "{count} connue ne peut répondre seule ; d'autres structures inclusives le "
                    "peuvent : une clause sociale d'insertion leur ouvre le marché."
                ),
                count=counted(0, article).capitalise(),
                groups=groups,
            )
        elif count >= thresholds["min_suppliers_clause"] or groups or inclusive:
            recommendation = CLAUSE
            explanation = Text(
                N_(
                    "{count} seulement (et {groups} groupement(s) possible(s)) : trop peu "
                    "pour réserver (il en faut au moins {whole}). Une clause sociale "
                    "d'insertion ouvre le marché à ces structures."
                )
                if groups
                else N_(
                    "{count} seulement : trop peu pour réserver (il en faut au moins "
                    "{whole}). Une clause sociale d'insertion ouvre le marché à ces structures."
                ),
                count=counted(count, article).capitalise(),
                groups=groups,
                whole=whole,
            )
        else:
            recommendation = NOTHING
            explanation = Text(
                N_(
                    "{count} connue ne couvre ce besoin sur ce territoire : pas de réservation "
                    "recommandée."
                ),
                count=counted(0, article).capitalise(),
            )
        if lots and allowed.eligible and recommendation != RESERVE_LOT:
            explanation = Text(
                N_("{explanation} Détail {lots}."), explanation=explanation, lots=per_lot_counts
            )
        if maybe and allowed.eligible:
            explanation = Text(
                N_(
                    "{explanation} En outre, {maybe} probable — secteurs non renseignés ou "
                    "seulement voisins, à vérifier — non comptée ici."
                )
                if maybe == 1
                else N_(
                    "{explanation} En outre, {maybe} probables — secteurs non renseignés ou "
                    "seulement voisins, à vérifier — non comptées ici."
                ),
                explanation=explanation,
                maybe=counted(maybe, article),
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
            ReservationVerdict(
                article, allowed.eligible, count, lots, recommendation, explanation, maybe
            )
        )
    return result
