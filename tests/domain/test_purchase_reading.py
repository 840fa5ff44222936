"""Reading a purchase: text repair, sectors from its title and description (purchase
vocabulary, enterprise keywords), its CPV codes, and non-trade purchases. Titles are real
ones of the 2019 DECP sample unless said otherwise."""

from __future__ import annotations

import pytest

from domain.purchase_reading import purchase_suggester, read_purchase, text_sectors
from domain.text_repair import repair_mojibake, resolve_replacements
from importers.cpv import sectors_for_cpv


def read(cpv: list[str], title: str, description: str | None = None):
    return read_purchase({code: sectors_for_cpv(code) for code in cpv}, title, description)


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [  # all from the sample's objet fields
        (
            "Mise en Å\x93uvre du DOCOB Natura 2000 site nÂ°208",
            "Mise en œuvre du DOCOB Natura 2000 site n°208",
        ),
        ("Maçonnerie \x96 plâtrerie \x96 carrelage", "Maçonnerie – plâtrerie – carrelage"),
        ("points dâ\x80\x99apport volontaire", "points d’apport volontaire"),
        ("Â« tout â\x80\x93 venants Â»", "« tout – venants »"),
        ("FAÏENCE - PLÂTRERIE", "FAÏENCE - PLÂTRERIE"),  # correct text stays
    ],
)
def test_mojibake_is_repaired_and_correct_text_left_alone(damaged, repaired):
    assert repair_mojibake(damaged) == repaired


def test_a_replacement_character_matches_one_vocabulary_word_or_none():
    text, made = resolve_replacements("Travaux de d\ufffdbroussaillage", {"debroussaillage"})
    assert text == "Travaux de debroussaillage" and made
    # Ambiguous (coeur / cour): left as it is, nothing guessed.
    text, made = resolve_replacements("c\ufffdur", {"coeur", "cour"})
    assert text == "c\ufffdur" and not made


def test_propreté_urbaine_of_an_insertion_purchase_is_its_sector():
    reading = read(["85312510"], "ACHAT DE PRESTATIONS DE PROPRETE URBAINE SUR LE TERRITOIRE")
    assert reading.nature is not None and reading.nature.kind == "insertion"
    # The CPV's "Autre (Médico-social)" is not the supplier's activity: not taken.
    assert reading.names == ["Nettoyage urbain"]
    assert "not read as a trade" in reading.cpv_note


def test_debroussaillage_with_a_lost_accent_is_green_spaces():
    reading = read([], "Travaux de d\ufffdbroussaillage des talus")  # the example
    assert "Création et entretien des espaces verts" in reading.names
    assert reading.repairs


def test_purchase_vocabulary():
    cases = {
        "LOT No5 FAUCHAGE DES ACCOTEMENTS": "Création et entretien des espaces verts",
        "NETTOIEMENT DES VOIRIES COMMUNALES": "Nettoyage urbain",
        "PRESTATIONS DE BLANCHISSERIE POUR LES BESOINS DU DEPARTEMENT": "Blanchisserie",
        "FOURNITURE DE REPAS AUX RESTAURANTS SCOLAIRES ET CRECHES": "Restauration collective",
        "SJDB PRESTATIONS D'ENTRETIEN DES ESPACES PUBLICS": "Nettoyage urbain",
    }
    for title, sector in cases.items():
        assert sector in [s.sector for s in text_sectors(title)[0]], title


def test_words_that_say_little_do_not_make_a_sector():
    # "Hôtel de Ville" is no hotel; "vidéo" alone (0.7) is below the threshold.
    found, _ = text_sectors(
        "Aménagement sonore et vidéo d'une nouvelle salle de réunion à l'Hôtel de Ville"
    )
    assert found == []


def test_a_trade_gets_its_cpv_sector_and_the_title_s():
    reading = read(["90911000"], "ENTRETIEN BATIMENTS COMMUNAUTAIRES NETTOYAGE ET VITRES")
    assert reading.nature is None
    assert "Nettoyage de locaux" in reading.names
    assert [s.source for s in reading.sectors if s.sector == "Nettoyage de locaux"] == ["title"]


def test_staff_provision_keeps_no_cpv_sector():
    reading = read(["85312510"], "PRESTATION DE REMPLACEMENT D'AGENTS TECHNIQUES TERRITORIAUX")
    assert reading.nature.kind == "staffing" and reading.sectors == ()


def test_an_unmapped_cpv_and_a_silent_title_give_no_sector_and_say_why():
    reading = read(["34100000"], "Véhicule neuf 7places catégorie internationale M1")
    assert reading.sectors == () and "maps to no sector" in reading.cpv_note


def test_the_purchase_vocabulary_loads_through_the_suggester():
    # Loading validates every row (sectors of the taxonomy, folded keywords).
    assert purchase_suggester().version


def test_correct_text_with_a_capital_accent_before_a_non_breaking_space_is_left_alone():
    """ "É" then U+00A0 is also a valid UTF-8 pair (U+0260): not mojibake."""
    from domain.text_repair import repair_mojibake

    title = "ENTRETIEN DE LA CITÉ\u00a0: LOT 1"
    assert repair_mojibake(title) == title
    assert repair_mojibake("MaÃ§onnerie") == "Maçonnerie"
