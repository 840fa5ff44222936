"""One supplier against one purchase: what it covers, where, at what size; a score and
the reasons, in words a buyer and an enterprise can read."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.domain.matching.eligibility import ARTICLES, Verdict, purchase_allows, supplier_eligible
from webapp.domain.matching.facts import Purchase, Supplier
from webapp.domain.matching.rules import Rules
from webapp.domain.matching.territory import works_in

EXACT, GROUP, PRIOR, NONE = "exact", "group", "prior", "none"
_LEVEL = {EXACT: 1.0, GROUP: 0.6, PRIOR: 0.25, NONE: 0.0}


@dataclass(frozen=True)
class Evaluation:
    supplier: Supplier
    score: float
    reasons: tuple[str, ...]
    coverage: dict[str, str]  # purchase sector -> EXACT | GROUP | PRIOR | NONE
    serves: bool
    distance_km: float | None
    dependency: float | None  # yearly amount / turnover
    carries: bool | None  # None: turnover unknown
    eligibility: dict[str, Verdict]

    @property
    def covered(self) -> frozenset[str]:
        return frozenset(s for s, level in self.coverage.items() if level != NONE)

    @property
    def covers_all(self) -> bool:
        return all(level != NONE for level in self.coverage.values())

    @property
    def answers_alone(self) -> bool:
        """Covers every sector, serves the place, and is not known to be too small."""
        return self.covers_all and self.serves and self.carries is not False

    @property
    def relevant(self) -> bool:
        """Worth listing: covers at least one sector and serves the place."""
        return bool(self.covered) and self.serves

    def eligible_articles(self) -> tuple[str, ...]:
        return tuple(a for a, verdict in self.eligibility.items() if verdict.eligible)


def evaluate(supplier: Supplier, purchase: Purchase, rules: Rules) -> Evaluation:
    points = rules["score"]
    reasons: list[str] = []
    coverage = {
        sector: _coverage(supplier, sector, group, rules) for sector, group in purchase.sectors
    }
    score = 0.0
    if coverage:
        levels = [_LEVEL[level] for level in coverage.values()]
        score += points["sector_exact"] * sum(levels) / len(levels)
        reasons.extend(_sector_reasons(supplier, coverage, purchase.sectors, rules))

    reach = rules["territory"]["derived_zone_reach_km"]
    served, why, distance = works_in(supplier, purchase.place, reach)
    reasons.append(why[0].upper() + why[1:])
    if served:
        score += points["territory"]
        if distance is not None:
            score -= min(10.0, distance / 10 * points["distance_penalty_per_10km"])
            reasons.append(f"Base à {distance:.0f} km du lieu d'exécution")

    dependency, carries = None, None
    yearly = purchase.yearly_amount
    share = rules["dependency"]["max_share"]
    if yearly is not None and supplier.turnover:
        dependency = yearly / supplier.turnover
        carries = dependency <= share
        if carries:
            score += points["capacity_known_ok"]
            reasons.append(f"Dépendance économique {dependency:.0%} de son chiffre d'affaires "
                           f"(seuil {share:.0%})")
        else:
            reasons.append(f"Trop lourd seul : {dependency:.0%} de son chiffre d'affaires "
                           f"(seuil {share:.0%}) — envisageable en groupement")
    elif yearly is not None:
        score += points["capacity_unknown"]
        reasons.append("Chiffre d'affaires inconnu : dépendance économique non évaluée")
    if (
        yearly is not None
        and supplier.largest_contract is not None
        and yearly > supplier.largest_contract
    ):
        reasons.append(f"Montant annuel au-delà de son plus gros marché déclaré "
                       f"({supplier.largest_contract:,.0f} €)".replace(",", " "))

    related = [a for a in supplier.awards if a.sectors & set(coverage)]
    if supplier.awards:
        score += min(points["track_record"], 5 * len(related) + len(supplier.awards))
        reasons.append(f"{len(supplier.awards)} marché(s) public(s) remporté(s)"
                       + (f", dont {len(related)} dans ces secteurs" if related else ""))
    score += points["completeness"] * supplier.completeness / 100
    reasons.append(f"Fiche complète à {supplier.completeness} %")

    eligibility = {
        article: supplier_eligible(article, supplier, purchase, rules)
        if purchase_allows(article, purchase, rules).eligible
        else Verdict(False, "achat non réservable sous cet article")
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


def _sector_reasons(
    supplier: Supplier,
    coverage: dict[str, str],
    purchase_sectors: tuple[tuple[str, str], ...],
    rules: Rules,
) -> list[str]:
    reasons = []
    claims = {claim.sector: claim for claim in supplier.sectors}
    groups = {claim_sector: group for claim_sector, group in purchase_sectors}
    for sector, level in coverage.items():
        if level == EXACT:
            claim = claims[sector]
            how = "confirmé" if claim.status == "confirmed" else f"déduit ({claim.source})"
            reasons.append(f"Secteur « {sector} » : {how}")
        elif level == GROUP:
            reasons.append(f"Secteur « {sector} » : activité voisine du même domaine")
        elif level == PRIOR:
            share = rules.kind_priors[supplier.kind][groups[sector]]
            reasons.append(
                f"Secteurs non renseignés ; {share:.0%} des {supplier.kind} aux secteurs connus "
                f"travaillent dans ce domaine (a priori {rules.prior_version}, classé après "
                "les secteurs connus)"
            )
    return reasons
