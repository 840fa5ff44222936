"""The legal and territorial rules of the matcher, one by one (DESIGN.md)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.matching.eligibility import (
    L2113_12,
    L2113_13,
    L2113_14,
    L2113_15,
    purchase_allows,
    supplier_eligible,
)
from domain.matching.evaluate import PRIOR, evaluate
from domain.matching.facts import Award, Place, Purchase, SectorClaim, Supplier, Zone
from domain.matching.groups import find_groups
from domain.matching.match import match
from domain.matching.rules import load_rules
from domain.matching.territory import serves

RULES = load_rules()
LILLE = Place(
    "commune",
    "59350",
    "Lille",
    50.63,
    3.06,
    (("commune", "59350"), ("epci", "200093201"), ("departement", "59"), ("region", "32")),
)
NORD = Place(
    "departement",
    "59",
    "Nord",
    50.5,
    3.1,
    (("departement", "59"), ("region", "32")),
    communes=(("59350", "200093201", "59"), ("59009", "200093201", "59"), ("59183", None, "59")),
)
CLEANING = ("nettoyage-de-locaux", "hygiene-et-proprete")
GREEN = ("entretien-espaces-verts", "espaces-verts-exterieurs")


def supplier(siret="1", kind="EI", sectors=(CLEANING,), zone=None, turnover=1_000_000, **kw):
    claims = tuple(SectorClaim(s, g, "confirmed", "declared", 1.0) for s, g in sectors)
    zone = zone or Zone("divisions", frozenset({("departement", "59")}), declared=True)
    return Supplier(
        siret=siret,
        name=f"S{siret}",
        kind=kind,
        sectors=claims,
        zone=zone,
        latitude=50.6,
        longitude=3.0,
        turnover=turnover,
        **kw,
    )


def purchase(sectors=(CLEANING,), place=LILLE, annual=100_000, **kw):
    return Purchase(
        key="p", title="Nettoyage", sectors=tuple(sectors), place=place, annual_amount=annual, **kw
    )


@pytest.mark.parametrize(
    ("kind", "article", "eligible"),
    [
        ("EA", L2113_12, True),
        ("ESAT", L2113_12, True),
        ("EI", L2113_12, False),
        ("EI", L2113_13, True),
        ("ETTI", L2113_13, True),
        ("AI", L2113_13, True),
        ("ACI", L2113_13, True),
        ("EITI", L2113_13, True),
        ("EA", L2113_13, False),
        ("GEIQ", L2113_13, False),
        ("GEIQ", L2113_12, False),
        ("EA", L2113_14, True),
        ("ACI", L2113_14, True),
        ("GEIQ", L2113_14, False),
        ("ESS", L2113_15, True),
        ("EI", L2113_15, False),
    ],
)
def test_who_may_answer_each_article(kind, article, eligible):
    verdict = supplier_eligible(article, supplier(kind=kind), purchase(), RULES)
    assert verdict.eligible is eligible


def test_geiq_is_refused_with_the_reason():
    verdict = supplier_eligible(L2113_13, supplier(kind="GEIQ"), purchase(), RULES)
    assert "GEIQ" in verdict.why and "SIAE" in verdict.why


def test_eatt_is_eligible_to_verify():
    verdict = supplier_eligible(L2113_12, supplier(kind="EATT"), purchase(), RULES)
    assert verdict.eligible and verdict.to_verify


def test_ess_status_counts_for_l2113_15_whatever_the_kind():
    assert supplier_eligible(
        L2113_15, supplier(kind="EI", ess_status="by_statute"), purchase(), RULES
    ).eligible


SOCIAL = dict(cpv=("85311000",), duration_months=24, buyer_type="pouvoir_adjudicateur")


def test_l2113_15_conditions_on_the_purchase():
    assert purchase_allows(L2113_15, purchase(**SOCIAL), RULES).eligible
    assert not purchase_allows(
        L2113_15, purchase(**SOCIAL | {"duration_months": 48}), RULES
    ).eligible
    assert not purchase_allows(
        L2113_15, purchase(**SOCIAL | {"buyer_type": "entite_adjudicatrice"}), RULES
    ).eligible
    outside = purchase_allows(L2113_15, purchase(**SOCIAL | {"cpv": ("90910000",)}), RULES)
    assert not outside.eligible and "90910000" in outside.why
    assert not purchase_allows(
        L2113_15, purchase(**SOCIAL | {"duration_months": None}), RULES
    ).eligible
    # The other articles reserve any purchase.
    assert purchase_allows(L2113_13, purchase(**SOCIAL | {"duration_months": 48}), RULES).eligible


def test_l2113_15_excludes_a_recent_reserved_award_for_the_same_services():
    launch = date(2027, 1, 1)
    recent = Award(date(2025, 3, 1), 50_000, "85311000", reservation=L2113_15)
    old = Award(date(2022, 3, 1), 50_000, "85311000", reservation=L2113_15)
    other_service = Award(date(2025, 3, 1), 50_000, "92500000", reservation=L2113_15)
    unreserved = Award(date(2025, 3, 1), 50_000, "85311000")
    p = purchase(**SOCIAL, launch=launch)
    for awards, eligible in [
        ((recent,), False),
        ((old,), True),
        ((other_service,), True),
        ((unreserved,), True),
    ]:
        verdict = supplier_eligible(L2113_15, supplier(kind="ESS", awards=awards), p, RULES)
        assert verdict.eligible is eligible, awards
    assert (
        "exclusion"
        in supplier_eligible(L2113_15, supplier(kind="ESS", awards=(recent,)), p, RULES).why
    )


def test_dependency_threshold():
    share = RULES["dependency"]["max_share"]
    assert share == 0.30
    light = evaluate(supplier(turnover=1_000_000), purchase(annual=300_000), RULES)
    heavy = evaluate(supplier(turnover=1_000_000), purchase(annual=300_001), RULES)
    unknown = evaluate(supplier(turnover=None), purchase(annual=300_000), RULES)
    assert (light.carries, light.dependency) == (True, 0.3)
    assert heavy.carries is False and not heavy.answers_alone
    assert any("groupement" in r for r in heavy.reasons)
    assert unknown.carries is None and unknown.answers_alone  # uncertain, not excluded
    assert any("inconnu" in r for r in unknown.reasons)


def test_yearly_amount_from_total_and_duration():
    assert purchase(annual=None, total_amount=240_000, duration_months=48).yearly_amount == 60_000


@pytest.mark.parametrize(
    ("zone", "place", "served"),
    [
        (Zone("divisions", frozenset({("departement", "59")})), LILLE, True),  # its communes
        (Zone("divisions", frozenset({("departement", "62")})), LILLE, False),
        (Zone("divisions", frozenset({("epci", "200093201")})), LILLE, True),
        (Zone("divisions", frozenset({("region", "32")})), NORD, True),  # région → départements
        (Zone("divisions", frozenset({("commune", "59350")})), NORD, False),  # part only
        (Zone("national"), LILLE, True),
        (Zone("radius", radius_km=20, reach=frozenset({("commune", "59350")})), LILLE, True),
        (Zone("radius", radius_km=20, reach=frozenset({("commune", "59009")})), LILLE, False),
        (Zone("none"), LILLE, False),
    ],
)
def test_territory_rules(zone, place, served):
    assert serves(zone, place)[0] is served


def test_zones_together_serve_a_departement_commune_by_commune():
    lille = supplier("1", zone=Zone("divisions", frozenset({("epci", "200093201")})))
    rest = supplier("2", zone=Zone("divisions", frozenset({("commune", "59183")})))
    p = purchase(place=NORD)
    evaluations = [evaluate(s, p, RULES) for s in (lille, rest)]
    assert not any(e.serves for e in evaluations)  # neither alone serves the Nord
    search = find_groups(p, evaluations, RULES, L2113_13)
    assert [set(g.sirets) for g in search.groups] == [{"1", "2"}]
    assert find_groups(p, evaluations[:1], RULES, L2113_13).groups == ()


def test_group_finds_the_complementary_pair():
    cleaner = supplier("1", sectors=(CLEANING,))
    gardener = supplier("2", sectors=(GREEN,))
    unrelated = supplier("3", sectors=(("restauration-collective", "restauration"),))
    p = purchase(sectors=(CLEANING, GREEN))
    evaluations = [evaluate(s, p, RULES) for s in (cleaner, gardener, unrelated)]
    search = find_groups(p, evaluations, RULES, L2113_13)
    assert [set(g.sirets) for g in search.groups] == [{"1", "2"}]
    group = search.groups[0]
    assert group.reservation == L2113_13 and set(group.covers) == {CLEANING[0], GREEN[0]}
    assert "mandataire" in group.explanation


def test_no_group_when_one_enterprise_suffices():
    both = supplier("9", sectors=(CLEANING, GREEN))
    others = [supplier("1", sectors=(CLEANING,)), supplier("2", sectors=(GREEN,))]
    p = purchase(sectors=(CLEANING, GREEN))
    evaluations = [evaluate(s, p, RULES) for s in [both, *others]]
    assert find_groups(p, evaluations, RULES, L2113_13).groups == ()


def test_mixed_group_is_refused_for_a_reserved_contract():
    """An EA and an EI together cover the need: fine unreserved or under L2113-14, never
    under L2113-12 or L2113-13 (every member must be eligible)."""
    ea = supplier("1", kind="EA", sectors=(CLEANING,))
    ei = supplier("2", kind="EI", sectors=(GREEN,))
    p = purchase(sectors=(CLEANING, GREEN))
    evaluations = [evaluate(s, p, RULES) for s in (ea, ei)]
    assert find_groups(p, evaluations, RULES, L2113_12).groups == ()
    assert find_groups(p, evaluations, RULES, L2113_13).groups == ()
    assert len(find_groups(p, evaluations, RULES, L2113_14).groups) == 1
    assert len(find_groups(p, evaluations, RULES, None).groups) == 1


def test_group_carries_a_size_no_member_carries_alone():
    a = supplier("1", sectors=(CLEANING,), turnover=200_000)
    b = supplier("2", sectors=(CLEANING,), turnover=200_000)
    p = purchase(annual=100_000)  # 50 % of each one's turnover, 25 % of both
    evaluations = [evaluate(s, p, RULES) for s in (a, b)]
    assert not any(e.answers_alone for e in evaluations)
    [group] = find_groups(p, evaluations, RULES, L2113_13).groups
    assert "25%" in group.explanation
    too_big = purchase(annual=200_000)
    evaluations = [evaluate(s, too_big, RULES) for s in (a, b)]
    assert find_groups(too_big, evaluations, RULES, L2113_13).groups == ()


def test_unknown_sectors_rank_below_known_ones_through_the_kind_prior():
    share = RULES.kind_priors["ACI"]["espaces-verts-exterieurs"]
    assert share >= RULES.min_prior
    known = supplier("1", kind="ACI", sectors=(GREEN,))
    unknown = supplier("2", kind="ACI", sectors=())
    elsewhere = supplier("3", kind="ACI", sectors=(("restauration-collective", "restauration"),))
    result = match(purchase(sectors=(GREEN,)), [unknown, elsewhere, known])
    assert [e.supplier.siret for e in result.suppliers] == ["1", "2"]
    prior = result.suppliers[1]
    assert prior.coverage[GREEN[0]] == PRIOR
    assert any("a priori" in r for r in prior.reasons)


def test_recommendation_from_counts():
    p = purchase()
    many = [supplier(str(i)) for i in range(3)]
    result = match(p, many)
    verdict = {v.article: v for v in result.reservations}
    assert verdict[L2113_13].recommendation == "reserve_whole"
    assert verdict[L2113_13].eligible_count == 3
    assert verdict[L2113_12].recommendation in ("clause", "nothing")
    assert "L2113-13" in verdict[L2113_13].explanation
    few = {v.article: v for v in match(p, many[:1]).reservations}
    assert few[L2113_13].recommendation == "clause"
    none = {v.article: v for v in match(p, []).reservations}
    assert none[L2113_13].recommendation == "nothing"
    # L2113-15 impossible for this purchase: said, with the reason.
    assert not verdict[L2113_15].allowed and "impossible" in verdict[L2113_15].explanation


def test_reserve_a_lot_when_only_one_lot_has_competition():
    lot_cleaning = purchase(sectors=(CLEANING,)).__class__(
        key="p/lot:1",
        title="Lot 1",
        sectors=(CLEANING,),
        place=LILLE,
        annual_amount=50_000,
        lot="Lot 1 nettoyage",
    )
    lot_green = lot_cleaning.__class__(
        key="p/lot:2",
        title="Lot 2",
        sectors=(GREEN,),
        place=LILLE,
        annual_amount=50_000,
        lot="Lot 2 espaces verts",
    )
    p = purchase(sectors=(CLEANING, GREEN), lots=(lot_cleaning, lot_green))
    cleaners = [supplier(str(i), sectors=(CLEANING,)) for i in range(2)]
    verdict = {v.article: v for v in match(p, cleaners).reservations}
    assert verdict[L2113_13].recommendation == "reserve_lot"
    assert "Lot 1 nettoyage" in verdict[L2113_13].explanation


def test_matching_is_deterministic():
    suppliers = [supplier(str(i), sectors=(CLEANING,) if i % 2 else (GREEN,)) for i in range(8)]
    p = purchase(sectors=(CLEANING, GREEN))
    first, second = match(p, suppliers), match(p, list(reversed(suppliers)))
    assert [e.supplier.siret for e in first.suppliers] == [
        e.supplier.siret for e in second.suppliers
    ]
    assert [g.sirets for g in first.groups] == [g.sirets for g in second.groups]


def test_a_group_member_works_in_the_place_or_part_of_it():
    """A gardener of the Pas-de-Calais brings the missing sector but works nowhere in the
    Nord: it joins no group there; one working in part of the Nord does."""
    from domain.matching.territory import divisions_inside, touches

    cleaner = supplier("1", sectors=(CLEANING,))
    far = supplier(
        "2",
        sectors=(GREEN,),
        zone=Zone("divisions", frozenset({("departement", "62")}), declared=True),
    )
    near = supplier(
        "3",
        sectors=(GREEN,),
        zone=Zone("divisions", frozenset({("epci", "200093201")}), declared=True),
    )
    p = purchase(sectors=(CLEANING, GREEN), place=NORD)
    inside = divisions_inside(NORD)
    assert not touches(far.zone, NORD, inside) and touches(near.zone, NORD, inside)
    groups = match(p, [cleaner, far, near]).groups
    assert groups and all("2" not in g.sirets for g in groups)
    assert any(set(g.sirets) == {"1", "3"} for g in groups)


def test_a_group_may_serve_the_place_together_commune_by_commune():
    """Neither covers the whole Nord, both sectors, nor... together they do: a group."""
    metropole = Zone("divisions", frozenset({("epci", "200093201")}), declared=True)
    rest = Zone("divisions", frozenset({("commune", "59183")}), declared=True)
    a = supplier("1", sectors=(CLEANING, GREEN), zone=metropole)
    b = supplier("2", sectors=(CLEANING, GREEN), zone=rest)
    p = purchase(sectors=(CLEANING, GREEN), place=NORD)
    [group] = [g for g in match(p, [a, b]).groups if g.reservation == L2113_13]
    assert set(group.sirets) == {"1", "2"}
    # With a third commune left out of both zones, no group serves the Nord.
    partial = supplier(
        "2",
        sectors=(CLEANING, GREEN),
        zone=Zone("divisions", frozenset({("commune", "59999")}), declared=True),
    )
    assert match(p, [a, partial]).groups == ()


def test_an_inferred_zone_also_serves_near_its_base():
    """A zone an import deduced from the address is a guess: the enterprise also serves a
    place within the reach of the rules (50 km), said in its reasons; a declared zone is
    taken at its word."""
    reach = RULES["territory"]["derived_zone_reach_km"]
    arras = Place(
        "commune",
        "62041",
        "Arras",
        50.29,
        2.78,
        (("commune", "62041"), ("departement", "62"), ("region", "32")),
    )
    inferred = supplier("1", zone=Zone("divisions", frozenset({("departement", "59")})))
    declared = supplier(
        "2", zone=Zone("divisions", frozenset({("departement", "59")}), declared=True)
    )
    far = Supplier(
        siret="3",
        name="S3",
        kind="EI",
        sectors=inferred.sectors,
        zone=inferred.zone,
        latitude=48.85,
        longitude=2.35,
        turnover=1_000_000,
    )
    p = purchase(place=arras)
    by_siret = {e.supplier.siret: e for e in match(p, [inferred, declared, far]).suppliers}
    assert set(by_siret) == {"1"}
    assert by_siret["1"].distance_km < reach
    assert any("non déclarée" in r for r in by_siret["1"].reasons)


def test_reasons_are_written_for_the_shown_suppliers_only_and_change_nothing_else():
    suppliers = [supplier(str(i), turnover=None if i % 3 else 500_000) for i in range(6)]
    p = purchase()
    full = match(p, suppliers)
    short = match(p, suppliers, explain_top=2)
    assert len(full.ranking) == len(short.ranking) == 6
    assert short.ranking.sirets() == full.ranking.sirets()
    assert short.ranking.answering() == full.ranking.answering()
    assert [e.supplier.siret for e in short.suppliers] == short.ranking.sirets()[:2]
    assert [(e.score, e.eligible_articles()) for e in short.suppliers] == [
        (e.score, e.eligible_articles()) for e in full.suppliers[:2]
    ]
    assert all(e.reasons for e in short.suppliers)
    quiet = evaluate(suppliers[0], p, RULES, explain=False)
    assert quiet.reasons == () and quiet.score == evaluate(suppliers[0], p, RULES).score
