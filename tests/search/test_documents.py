"""The shared document builder, on real and crafted enterprises."""

from __future__ import annotations

from tests.search.conftest import EPCI_SIRET, NATIONAL_SIRET, RADIUS_SIRET, REGION_SIRET


def by_siret(documents):
    return {d["siret"]: d for d in documents}


def test_every_imported_enterprise_has_a_document(search_documents):
    assert len(search_documents) == 3809 + 4
    assert len({d["id"] for d in search_documents}) == len(search_documents)


def test_real_enterprise_document(search_documents):
    baluchon = by_siret(search_documents)["80746931700018"]
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


def test_radius_zone_reaches_the_divisions_around_its_base(search_documents):
    lyon = by_siret(search_documents)[RADIUS_SIRET]
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


def test_national_zone_labels_networks_and_staffing(search_documents):
    docs = by_siret(search_documents)
    tours = docs[NATIONAL_SIRET]
    assert tours["zone_national"] and tours["labels"] == ["rsei"]
    assert tours["networks"] == ["union-nationale-des-entreprises-adaptees"]
    assert tours["presta"] == ["supply"]
    assert docs[EPCI_SIRET]["zone_epcis"] == ["200093201"]
    etti = next(d for d in search_documents if d["kind"] == "ETTI")
    assert "staffing" in etti["presta"]  # implied by the kind


# --- Territory: the divisions a zone meets and those it covers whole -------------------


def test_a_departement_zone_meets_its_region_and_epcis_and_covers_those_wholly_inside(
    search_documents,
):
    lille = next(
        d for d in search_documents if d["zone_departements"] == ["59"] and d["commune"] == "59350"
    )
    assert lille["zone_reach_regions"] == ["32"] and lille["zone_reach_departements"] == ["59"]
    assert lille["zone_cover_departements"] == ["59"] and lille["zone_cover_regions"] == []
    # CC Flandre Lys straddles the Nord and the Pas-de-Calais: met, not covered.
    assert "245900758" in lille["zone_reach_epcis"]
    assert "245900758" not in lille["zone_cover_epcis"]
    assert "200093201" in lille["zone_cover_epcis"]  # the MEL lies wholly in the Nord
    assert set(lille["zone_cover_epcis"]) < set(lille["zone_reach_epcis"])
    # A divisions zone meets a commune through what it lists: no commune list to carry.
    assert lille["zone_reach_communes"] == []


def test_a_region_zone_covers_its_departements(search_documents):
    rennes = by_siret(search_documents)[REGION_SIRET]  # zone: région Bretagne
    assert rennes["zone_cover_regions"] == ["53"]
    assert rennes["zone_cover_departements"] == ["22", "29", "35", "56"]
    # Redon Agglomération reaches into Loire-Atlantique (44): met, not covered.
    assert "243500741" in rennes["zone_reach_epcis"]
    assert "243500741" not in rennes["zone_cover_epcis"]
    assert "44" not in rennes["zone_reach_departements"]


def test_an_epci_zone_meets_its_departement_and_region(search_documents):
    mel = by_siret(search_documents)[EPCI_SIRET]
    assert (mel["zone_reach_departements"], mel["zone_reach_regions"]) == (["59"], ["32"])
    assert mel["zone_cover_epcis"] == ["200093201"]
    assert mel["zone_cover_departements"] == mel["zone_cover_regions"] == []


def test_a_radius_covers_the_divisions_all_of_whose_communes_it_reaches(search_documents):
    lyon = by_siret(search_documents)[RADIUS_SIRET]  # 40 km around Lyon 3e
    assert "200046977" in lyon["zone_cover_epcis"]  # the Métropole de Lyon
    assert "38" in lyon["zone_reach_departements"] and lyon["zone_cover_departements"] == []
    assert set(lyon["zone_cover_epcis"]) <= set(lyon["zone_reach_epcis"])


def test_a_national_zone_needs_no_lists(search_documents):
    tours = by_siret(search_documents)[NATIONAL_SIRET]
    assert tours["zone_national"]
    assert tours["zone_reach_regions"] == tours["zone_cover_regions"] == []
