"""The embedded index's text columns and the words a hit names as matched."""

from __future__ import annotations

from search.embedded.text import TextUnit, matched_terms, text_columns
from tests.search.factories import make_document


def test_the_body_column_holds_every_body_source_in_order():
    document = make_document(
        1,
        "Atelier",
        description="Entretien des espaces",
        offers="Tonte",
        commune_name="Lille",
        sector_group_names=["Bâtiments et Travaux publics"],
        kind_terms=["insertion"],
    )
    body = text_columns(document)[-1]
    assert body == "entretien espace tonte lille batiment travail public insertion"


def test_a_missing_text_field_adds_no_word():
    document = make_document(1, "Atelier", commune_name=None, kind_terms=[])
    assert text_columns(document)[-1] == ""


def test_a_brand_equal_to_the_name_is_not_indexed_twice():
    same = text_columns(make_document(1, "Vert Espace", brand="Vert Espace"))
    other = text_columns(make_document(1, "Vert Espace", brand="Les Jardins"))
    assert same[2] == "vert espace"  # no "espace vert" phrase across the two
    assert other[2] == "vert espace jardin"


def test_matched_terms_are_the_words_as_written_heaviest_field_first():
    document = make_document(
        1, "Menuiserie du Nord", description="Menuiseries bois", sector_names=["Menuiserie"]
    )
    unit = TextUnit(own=("menuiserie",), exact={"menuiserie"}, prefixes={"menuis"})
    assert matched_terms(document, [unit]) == ("menuiserie", "menuiseries")
    assert matched_terms(document, []) == ()
