"""The shared document builder, on real and crafted enterprises."""

from __future__ import annotations

from search.query import Place
from search.territory import alternatives, holds
from tests.search.conftest import EPCI_SIRET, NATIONAL_SIRET, RADIUS_SIRET, REGION_SIRET


def test_every_imported_enterprise_has_a_document(search_documents):
    assert len(search_documents) == 3809 + 4
    assert len({d["id"] for d in search_documents}) == len(search_documents)


def test_real_enterprise_document(by_siret):
    baluchon = by_siret["80746931700018"]
    assert baluchon["display_name"] == "Baluchon-À table citoyens"
    assert (baluchon["kind"], baluchon["kind_family"]) == ("EI", "insertion")
    assert (baluchon["commune"], baluchon["departement"], baluchon["region"]) == (
        "93063",
        "93",
        "11",
    )
    assert baluchon["zone_departements"] == ["93"] and not baluchon["zone_national"]
    assert baluchon["employees"] == 50  # lower bound of "50 à 99 salariés"
    assert baluchon["reservations"] == ["L2113-13"]
    assert len(baluchon["sectors"]) == len(baluchon["sector_names"]) >= 1


def test_radius_zone_reaches_the_divisions_around_its_base(by_siret):
    lyon = by_siret[RADIUS_SIRET]
    assert lyon["zone_radius_km"] == 40
    assert "69123" in lyon["zone_reach_communes"]  # Lyon itself
    assert {"69", "01", "38"} <= set(lyon["zone_reach_departements"])
    assert "13" not in lyon["zone_reach_departements"]
    assert lyon["reservations"] == ["L2113-12"]
    assert (lyon["employees"], lyon["turnover"], lyon["largest_contract"]) == (
        120,
        2_500_000,
        400_000,
    )
    assert "blanchisserie hospitaliere" in lyon["offers"].lower().replace("è", "e")


def test_national_zone_labels_networks_and_staffing(search_documents, by_siret):
    tours = by_siret[NATIONAL_SIRET]
    assert tours["zone_national"] and tours["labels"] == ["rsei"]
    assert tours["networks"] == ["union-nationale-des-entreprises-adaptees"]
    assert tours["presta"] == ["supply"]
    assert by_siret[EPCI_SIRET]["zone_epcis"] == ["200093201"]
    etti = next(d for d in search_documents if d["kind"] == "ETTI")
    assert "staffing" in etti["presta"]  # implied by the kind


# --- Territory: the divisions a zone meets and those it covers whole -------------------


def _place(kind: str, code: str, *containing: tuple[str, str]) -> Place:
    return Place(kind, code, code, 0.0, 0.0, ((kind, code), *containing), (0.0, 0.0, 0.0, 0.0))


def works_in(document, place) -> bool:
    return any(holds(document, f, v) for f, v in alternatives(place, "any"))


def covers(document, place) -> bool:
    return any(holds(document, f, v) for f, v in alternatives(place, "all"))


# The places the tests ask about, with what contains each whole (as webapp.indexing.places says).
REGION_32 = _place("region", "32")
NORD = _place("departement", "59", ("region", "32"))
PAS_DE_CALAIS = _place("departement", "62", ("region", "32"))
MEL = _place("epci", "200093201", ("departement", "59"), ("region", "32"))
FLANDRE_LYS = _place("epci", "245900758", ("region", "32"))  # straddles the Nord and the 62
REDON = _place("epci", "243500741")  # Bretagne and Pays de la Loire


def test_a_departement_zone_meets_its_region_and_epcis_and_covers_those_wholly_inside(
    search_documents,
):
    lille = next(
        d for d in search_documents if d["zone_departements"] == ["59"] and d["commune"] == "59350"
    )
    assert works_in(lille, REGION_32) and not covers(lille, REGION_32)
    assert works_in(lille, NORD) and covers(lille, NORD)
    assert not works_in(lille, PAS_DE_CALAIS)
    # CC Flandre Lys straddles the Nord and the Pas-de-Calais: met, not covered.
    assert works_in(lille, FLANDRE_LYS) and not covers(lille, FLANDRE_LYS)
    assert works_in(lille, MEL) and covers(lille, MEL)  # the MEL lies wholly in the Nord
    # One division: the document lists only what is coarser (its région), not the Nord's
    # EPCIs — the query names those (a few tokens a document, not a hundred).
    assert lille["zone_reach_regions"] == ["32"] and lille["zone_reach_epcis"] == []
    assert lille["zone_reach_communes"] == []


def test_a_region_zone_covers_its_departements(by_siret):
    rennes = by_siret[REGION_SIRET]  # zone: région Bretagne
    bretagne = _place("region", "53")
    assert covers(rennes, bretagne)
    for departement in ("22", "29", "35", "56"):
        assert covers(rennes, _place("departement", departement, ("region", "53")))
    # Redon Agglomération reaches into Loire-Atlantique (44): met, not covered.
    assert works_in(rennes, REDON) and not covers(rennes, REDON)
    assert not works_in(rennes, _place("departement", "44", ("region", "52")))


def test_an_epci_zone_meets_its_departement_and_region(by_siret):
    mel = by_siret[EPCI_SIRET]
    assert (mel["zone_reach_departements"], mel["zone_reach_regions"]) == (["59"], ["32"])
    assert works_in(mel, NORD) and not covers(mel, NORD)
    assert works_in(mel, REGION_32) and not covers(mel, REGION_32)
    assert works_in(mel, MEL) and covers(mel, MEL)
    assert not works_in(mel, FLANDRE_LYS)


def test_a_radius_covers_the_divisions_all_of_whose_communes_it_reaches(by_siret):
    lyon = by_siret[RADIUS_SIRET]  # 40 km around Lyon 3e
    assert "200046977" in lyon["zone_cover_epcis"]  # the Métropole de Lyon
    assert "38" in lyon["zone_reach_departements"] and lyon["zone_cover_departements"] == []
    assert set(lyon["zone_cover_epcis"]) <= set(lyon["zone_reach_epcis"])


def test_a_national_zone_needs_no_lists(by_siret):
    tours = by_siret[NATIONAL_SIRET]
    assert tours["zone_national"]
    assert tours["zone_reach_regions"] == tours["zone_cover_regions"] == []
