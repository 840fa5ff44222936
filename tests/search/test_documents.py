"""The shared document builder, on real and crafted enterprises."""

from __future__ import annotations

from tests.search.conftest import EPCI_SIRET, NATIONAL_SIRET, RADIUS_SIRET


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
