"""Matching as weighing evidence (DESIGN.md; issue #10): unknown never excludes, known
and probable told apart, proximity to the nearest part of the place, insertion and
staff-provision purchases matched by kind, counts that read well."""

from __future__ import annotations

import re

import pytest

from domain.matching.evaluate import (
    EXACT,
    GROUP,
    OTHER,
    PRIOR,
    SUGGESTED,
    TRACK,
    evaluate,
)
from domain.matching.facts import Award, Place, Purchase, SectorClaim, Supplier, Zone
from domain.matching.match import match
from domain.matching.nature import INSERTION, STAFFING, purchase_nature
from domain.matching.recommend import counted, verdicts
from domain.matching.rules import load_rules
from domain.matching.territory import representative_points

RULES = load_rules()
CLEANING = ("nettoyage-de-locaux", "hygiene-et-proprete")
VEHICLES = ("nettoyage-de-vehicules", "hygiene-et-proprete")
GREEN = ("entretien-espaces-verts", "espaces-verts-exterieurs")
# Real positions (GeoNames): Lille, Roubaix, Dunkerque in the Nord; Arras in the
# Pas-de-Calais; Amiens in the Somme.
LILLE = (50.633, 3.059)
ROUBAIX = (50.694, 3.174)
DUNKERQUE = (51.034, 2.377)
ARRAS = (50.291, 2.777)
AMIENS = (49.894, 2.296)
NORD = Place(
    "departement",
    "59",
    "Nord",
    50.5,
    3.1,
    (("departement", "59"), ("region", "32")),
    communes=(("59350", "200093201", "59"), ("59512", "200093201", "59"), ("59183", None, "59")),
    points=(LILLE, ROUBAIX, DUNKERQUE),
)
LILLE_PLACE = Place(
    "commune",
    "59350",
    "Lille",
    *LILLE,
    (("commune", "59350"), ("epci", "200093201"), ("departement", "59"), ("region", "32")),
)
NORD_ZONE = Zone("divisions", frozenset({("departement", "59")}), declared=True)


def supplier(siret, kind="EI", claims=(), at=LILLE, commune="59350", zone=NORD_ZONE, **kw):
    return Supplier(
        siret=siret,
        name=f"S{siret}",
        kind=kind,
        sectors=tuple(claims),
        zone=zone,
        latitude=at[0],
        longitude=at[1],
        commune=commune,
        **kw,
    )


def claim(pair, status="confirmed", source="declared"):
    return SectorClaim(pair[0], pair[1], status, source, 1.0)


def purchase(sectors=(CLEANING,), place=LILLE_PLACE, title="Nettoyage", cpv=(), **kw):
    return Purchase(
        key="p",
        title=title,
        sectors=tuple(sectors),
        place=place,
        cpv=cpv,
        nature=purchase_nature(cpv, title),
        **kw,
    )


def test_each_level_of_evidence_from_declared_to_unknown():
    p = purchase()
    levels = {
        "declared": supplier("1", claims=[claim(CLEANING)]),
        "track": supplier(
            "2",
            claims=[claim(GREEN, "suggested", "naf")],
            awards=(Award(None, None, "90910000", frozenset({CLEANING[0]})),),
        ),
        "suggested": supplier("3", claims=[claim(CLEANING, "suggested", "name")]),
        "group": supplier("4", claims=[claim(VEHICLES)]),
        "prior": supplier("5", kind="ACI"),
        "other": supplier("6", claims=[claim(GREEN, "suggested", "naf")]),
        "none": supplier("7", claims=[claim(GREEN)]),
    }
    got = {name: evaluate(s, p, RULES) for name, s in levels.items()}
    assert [got[n].coverage[CLEANING[0]] for n in levels] == [
        EXACT,
        TRACK,
        SUGGESTED,
        GROUP,
        PRIOR,
        OTHER,
        "none",
    ]
    # The weights decrease with the strength of the evidence (same place, same distance).
    scores = [got[n].score for n in levels]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-2] > scores[-1]
    assert [got[n].known for n in levels] == [True, True, True, False, False, False, False]
    # Unknown never excludes: the ACI with no sector is listed; only an enterprise that
    # declared other trades is left out.
    assert got["prior"].relevant and got["other"].relevant and not got["none"].relevant
    assert any(r.startswith("Probable") for r in got["prior"].reasons)
    assert any(r.startswith("Connu") and "CPV 90910000" in r for r in got["track"].reasons)


