"""One supplier against one purchase: what it covers, where, at what size; a score and
the reasons, in words a buyer and an enterprise can read."""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.domain.matching.eligibility import (
    ARTICLES,
    Verdict,
    allowed_articles,
    supplier_eligible,
)
from webapp.domain.matching.facts import Purchase, Supplier
from webapp.domain.matching.rules import Rules
from webapp.domain.matching.territory import works_in
from webapp.domain.matching.texts import N_, Text

EXACT, GROUP, PRIOR, NONE = "exact", "group", "prior", "none"
_LEVEL = {EXACT: 1.0, GROUP: 0.6, PRIOR: 0.25, NONE: 0.0}


@dataclass(frozen=True)
class Evaluation:
    supplier: Supplier
    score: float
    reasons: tuple[Text, ...]  # French, translatable (texts.py)
    coverage: dict[str, str]  # purchase sector -> EXACT | GROUP | PRIOR | NONE
    serves: bool
    distance_km: float | None
    dependency: float | None  # yearly amount / turnover
    carries: bool | None  # None: turnover unknown
    eligibility: dict[str, Verdict]
    # Derived once (the matcher asks them of thousands of evaluations, several times).
    covered: frozenset[str] = field(init=False)
    covers_all: bool = field(init=False)
    # every sector (one at least), the place, not known too small
    answers_alone: bool = field(init=False)
    relevant: bool = field(init=False)  # worth listing: a sector, and the place
    _eligible: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        covered = frozenset(s for s, level in self.coverage.items() if level != NONE)
        covers_all = len(covered) == len(self.coverage)
        derived = {
            "covered": covered,
            "covers_all": covers_all,
            "answers_alone": bool(covered)
            and covers_all
            and self.serves
            and self.carries is not False,
            "relevant": bool(covered) and self.serves,
            "_eligible": tuple(a for a, v in self.eligibility.items() if v.eligible),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def eligible_articles(self) -> tuple[str, ...]:
        return self._eligible


def evaluate(
    supplier: Supplier,
    purchase: Purchase,
    rules: Rules,
    explain: bool = True,
    allowed: dict[str, bool] | None = None,
) -> Evaluation:
    """``explain``: write the reasons (the same score either way; the matcher writes them
    only for the suppliers it shows). ``allowed``: ``purchase_allows`` per article, if
    already known for this purchase."""
    points = rules["score"]
    reasons: list[Text] = []

    def say(text: Text) -> None:
        if explain:
            reasons.append(text)

    coverage = {
        sector: _coverage(supplier, sector, group, rules) for sector, group in purchase.sectors
    }
    score = 0.0
    if coverage:
        levels = [_LEVEL[level] for level in coverage.values()]
        score += points["sector_exact"] * sum(levels) / len(levels)
        if explain:
            reasons.extend(_sector_reasons(supplier, coverage, purchase.sectors, rules))

    reach = rules["territory"]["derived_zone_reach_km"]
    served, why, distance = works_in(supplier, purchase.place, reach)
    if explain:
        reasons.append(why.capitalise())
    if served:
        score += points["territory"]
        if distance is not None:
            score -= min(10.0, distance / 10 * points["distance_penalty_per_10km"])
            if explain:
                reasons.append(
                    Text(N_("Base à {distance:.0f} km du lieu d'exécution"), distance=distance)
                )

    dependency, carries = None, None
    yearly = purchase.yearly_amount
    share = rules["dependency"]["max_share"]
    if yearly is not None and supplier.turnover:
        dependency = yearly / supplier.turnover
        carries = dependency <= share
        if carries:
            score += points["capacity_known_ok"]
            say(
                Text(
                    N_(
                        "Dépendance économique {dependency:.0%} de son chiffre d'affaires "
                        "(seuil {share:.0%})"
                    ),
                    dependency=dependency,
                    share=share,
                )
            )
        else:
            say(
                Text(
                    N_(
                        "Trop lourd seul : {dependency:.0%} de son chiffre d'affaires "
                        "(seuil {share:.0%}) — envisageable en groupement"
                    ),
                    dependency=dependency,
                    share=share,
                )
            )
    elif yearly is not None:
        score += points["capacity_unknown"]
        say(Text(N_("Chiffre d'affaires inconnu : dépendance économique non évaluée")))
    if (
        yearly is not None
        and supplier.largest_contract is not None
        and yearly > supplier.largest_contract
    ):
        say(
            Text(
                N_("Montant annuel au-delà de son plus gros marché déclaré ({amount} €)"),
                amount=f"{supplier.largest_contract:,.0f}".replace(",", "\u202f"),
            )
        )

    related = [a for a in supplier.awards if a.sectors & set(coverage)]
    if supplier.awards:
        score += min(points["track_record"], 5 * len(related) + len(supplier.awards))
        if related:
            say(
                Text(
                    N_("{won} marché(s) public(s) remporté(s), dont {related} dans ces secteurs"),
                    won=len(supplier.awards),
                    related=len(related),
                )
            )
        else:
            say(Text(N_("{won} marché(s) public(s) remporté(s)"), won=len(supplier.awards)))
    score += points["completeness"] * supplier.completeness / 100
    say(Text(N_("Fiche complète à {percent} %"), percent=supplier.completeness))

    if allowed is None:
        allowed = allowed_articles(purchase, rules)
    eligibility = {
        article: _eligibility(article, supplier, purchase, rules)
        if allowed[article]
        else _NOT_RESERVABLE
        for article in ARTICLES
    }
    return Evaluation(
        supplier=supplier,
        score=round(max(score, 0.0), 1),
        reasons=tuple(reasons),
        coverage=coverage,
        serves=served,
        distance_km=None if distance is None else round(distance, 1),
        dependency=None if dependency is None else round(dependency, 3),
        carries=carries,
        eligibility=eligibility,
    )


_NOT_RESERVABLE = Verdict(False, "achat non réservable sous cet article")
# A supplier's verdict per article depends only on its kind and ESS status, but for the
# L2113-15 exclusion (its awards): verdicts of suppliers without awards are shared.
_SHARED_VERDICTS: dict[tuple[str, str, str], Verdict] = {}


def _eligibility(article: str, supplier: Supplier, purchase: Purchase, rules: Rules) -> Verdict:
    if supplier.awards:
        return supplier_eligible(article, supplier, purchase, rules)
    key = (article, supplier.kind, supplier.ess_status)
    verdict = _SHARED_VERDICTS.get(key)
    if verdict is None:
        verdict = _SHARED_VERDICTS[key] = supplier_eligible(article, supplier, purchase, rules)
    return verdict


def _coverage(supplier: Supplier, sector: str, group: str, rules: Rules) -> str:
    if any(claim.sector == sector for claim in supplier.sectors):
        return EXACT
    if any(claim.group == group for claim in supplier.sectors):
        return GROUP
    if not supplier.sectors:
        share = rules.kind_priors.get(supplier.kind, {}).get(group, 0.0)
        if share >= rules.min_prior:
            return PRIOR
    return NONE


# A sector suggested, not confirmed: where it was read.
_HOW = {
    "naf": N_("Secteur « {sector} » : déduit de son code NAF"),
    "name": N_("Secteur « {sector} » : déduit de son nom"),
    "description": N_("Secteur « {sector} » : déduit de sa description"),
    "declared": N_("Secteur « {sector} » : déclaré"),
}


def _sector_reasons(
    supplier: Supplier,
    coverage: dict[str, str],
    purchase_sectors: tuple[tuple[str, str], ...],
    rules: Rules,
) -> list[Text]:
    reasons = []
    claims = {claim.sector: claim for claim in supplier.sectors}
    groups = {claim_sector: group for claim_sector, group in purchase_sectors}
    for sector, level in coverage.items():
        if level == EXACT:
            claim = claims[sector]
            if claim.status == "confirmed":
                reasons.append(Text(N_("Secteur « {sector} » : confirmé"), sector=sector))
            else:
                reasons.append(Text(_HOW.get(claim.source, _HOW["declared"]), sector=sector))
        elif level == GROUP:
            reasons.append(
                Text(N_("Secteur « {sector} » : activité voisine du même domaine"), sector=sector)
            )
        elif level == PRIOR:
            reasons.append(
                Text(
                    N_(
                        "Secteurs non renseignés ; {share:.0%} des {kind} aux secteurs connus "
                        "travaillent dans ce domaine (a priori {version}, classé après les "
                        "secteurs connus)"
                    ),
                    share=rules.kind_priors[supplier.kind][groups[sector]],
                    kind=supplier.kind,
                    version=rules.prior_version,
                )
            )
    return reasons
