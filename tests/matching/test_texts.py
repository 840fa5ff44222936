"""The matcher's texts: French as written, and the same texts in another language from
their templates and values (texts.py); every template the matcher writes is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from webapp.domain.matching.texts import N_, Text, data_of, render

CATALOGUE = Path(__file__).resolve().parents[2] / "translations/en/LC_MESSAGES/messages.po"


def test_a_text_is_its_french_wording_and_remembers_how_it_was_made():
    inner = Text(N_("intervient à {km:g} km autour de sa base"), km=30.0)
    outer = Text(N_("{why} (zone déduite de son adresse, non déclarée)"), why=inner)
    assert (
        outer == "intervient à 30 km autour de sa base (zone déduite de son adresse, non déclarée)"
    )
    assert outer.capitalise() == "I" + outer[1:]
    english = {
        "intervient à {km:g} km autour de sa base": "works within {km:g} km of its base",
        "{why} (zone déduite de son adresse, non déclarée)": "{why} (area inferred)",
    }
    data = outer.capitalise().as_data()
    assert (
        render(data, lambda t: english.get(t, t))
        == "Works within 30 km of its base (area inferred)"
    )
    assert render(data, lambda t: t) == outer.capitalise()  # no translation: the French
    assert data_of("plain") is None


def _templates(data) -> set[str]:
    found = {data["template"]}
    for value in data["values"].values():
        if isinstance(value, dict) and "template" in value:
            found |= _templates(value)
    return found


def test_every_template_of_a_real_match_has_an_english_translation(session):
    """The texts of the matches of a varied directory: each template (not a join of
    other texts) is in the English catalogue, translated, with the same placeholders."""
    import random

    from tests.matching.test_table import places, random_purchase, random_supplier
    from webapp.domain.matching.match import match
    from webapp.services.matching import result_json

    rng = random.Random(1)
    pool = [random_supplier(rng, i) for i in range(40)]
    templates: set[str] = set()
    for number, place in enumerate(places() * 3):
        result = result_json(match(random_purchase(rng, number, place), pool))
        for supplier in result["suppliers"]:
            for data in supplier["reasons_i18n"]:
                templates |= _templates(data)
        for verdict in result["reservations"].values():
            templates |= _templates(verdict["explanation_i18n"])
        for group in result["groups"]:
            templates |= _templates(group["explanation_i18n"])
    joins = {t for t in templates if re.fullmatch(r"(\{t\d+\}[ ;]*)+", t)}
    with CATALOGUE.open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    missing = [t for t in templates - joins if not catalogue.get(t)]
    assert not missing
    placeholders = re.compile(r"\{(\w+)[^}]*\}")
    for template in templates - joins:
        assert sorted(placeholders.findall(template)) == sorted(
            placeholders.findall(catalogue[template])
        ), template
    assert len(templates - joins) >= 25  # the directory reached most of the texts
