"""The matcher's texts: French as written, and the same texts in another language from
their templates and values (texts.py); every template the matcher writes is translated."""

from __future__ import annotations

import random
import re

from babel.messages.pofile import read_po

from domain.matching.match import match
from domain.matching.texts import N_, Text
from tests.domain.matching.factories import places, random_purchase, random_supplier
from tests.factories import CATALOGUE


def test_a_text_is_its_french_wording_and_remembers_how_it_was_made():
    inner = Text(N_("intervient à {km:g} km autour de sa base"), km=30.0)
    outer = Text(N_("{why} (zone déduite de son adresse, non déclarée)"), why=inner)
    assert outer == (
        "intervient à 30 km autour de sa base (zone déduite de son adresse, non déclarée)"
    )
    assert outer.capitalise() == "I" + outer[1:]
    english = {
        "intervient à {km:g} km autour de sa base": "works within {km:g} km of its base",
        "{why} (zone déduite de son adresse, non déclarée)": "{why} (area inferred)",
    }
    translated = outer.capitalise().translated(lambda t: english.get(t, t))
    assert translated == "Works within 30 km of its base (area inferred)"
    assert outer.capitalise().translated(lambda t: t) == outer.capitalise()  # the French


def _templates(text) -> set[str]:
    if not isinstance(text, Text):
        return set()
    found = {text.template}
    for value in text.values.values():
        found |= _templates(value)
    return found


def test_every_template_of_real_matches_has_an_english_translation():
    """The texts of the matches of a varied directory: each template (not a join of
    other texts) is in the English catalogue, translated, with the same placeholders."""
    rng = random.Random(1)
    pool = [random_supplier(rng, i) for i in range(40)]
    templates: set[str] = set()
    for number, place in enumerate(places() * 3):
        result = match(random_purchase(rng, number, place), pool)
        for evaluation in result.suppliers:
            assert all(isinstance(reason, Text) for reason in evaluation.reasons)
            for reason in evaluation.reasons:
                templates |= _templates(reason)
        for verdict in result.reservations:
            templates |= _templates(verdict.explanation)
        for group in result.groups:
            templates |= _templates(group.explanation)
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