def test_a_structure_next_door_with_no_sector_outranks_a_known_one_far_away():
    """Missing data is not evidence against: the ACI of Lille with no known sector ranks
    above a declared cleaner 100 km away (both work in the Nord)."""
    next_door = supplier("1", kind="ACI")
    far = supplier(
        "2",
        claims=[claim(CLEANING)],
        at=AMIENS,
        commune="80021",
        zone=Zone("divisions", frozenset({("region", "32")}), declared=True),
    )
    ranked = match(purchase(), [far, next_door]).ranking.sirets()
    assert ranked == ["1", "2"]
    near_known = supplier("3", claims=[claim(CLEANING)], at=ROUBAIX, commune="59512")
    assert match(purchase(), [far, next_door, near_known]).ranking.sirets()[0] == "3"


def test_distance_is_to_the_nearest_part_of_the_place_not_its_centroid():
    inside = evaluate(
        supplier("1", claims=[claim(CLEANING)], at=DUNKERQUE, commune="59183"),
        purchase(place=NORD),
        RULES,
    )
    assert inside.distance_km == 0
    # Arras (Pas-de-Calais) is ~44 km from Lille, the Nord's nearest part given here; the
    # centroid (50.5, 3.1) is 23 km away.
    outside = evaluate(
        supplier(
            "2",
            claims=[claim(CLEANING)],
            at=ARRAS,
            commune="62041",
            zone=Zone("divisions", frozenset({("region", "32")}), declared=True),
        ),
        purchase(place=NORD),
        RULES,
    )
    assert 40 < outside.distance_km < 48


def test_representative_points_are_bounded_and_stay_near_every_part():
    rng_points = [(49.0 + i * 0.01, 2.0 + j * 0.01) for i in range(80) for j in range(80)]
    reduced = representative_points(rng_points, 0.05, 150)
    assert len(reduced) <= 150
    worst = max(min(abs(a - c) + abs(b - d) for c, d in reduced) for a, b in rng_points)
    assert worst < 0.25  # degrees: every commune stays within a cell or two of a point


def test_an_insertion_purchase_coded_75231240_lists_the_insertion_structures_of_the_place():
    """CPV 75231240 (réinsertion) with "propreté" in its title: a service bought from
    insertion structures as such — every SIAE of the place is listed and known, whatever
    its sectors; the support activity (cleaning) only adds weight; an ESAT is not listed."""
    p = purchase(sectors=(CLEANING,), title="Prestations de propreté urbaine", cpv=("75231240",))
    assert p.nature.kind == INSERTION
    pool = [
        supplier("1", kind="ACI"),  # no sector at all
        supplier("2", kind="EI", claims=[claim(GREEN)]),  # declared another trade
        supplier("3", kind="AI", claims=[claim(CLEANING)]),  # the support activity
        supplier("4", kind="ESAT", claims=[claim(CLEANING)]),
        supplier("5", kind="GEIQ"),  # not an SIAE
    ]
    result = match(p, pool)
    assert set(result.ranking.sirets()) == {"1", "2", "3"}
    assert result.ranking.sirets()[0] == "3"
    assert all(result.ranking.known)
    assert any("prestation d'insertion" in r for r in result.suppliers[0].reasons)


def test_a_staff_provision_purchase_lists_ai_etti_geiq():
    p = purchase(sectors=(), title="Mise à disposition de personnel", cpv=("79620000",))
    assert p.nature.kind == STAFFING
    pool = [supplier(str(n), kind=k) for n, k in enumerate(["AI", "ETTI", "GEIQ", "EI", "ESAT"])]
    listed = {pool[int(s)].kind for s in match(p, pool).ranking.sirets()}
    assert listed == {"AI", "ETTI", "GEIQ"}


def test_the_nature_needs_cpv_and_title_to_agree_where_either_alone_is_weak():
    assert purchase_nature(("85312510",), "Entretien des espaces publics").kind == INSERTION
    assert purchase_nature(("85311000",), "Accueil de jour de personnes âgées") is None
    assert purchase_nature(("85311000",), "Chantier d'insertion").kind == INSERTION
    assert purchase_nature(("45112710",), "Travaux avec clause d'insertion") is None
    # "remplacement des agents" in a software purchase is not staff provision.
    assert purchase_nature(("48900000",), "Logiciel de gestion du remplacement des agents") is None
    assert purchase_nature(("85312510",), "Remplacement d'agents techniques").kind == STAFFING


