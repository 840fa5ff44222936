"""The gazetteer on the committed reference data: real addresses, as importers meet them."""

from __future__ import annotations

import pytest

from domain.gazetteer import (
    Gazetteer,
    default_gazetteer,
    name_variants,
    normalise_departement,
    same_departement,
)
from domain.geo import haversine_km


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def insee_of(gazetteer: Gazetteer, *args, **kwargs) -> str | None:
    resolution = gazetteer.resolve(*args, **kwargs)
    return resolution.commune.insee if resolution.commune else None


def test_haversine_paris_marseille() -> None:
    assert haversine_km(48.8566, 2.3522, 43.2965, 5.3698) == pytest.approx(660, abs=5)
    assert haversine_km(45.0, 5.0, 45.0, 5.0) == 0


def test_name_variants_expand_abbreviations_and_drop_cedex() -> None:
    assert name_variants("ST ETIENNE CEDEX 2") == ("saint etienne",)
    assert name_variants("Ste-Anne") == ("sainte anne",)
    assert name_variants("HAVRE (LE)") == ("le havre",)
    assert name_variants("Paris 11e") == ("paris 11e", "paris")


def test_departement_codes_from_spreadsheets() -> None:
    assert normalise_departement("1") == "01"
    assert normalise_departement(" 2a ") == "2A"
    assert normalise_departement("") is None
    assert same_departement("971", "978")  # Saint-Martin, in Guadeloupe until 2007
    assert not same_departement("13", "75")


def test_loads_every_current_commune(gazetteer: Gazetteer) -> None:
    assert len(gazetteer) == 34_969


@pytest.mark.parametrize(
    ("post_code", "city", "insee", "method"),
    [
        ("13103", "Saint-Étienne-du-Grès", "13094", "postal_code+name"),
        ("13103", "ST ETIENNE DU GRES", "13094", "postal_code+name"),
        ("62400", "BETHUNE", "62119", "postal_code+name"),
        ("75011", "Paris", "75056", "postal_code+name"),
        ("75011", "PARIS 11E", "75056", "postal_code+name"),
        ("69003", "LYON 3EME", "69123", "postal_code+name"),
        ("13013", "Marseille 13e Arrondissement", "13055", "alias_name"),
        ("38080", "L ISLE D ABEAU", "38193", "postal_code+name"),
        ("76600", "HAVRE (LE)", "76351", "postal_code+name"),
        ("1000", "Bourg-en-Bresse", "01053", "postal_code+name"),  # leading zero lost
        ("20090", "AJACCIO", "2A004", "postal_code+name"),
        # CEDEX codes belong to no commune: the name is looked up in the département.
        ("62501", "Saint-Omer Cedex", "62765", "name_in_departement"),
        ("42029", "SAINT ETIENNE CEDEX 1", "42218", "name_in_departement"),
        ("13201", "MARSEILLE CEDEX 01", "13055", "name_in_departement"),
        # Merged communes: the old name leads to the commune nouvelle.
        ("93380", "Pierrefitte-sur-Seine", "93066", "alias_name"),
        ("62140", "Marconne", "62447", "alias_name"),
        ("16230", "Mansle", "16206", "alias_name"),
        # The postal code's commune whose name the given one starts, word for word.
        ("76350", "Oissel", "76484", "partial_name"),
        ("62600", "BERCK SUR MER", "62108", "partial_name"),
    ],
)
def test_resolves_real_addresses(
    gazetteer: Gazetteer, post_code: str, city: str, insee: str, method: str
) -> None:
    resolution = gazetteer.resolve(post_code, city)
    assert resolution.commune is not None, resolution.reason
    assert (resolution.commune.insee, resolution.method) == (insee, method)
    assert resolution.ok and resolution.reason == ""


def test_unknown_commune_gives_a_reason(gazetteer: Gazetteer) -> None:
    resolution = gazetteer.resolve("99999", "Nowhere")
    assert resolution.commune is None and not resolution.ok
    assert "unknown commune" in resolution.reason
    assert "'Nowhere'" in resolution.reason and "99999" in resolution.reason


def test_cedex_code_with_unknown_name_is_not_guessed(gazetteer: Gazetteer) -> None:
    resolution = gazetteer.resolve("21024", "Le Havre")
    assert resolution.commune is None
    assert "département 21" in resolution.reason


