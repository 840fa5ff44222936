"""One supplier against one purchase: what it covers, where, at what size; a score and
the reasons, in words a buyer and an enterprise can read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from domain.geo import haversine_km
from domain.matching.eligibility import (
    ARTICLES,
    Verdict,
    allowed_articles,
    supplier_eligible,
)
from domain.matching.facts import Place, Purchase, SectorClaim, Supplier
from domain.matching.nature import Nature
from domain.matching.rules import Rules
from domain.matching.territory import DISTANCE_DECIMALS, presence
from domain.matching.texts import N_, Text
from domain.places import NATIONAL

# Sector evidence levels, weakest first (matching_rules.toml, [evidence]). From SUGGESTED
# on, the sector is *known*: the data says the supplier does it.
NONE, OTHER, PRIOR, GROUP, SUGGESTED, TRACK, EXACT = (
    "none",
    "other",
    "prior",
    "group",
    "suggested",
    "track",
    "exact",
)
LEVELS = (NONE, OTHER, PRIOR, GROUP, SUGGESTED, TRACK, EXACT)
KNOWN_LEVELS = frozenset({SUGGESTED, TRACK, EXACT})


@dataclass(frozen=True)
class Evaluation:
    supplier: Supplier
    score: float
    reasons: tuple[Text, ...]  # French, translatable (texts.py)
    coverage: dict[str, str]  # purchase sector -> one of LEVELS
    serves: bool  # covers the whole place (``territory.presence``)
    works: bool  # works in the place or a part of it
    distance_km: float | None  # to the nearest part of the place, 0 inside it
    dependency: float | None  # yearly amount / turnover
    carries: bool | None  # None: turnover unknown
    eligibility: dict[str, Verdict]
    evidence: float  # 0..1: how strongly the data says it does what is bought
    fits_kind: bool = True  # a kind the purchase's nature is bought from (or a trade)
    nature: bool = False  # the purchase is an insertion or staff-provision service
    trade_known: bool = False  # known to do a sector of each of the purchase's groups
    # Probable, not merely possible: more evidence than "its known sectors are others".
    likely: bool = True
    # Derived once (the matcher asks them of thousands of evaluations, several times).
    covered: frozenset[str] = field(init=False)  # sectors it is known to do
    known: bool = field(init=False)  # the data says it can do this purchase
    # known, covers the place, not known too small
    answers_alone: bool = field(init=False)
    relevant: bool = field(init=False)  # worth listing: some evidence, and works there
    probable_alone: bool = field(init=False)  # would answer alone, were it known
    _eligible: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        covered = frozenset(s for s, level in self.coverage.items() if level in KNOWN_LEVELS)
        known = self.fits_kind and (self.nature or self.trade_known)
        relevant = self.fits_kind and self.works and self.evidence > 0
        able = self.serves and self.carries is not False
        derived = {
            "covered": covered,
            "known": known,
            "answers_alone": known and relevant and able,
            "relevant": relevant,
            "probable_alone": relevant and able and not known and self.likely,
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
    distance: float | None | object = ...,
) -> Evaluation:
    """``explain``: write the reasons (the same score either way; the matcher writes them
    only for the suppliers it shows). ``allowed``: ``purchase_allows`` per article, if
    already known for this purchase. ``distance``: ``supplier_distance``, if already
    known (the matcher has it from the columns)."""
    points = rules["score"]
    reasons: list[Text] = []

    def say(text: Text) -> None:
        if explain:
            reasons.append(text)

    nature = purchase.nature
    fits_kind = nature is None or supplier.kind in nature.kinds
    coverage = {
        sector: _coverage(supplier, sector, group, rules) for sector, group in purchase.sectors
    }
    # Sectors of one group are alternatives (a purchase read as "restaurants, cantines" and
    # "restauration collective" asks one trade): per group, the best; then their mean.
    groups = sector_groups(purchase)
    evidence = sector_evidence(
        [
            max(weight(coverage[sector], supplier.kind, group, rules) for sector in sectors)
            for group, sectors in groups.items()
        ],
        nature is not None,
        rules,
    )
    trade_known = bool(groups) and all(
        any(coverage[sector] in KNOWN_LEVELS for sector in sectors) for sectors in groups.values()
    )
    if not fits_kind:
        evidence = 0.0
    if explain:
        if nature is not None:
            reasons.append(_nature_reason(supplier, nature, fits_kind))
        reasons.extend(_sector_reasons(supplier, coverage, purchase.sectors, rules))
        if not purchase.sectors and nature is None:
            reasons.append(Text(N_("Activité de l'achat non identifiée : classé par proximité")))

    reach = rules["territory"]["derived_zone_reach_km"]
    if distance is ...:
        distance = supplier_distance(supplier, purchase.place)
    where = presence(supplier, purchase.place, reach, distance)
    say(where.why.capitalise())
    if distance is not None and where.works:
        if distance == 0:
            say(Text(N_("Dans le lieu d'exécution")))
        elif distance < 1:
            say(Text(N_("Base à moins d'un kilomètre du lieu d'exécution")))
        else:
            say(Text(N_("Base à {distance:.0f} km du lieu d'exécution"), distance=distance))
    score = points["scale"] * evidence * proximity(distance, rules)

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

    if supplier.awards:
        score += min(points["track_record"], len(supplier.awards))
        related = [a for a in supplier.awards if a.sectors & set(coverage)]
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
        serves=where.covers,
        works=where.works,
        distance_km=None if distance is None else round(distance, 1),
        dependency=None if dependency is None else round(dependency, 3),
        carries=carries,
        eligibility=eligibility,
        evidence=evidence,
        fits_kind=fits_kind,
        nature=nature is not None,
        trade_known=trade_known,
        likely=evidence >= rules["evidence"]["prior_floor"],
    )


def supplier_distance(supplier: Supplier, place: Place) -> float | None:
    """``territory.nearest_km`` for one supplier, in plain Python (a NumPy call per point
    costs a millisecond for a département's 150): the same formula, rounded to the metre as
    the columns are, so the same number."""
    if supplier.latitude is None or supplier.longitude is None:
        return None
    if place.kind == NATIONAL:
        return 0.0
    if not place.points:
        return None
    if supplier.commune in place.insee:
        return 0.0
    nearest = min(
        haversine_km(supplier.latitude, supplier.longitude, latitude, longitude)
        for latitude, longitude in place.points
    )
    return round(nearest, DISTANCE_DECIMALS)


def proximity(distance: float | None, rules: Rules) -> float:
    """How close, 0..1: ``proximities`` of one distance, by the same NumPy functions on a
    scalar (``math.exp`` differs from NumPy's in the last bit for one value in twenty)."""
    settings = rules["proximity"]
    if distance is None:
        return settings["unknown_position"]
    return float(np.round(np.exp(np.float64(-distance) / settings["scale_km"]), 6))


def proximities(distances: np.ndarray, rules: Rules) -> np.ndarray:
    """exp(-km / scale), rounded to 6 decimals; ``unknown_position`` where NaN."""
    settings = rules["proximity"]
    with np.errstate(invalid="ignore"):
        close = np.round(np.exp(-distances / settings["scale_km"]), 6)
    return np.where(np.isnan(distances), settings["unknown_position"], close)


def weight(level: str, kind: str, group: str, rules: Rules) -> float:
    """The evidence one sector level carries (``prior``: by the share of the kind)."""
    weights = rules["evidence"]
    if level == NONE:
        return 0.0
    if level == PRIOR:
        share = rules.kind_priors.get(kind, {}).get(group, 0.0)
        return weights["prior_floor"] + weights["prior_scale"] * share
    return weights[level]


def sector_groups(purchase: Purchase) -> dict[str, list[str]]:
    """The purchase's sector groups, each with its sectors, in the purchase's order."""
    groups: dict[str, list[str]] = {}
    for sector, group in dict(purchase.sectors).items():
        groups.setdefault(group, []).append(sector)
    return groups


def sector_evidence(levels: list[float], nature: bool, rules: Rules) -> float:
    """The supplier's evidence from the weights of its sector levels (per group of the
    purchase, in its order): their mean — for an insertion or staff-provision purchase,
    the kind's weight plus the support activity's bonus; for a purchase whose trade is not
    known, the floor."""
    weights = rules["evidence"]
    mean = sum(levels) / len(levels) if levels else None
    if nature:
        if mean is None:
            return weights["nature_kind"]
        return weights["nature_kind"] + weights["nature_sector_bonus"] * mean
    return weights["prior_floor"] if mean is None else mean


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
    claims = supplier.sectors
    if any(c.sector == sector and _declared(c) for c in claims):
        return EXACT
    if any(sector in award.sectors for award in supplier.awards):
        return TRACK
    if any(c.sector == sector for c in claims):
        return SUGGESTED
    if any(c.group == group for c in claims):
        return GROUP
    if not claims:
        return PRIOR
    if not any(_declared(c) for c in claims):
        return OTHER
    return NONE


def _declared(claim: SectorClaim) -> bool:
    """Stated by the enterprise (or confirmed by it), not suggested from public data."""
    return claim.status == "confirmed" or claim.source == "declared"


def _nature_reason(supplier: Supplier, nature: Nature, fits: bool) -> Text:
    if fits:
        return Text(
            N_("Achat de {nature} : une structure {kind} en est le fournisseur type"),
            nature=nature.why,
            kind=supplier.kind,
        )
    return Text(
        N_("Achat de {nature} : pas acheté à une structure {kind}"),
        nature=nature.why,
        kind=supplier.kind,
    )


# A sector suggested, not confirmed: where it was read.
_HOW = {
    "naf": N_("Connu — secteur « {sector} » : déduit de son code NAF"),
    "name": N_("Connu — secteur « {sector} » : déduit de son nom"),
    "description": N_("Connu — secteur « {sector} » : déduit de sa description"),
    "declared": N_("Connu — secteur « {sector} » : déclaré"),
}


def _sector_reasons(
    supplier: Supplier,
    coverage: dict[str, str],
    purchase_sectors: tuple[tuple[str, str], ...],
    rules: Rules,
) -> list[Text]:
    """Per purchase sector, what the data says — *known* or *probable*, and from where."""
    reasons = []
    claims = {claim.sector: claim for claim in supplier.sectors}
    groups = dict(purchase_sectors)
    for sector, level in coverage.items():
        if level == EXACT:
            claim = claims[sector]
            if claim.status == "confirmed":
                reasons.append(Text(N_("Connu — secteur « {sector} » : confirmé"), sector=sector))
            else:
                reasons.append(Text(N_("Connu — secteur « {sector} » : déclaré"), sector=sector))
        elif level == TRACK:
            won = [a for a in supplier.awards if sector in a.sectors]
            codes = ", ".join(sorted({a.cpv for a in won if a.cpv})) or "?"
            reasons.append(
                Text(
                    N_(
                        "Connu — secteur « {sector} » : d'après {won} marché(s) public(s) "
                        "remporté(s) (DECP, CPV {codes})"
                    ),
                    sector=sector,
                    won=len(won),
                    codes=codes,
                )
            )
        elif level == SUGGESTED:
            claim = claims[sector]
            reasons.append(Text(_HOW.get(claim.source, _HOW["declared"]), sector=sector))
        elif level == GROUP:
            reasons.append(
                Text(
                    N_("Probable — secteur « {sector} » : activité voisine du même domaine"),
                    sector=sector,
                )
            )
        elif level == PRIOR:
            share = rules.kind_priors.get(supplier.kind, {}).get(groups[sector], 0.0)
            reasons.append(
                Text(
                    N_(
                        "Probable — secteurs non renseignés ; {share:.0%} des {kind} aux "
                        "secteurs connus travaillent dans ce domaine (a priori {version})"
                    ),
                    share=share,
                    kind=supplier.kind,
                    version=rules.prior_version,
                )
            )
        elif level == OTHER:
            reasons.append(
                Text(
                    N_(
                        "Peu probable — secteur « {sector} » : ses secteurs connus (suggérés) "
                        "sont autres"
                    ),
                    sector=sector,
                )
            )
        else:
            reasons.append(
                Text(N_("Secteur « {sector} » : hors de ses secteurs déclarés"), sector=sector)
            )
    return reasons