def test_verdicts_count_the_known_and_show_the_probable_apart():
    pool = [supplier(str(n), kind="EI", claims=[claim(CLEANING)]) for n in range(3)]
    pool += [supplier(str(n), kind="ACI") for n in range(3, 8)]  # probable only
    result = match(purchase(), pool)
    insertion = {v.article: v for v in result.reservations}["L2113-13"]
    assert insertion.eligible_count == 3  # the known, not the 8 listed
    assert insertion.probable_count == 5
    assert "5 structures d'insertion (SIAE) probables" in insertion.explanation


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_a_count_reads_well(count):
    text = counted(count, "L2113-13")
    assert not re.search(r"\b0 structure", text)
    assert text.startswith("aucune structure d'insertion") if count == 0 else True
    assert ("structures" in text) == (count > 1)


def test_no_threshold_is_printed_as_a_count_and_lots_show_their_counts():
    lot_one = purchase(sectors=(CLEANING,))
    lot_two = purchase(sectors=(GREEN,))
    p = purchase(sectors=(CLEANING, GREEN))
    texts = [
        v.explanation
        for v in verdicts(
            p,
            {"L2113-12": 0, "L2113-13": 0, "L2113-14": 0, "L2113-15": 0},
            {
                "Lot 1": {"L2113-12": 0, "L2113-13": 2, "L2113-14": 2, "L2113-15": 0},
                "Lot 2": {"L2113-12": 0, "L2113-13": 0, "L2113-14": 0, "L2113-15": 0},
            },
            0,
            RULES,
        )
    ]
    assert lot_one and lot_two
    for text in texts:
        assert not re.search(r"\b0 (structure|entreprise)", text), text
        assert "Seulement 0" not in text
    insertion = texts[1]
    assert "Lot 1 : 2 structures d'insertion (SIAE)" in insertion
    assert "Lot 2 : aucune structure d'insertion (SIAE)" in insertion


def test_sectors_of_one_group_are_alternatives_sectors_of_two_groups_are_both_needed():
    """A purchase read as "restaurants, cantines" and "restauration collective" asks one
    trade: known for one of them is known. Cleaning and green spaces are two trades."""
    one_trade = purchase(sectors=(CLEANING, VEHICLES))
    two_trades = purchase(sectors=(CLEANING, GREEN))
    cleaner = supplier("1", claims=[claim(CLEANING)])
    assert evaluate(cleaner, one_trade, RULES).known
    assert evaluate(cleaner, one_trade, RULES).evidence == 1.0
    assert not evaluate(cleaner, two_trades, RULES).known
    assert evaluate(cleaner, two_trades, RULES).evidence < 1.0


def test_none_known_for_an_article_while_others_can_answer_reads_well():
    """No disability employer, yet insertion structures can answer: a clause, said without
    "aucune … seulement" (a count of none is no "only")."""
    counts = {"L2113-12": 0, "L2113-13": 4, "L2113-14": 4, "L2113-15": 0}
    texts = {v.article: v for v in verdicts(purchase(), counts, {}, 4, RULES)}
    disability = texts["L2113-12"]
    assert disability.recommendation == "clause"
    assert disability.explanation.startswith("Aucune structure du handicap (EA, ESAT) connue")
    assert "seulement" not in disability.explanation


def test_a_zone_of_several_departements_covers_the_region_they_make_up():
    """Covers P: the zone holds all of P — by the union of its divisions (the search's
    rule too). One département of two works in part of the région only."""
    region = Place(
        "region",
        "32",
        "Hauts-de-France",
        50.5,
        2.8,
        (("region", "32"),),
        communes=(("59350", "200093201", "59"), ("62041", None, "62")),
        points=(LILLE, ARRAS),
    )
    both = Zone("divisions", frozenset({("departement", "59"), ("departement", "62")}), True)
    one = evaluate(supplier("1", claims=[claim(CLEANING)]), purchase(place=region), RULES)
    two = evaluate(
        supplier("2", claims=[claim(CLEANING)], zone=both), purchase(place=region), RULES
    )
    assert one.works and not one.serves and not one.answers_alone
    assert any("une partie de Hauts-de-France" in r for r in one.reasons)
    assert two.serves and two.answers_alone
    result = match(
        purchase(place=region),
        [
            supplier("1", claims=[claim(CLEANING)]),
            supplier("2", claims=[claim(CLEANING)], zone=both),
        ],
    )
    assert [s.siret for s, _, _ in result.ranking.answering()] == ["2"]