def test_another_departements_city_is_refused_not_guessed(gazetteer: Gazetteer) -> None:
    # 40220 has a single commune (Tarnos) but Strasbourg is a commune of the 67.
    resolution = gazetteer.resolve("40220", "Strasbourg", latitude=48.5532, longitude=7.7692)
    assert resolution.commune is None
    assert "Strasbourg (67482)" in resolution.reason


def test_single_commune_of_postal_code_accepts_a_locality_name(gazetteer: Gazetteer) -> None:
    resolution = gazetteer.resolve("40220", "Quartier du Boucau")
    assert resolution.commune is not None
    assert (resolution.commune.name, resolution.method) == (
        "Tarnos",
        "single_commune_for_postal_code",
    )
    # ... unless the coordinates are far from it.
    assert (
        insee_of(gazetteer, "40220", "Quartier du Boucau", latitude=48.85, longitude=2.35) is None
    )


def test_coordinates_choose_among_the_postal_codes_communes(gazetteer: Gazetteer) -> None:
    # "Capavenir Vosges" was renamed back to Thaon-les-Vosges: not a known name any more.
    assert insee_of(gazetteer, "88150", "Capavenir Vosges") is None
    resolution = gazetteer.resolve("88150", "Capavenir Vosges", latitude=48.2517, longitude=6.4200)
    assert resolution.commune is not None
    assert (resolution.commune.insee, resolution.method) == ("88465", "nearest_in_postal_code")
    assert "no coordinates" in gazetteer.resolve("88150", "Capavenir Vosges").reason


def test_coordinates_far_from_every_candidate_are_not_used(gazetteer: Gazetteer) -> None:
    resolution = gazetteer.resolve("88150", "Capavenir Vosges", latitude=43.3, longitude=5.4)
    assert resolution.commune is None
    assert "over 30 km" in resolution.reason


def test_departement_must_agree(gazetteer: Gazetteer) -> None:
    resolution = gazetteer.resolve("75011", "Paris", departement="13")
    assert resolution.commune is None
    assert "not 13" in resolution.reason
    assert insee_of(gazetteer, "75011", "Paris", departement="75") == "75056"
    # Lists still file Saint-Martin under Guadeloupe (971), as before 2007.
    assert insee_of(gazetteer, "97150", "ST MARTIN", departement="971") == "97801"


def test_postal_code_shared_by_two_departements(gazetteer: Gazetteer) -> None:
    # 01200 serves communes of the Ain and of Haute-Savoie.
    assert {c.departement for c in gazetteer.communes_for_postal_code("01200")} >= {"01", "74"}
    assert insee_of(gazetteer, "01200", "Valserhône", departement="01") == "01033"
    # Bellegarde-sur-Valserine merged into Valserhône in 2019.
    assert insee_of(gazetteer, "01200", "BELLEGARDE SUR VALSERINE") == "01033"


def test_invalid_postal_code_needs_a_departement(gazetteer: Gazetteer) -> None:
    assert "no département given" in gazetteer.resolve("", "Lyon").reason
    assert insee_of(gazetteer, "", "Lyon", departement="69") == "69123"


def test_get_follows_old_and_arrondissement_codes(gazetteer: Gazetteer) -> None:
    marseille = gazetteer.get("13055")
    assert marseille is not None and marseille.name == "Marseille"
    assert gazetteer.get("13213") == marseille  # Marseille 13e arrondissement
    paris_11 = gazetteer.get("75111")
    assert paris_11 is not None and paris_11.insee == "75056"
    old = gazetteer.get("62549")  # Marconne, merged into Hesdin-la-Forêt
    assert old is not None and old.insee == "62447"
    assert gazetteer.get("00000") is None


def test_commune_fields(gazetteer: Gazetteer) -> None:
    bethune = gazetteer.get("62119")
    assert bethune is not None
    assert bethune.postal_codes == ("62400",)
    assert (bethune.departement, bethune.region) == ("62", "32")
    assert bethune.epci_siren and len(bethune.epci_siren) == 9
    assert bethune.population and bethune.population > 20_000
    assert bethune.position_precision == "commune"
    assert haversine_km(bethune.latitude, bethune.longitude, 50.53, 2.64) < 5
    with pytest.raises(AttributeError):
        bethune.name = "Other"  # type: ignore[misc]
