"""Reserved markets (Code de la commande publique), article by article: whether the
purchase may be reserved under it, and whether a supplier may answer it (DESIGN.md).

Which kinds answer which article is ``domain.reservations``' table, shared with the
search; this module adds the contract-level conditions and says why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.matching.facts import Purchase, Supplier
from domain.matching.rules import Rules
from domain.matching.texts import N_, Text
from domain.reservations import (
    ARTICLES,
    COMBINED,
    L2113_12,
    L2113_13,
    L2113_14,
    L2113_15,
    TO_VERIFY,
    kind_answers,
)


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    why: str
    to_verify: bool = False


def purchase_allows(article: str, purchase: Purchase, rules: Rules) -> Verdict:
    """Whether the purchase itself may be reserved under ``article``."""
    if article != L2113_15:
        return Verdict(True, Text(N_("réservation possible pour tout achat")))
    if purchase.buyer_type != "pouvoir_adjudicateur":
        return Verdict(False, Text(N_("L2113-15 est réservé aux pouvoirs adjudicateurs")))
    if not purchase.cpv:
        return Verdict(
            False, Text(N_("sans code CPV, impossible de vérifier la liste des services"))
        )
    outside = [c for c in purchase.cpv if not c.startswith(rules.ess_cpv_prefixes)]
    if outside:
        return Verdict(
            False,
            Text(
                N_("CPV {codes} hors des services sociaux, de santé et culturels"),
                codes=", ".join(outside),
            ),
        )
    limit = rules["ess"]["max_duration_months"]
    if purchase.duration_months is None:
        return Verdict(
            False, Text(N_("durée inconnue (au plus {limit} mois pour L2113-15)"), limit=limit)
        )
    if purchase.duration_months > limit:
        return Verdict(
            False,
            Text(
                N_("durée {months} mois, plus de {limit} mois"),
                months=purchase.duration_months,
                limit=limit,
            ),
        )
    return Verdict(
        True,
        Text(N_("services de la liste, pouvoir adjudicateur, au plus {limit} mois"), limit=limit),
    )


def allowed_articles(purchase: Purchase, rules: Rules) -> dict[str, bool]:
    """``purchase_allows(article).eligible`` for each article of ``ARTICLES``."""
    return {article: purchase_allows(article, purchase, rules).eligible for article in ARTICLES}


def supplier_eligible(
    article: str, supplier: Supplier, purchase: Purchase, rules: Rules
) -> Verdict:
    """Whether ``supplier`` may answer a contract reserved under ``article`` (the purchase's
    own conditions are ``purchase_allows``)."""
    kind = supplier.kind
    answers = kind_answers(article, kind, supplier.ess_status)
    if article == L2113_12:
        if answers:
            return Verdict(True, f"{kind} : structure du handicap", to_verify=kind in TO_VERIFY)
        return Verdict(False, f"{kind} n'est pas une structure du handicap")
    if article == L2113_13:
        if answers:
            return Verdict(True, f"{kind} : structure d'insertion (SIAE)")
        if kind == "GEIQ":
            return Verdict(False, "un GEIQ n'est pas une SIAE : non éligible à L2113-13")
        return Verdict(False, f"{kind} n'est pas une structure d'insertion")
    if article == L2113_14:
        for combined in COMBINED[L2113_14]:
            verdict = supplier_eligible(combined, supplier, purchase, rules)
            if verdict.eligible:
                return Verdict(True, f"{verdict.why} (réservation combinée)", verdict.to_verify)
        return Verdict(False, f"{kind} n'est ni une structure du handicap ni d'insertion")
    if article == L2113_15:
        if not answers:
            return Verdict(False, "pas une entreprise de l'ESS connue")
        excluded = _recent_ess_award(supplier, purchase, rules)
        if excluded:
            return Verdict(False, excluded)
        return Verdict(True, "entreprise de l'ESS")
    raise ValueError(f"unknown article {article!r}")


def _recent_ess_award(supplier: Supplier, purchase: Purchase, rules: Rules) -> str | None:
    """L2113-15: no award to a firm that won a contract reserved under it for the same
    services (same CPV class, 5 digits) in the previous 3 years."""
    years = rules["ess"]["exclusion_years"]
    reference = purchase.launch or date.today()
    since = reference - timedelta(days=round(365.25 * years))
    classes = {c[:5] for c in purchase.cpv}
    for award in supplier.awards:
        if award.reservation != L2113_15 or award.notified is None or award.notified < since:
            continue
        if award.cpv and award.cpv[:5] in classes:
            return (
                f"a remporté le {award.notified:%d/%m/%Y} un marché réservé L2113-15 pour "
                f"les mêmes services (exclusion de {years} ans)"
            )
    return None
