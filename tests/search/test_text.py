"""Text analysis shared by the search backends."""

from __future__ import annotations

import random

import pytest

from domain.kinds import KIND_CODES
from domain.text import fold
from search.synonyms import (
    default_synonyms,
    kind_name_groups,
    kind_terms,
    parse_kind_words,
    parse_synonyms,
)
from search.text import (
    ONE_WAY,
    PARTIAL_MATCH_BELOW,
    STOP_WORDS,
    edit_distance,
    folded,
    forms,
    min_shared_trigrams,
    partial_applies,
    searched_as_prefix,
    segment,
    split_identifiers,
    stem,
    synonym_pairs,
    synonym_table,
    terms,
    trigrams,
    typo_budget,
    typo_distance,
    words,
)


@pytest.mark.parametrize(
    "text",
    ["ÉLECTRICITÉ", "Saint-Étienne-du-Grès", "cœur", "plain ascii, with punctuation!", "", "🙂 x"],
)
def test_folded_is_fold_with_an_ascii_shortcut(text):
    assert folded(text) == fold(text)


def test_words_are_folded_and_stop_words_dropped():
    assert words("Collecte des Déchets et de l'Électroménager") == [
        "collecte",
        "dechets",
        "electromenager",
    ]


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("dechets", "dechet"),
        ("espaces", "espace"),
        ("verts", "vert"),
        ("locaux", "local"),
        ("hopitaux", "hopital"),
        ("bureaux", "bureau"),
        ("travaux", "travail"),
    ],
)
def test_plural_and_singular_share_a_stem(plural, singular):
    assert stem(plural) == stem(singular)


@pytest.mark.parametrize("word", ["bus", "tri", "express", "l2113", "2a"])
def test_short_words_double_s_and_codes_are_left_alone(word):
    assert stem(word) == word


def test_terms_match_whatever_the_accents_case_and_number():
    assert terms("Espaces Verts") == terms("espace vert") == ["espace", "vert"]
    assert terms("DÉCHETS") == terms("dechet")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("80746931700018", ["80746931700018"]),
        ("807 469 317 00018", ["80746931700018"]),
        ("807.469.317", ["807469317"]),
        (
            "SIREN 807 469 317 et SIRET 802\u00a0954\u00a0784\u00a000012",
            ["807469317", "80295478400012"],
        ),
        ("69003 Lyon", []),  # a post code is not an identifier
        ("12 34", []),
    ],
)
def test_siret_and_siren_are_found_with_or_without_spaces(text, found):
    assert split_identifiers(text)[0] == found


def test_identifiers_are_taken_out_of_the_remaining_text():
    identifiers, rest = split_identifiers("nettoyage 807 469 317 Lyon")
    assert identifiers == ["807469317"]
    assert rest.split() == ["nettoyage", "Lyon"]


@pytest.mark.parametrize(
    ("word", "budget"),
    [("velo", 0), ("menage", 1), ("nettoyag", 1), ("nettoyage", 2), ("75000", 0)],
)
def test_typo_budget_grows_with_the_word(word, budget):
    assert typo_budget(word) == budget


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("netoyage", "nettoyage", 1),
        ("menuiserei", "menuiserie", 1),  # a transposition is one edit
        ("blanchisrie", "blanchisserie", 2),
        ("abc", "abc", 0),
        ("", "ab", 2),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, 2) == distance


def test_edit_distance_stops_past_its_limit():
    assert edit_distance("nettoyage", "menuiserie", 2) == 3
    assert edit_distance("a", "abcdef", 1) == 2


def test_words_within_budget_always_share_enough_trigrams():
    """The trigram filter that bounds typo candidates must never drop a true one."""
    rng = random.Random(7)
    alphabet = "aeinorst"

    def edited(word: str) -> str:
        i = rng.randrange(len(word))
        operation = rng.choice("sidt")
        if operation == "s":
            return word[:i] + rng.choice(alphabet) + word[i + 1 :]
        if operation == "i":
            return word[:i] + rng.choice(alphabet) + word[i:]
        if operation == "d":
            return word[:i] + word[i + 1 :]
        return word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]

    for _ in range(20_000):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randrange(5, 14)))
        budget = typo_budget(word)
        other = word
        for _ in range(budget):
            other = edited(other)
        if edit_distance(word, other, budget) <= budget:
            assert len(trigrams(word) & trigrams(other)) >= min_shared_trigrams(word, budget)


def test_synonym_phrases_become_index_terms():
    table = synonym_table([("paysagiste", "espaces verts", "jardins")])
    assert table[("paysagiste",)] == (("espace", "vert"), ("jardin",))
    assert table[("espace", "vert")] == (("paysagiste",), ("jardin",))


def test_segment_keeps_a_synonym_phrase_as_one_unit():
    table = synonym_table([("paysagiste", "espaces verts")])
    units = segment(terms("entretien des espaces verts"), table)
    assert units == [(("entretien",), ()), (("espace", "vert"), (("paysagiste",),))]


# --- The domain vocabulary (issue 10) -----------------------------------------------------


def test_a_one_way_rule_searches_one_way_only():
    table = synonym_table([("restauration", ONE_WAY, "restaurant", "cantine")])
    assert table[("restauration",)] == (("restaurant",), ("cantine",))
    assert ("restaurant",) not in table and ("cantine",) not in table


def test_the_synonym_file_reads_groups_and_one_way_rules():
    version, groups = parse_synonyms(
        "# version: 2026-01-01.1\nmenage, Nettoyage\nRecyclage => déchets, collecte\n"
    )
    assert version == "2026-01-01.1"
    assert groups == (("menage", "nettoyage"), ("recyclage", ONE_WAY, "dechets", "collecte"))
    assert synonym_pairs(groups) == [
        ("menage", "nettoyage"),
        ("nettoyage", "menage"),
        ("recyclage", "dechets"),
        ("recyclage", "collecte"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "menage\n",  # no version
        "# version: 1\nmenage\n",  # a group of one
        "# version: 1\nrecyclage =>\n",  # a rule with nothing searched
        "# version: 1\na => b => c\n",
        # Meilisearch looks synonyms up for three query words at most.
        "# version: 1\nentreprise de travail temporaire d'insertion, etti\n",
    ],
)
def test_a_bad_synonym_file_is_refused(text):
    with pytest.raises(ValueError):
        parse_synonyms(text)


def test_the_shipped_vocabulary_loads():
    version, groups = default_synonyms()
    assert version and groups
    table = synonym_table(groups)
    assert ("restaurant",) in table[("restauration",)]
    assert ("dechet",) in table[("recyclage",)] and ("recyclage",) not in table[("dechet",)]
    assert ("interim",) in table[("mise", "disposition")]
    assert ("aci",) in table[("chantier", "insertion")]


def test_kind_words_are_read_per_kind():
    version, found = parse_kind_words(
        "# version: 2026-01-01.1\nETTI AI: Intérim\nEA ESAT: handicap, ESAT\n"
    )
    assert version == "2026-01-01.1"
    assert found == {
        "ETTI": ("interim",),
        "AI": ("interim",),
        "EA": ("handicap", "esat"),
        "ESAT": ("handicap", "esat"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "ETTI: interim\n",  # no version
        "# version: 1\nXYZ: interim\n",
        "# version: 1\nETTI interim\n",
        "# version: 1\nETTI: travail temporaire\n",  # phrases go to the synonyms
        "# version: 1\nETTI:\n",
    ],
)
def test_a_bad_kind_words_file_is_refused(text):
    with pytest.raises(ValueError):
        parse_kind_words(text)


def test_every_kind_is_found_by_its_code_and_the_staffing_kinds_by_interim():
    for code in KIND_CODES:
        assert kind_terms(code)[0] == code
    staffing = {code for code in KIND_CODES if "interim" in kind_terms(code)}
    assert staffing == {"AI", "ETTI", "GEIQ", "EATT"}
    assert "handicap" in kind_terms("ESAT") and "insertion" not in kind_terms("ESAT")


def test_kind_names_of_three_words_at_most_are_synonyms_of_their_codes():
    groups = dict(kind_name_groups())
    assert groups["entreprise adaptee"] == "ea"
    assert groups["atelier et chantier d insertion"] == "aci"
    assert all(len([w for w in name.split() if w not in STOP_WORDS]) <= 3 for name in groups)


@pytest.mark.parametrize(
    ("units", "complete", "partial"),
    [
        (2, 0, True),
        (2, PARTIAL_MATCH_BELOW - 1, True),
        (2, PARTIAL_MATCH_BELOW, False),
        (1, 0, False),
    ],
)
def test_partial_matches_when_several_words_find_too_few(units, complete, partial):
    assert partial_applies(units, complete) is partial


@pytest.mark.parametrize(
    ("word", "written"),
    [
        ("dechets", {"dechet", "dechets"}),
        ("locaux", {"local", "locals", "locaux"}),
        ("travaux", {"travail", "travails", "travaux"}),
        ("bureaux", {"bureau", "bureaus", "bureaux"}),
        ("prix", {"pri", "pris", "prix"}),
        ("ea", {"ea"}),
    ],
)
def test_forms_are_every_written_form_of_a_term(word, written):
    assert set(forms(stem(word))) == written
    assert all(stem(form) == stem(word) for form in written)


def test_a_different_first_letter_is_two_typos():
    assert typo_distance("netoyage", "nettoyage", 2) == 1
    assert typo_distance("reconditionnement", "conditionnement", 2) == 3  # over the budget
    assert typo_distance("bettoyage", "nettoyage", 2) == 2


@pytest.mark.parametrize(
    ("word", "prefix"), [("menuis", True), ("ai", False), ("Réé", True), ("802954784", False)]
)
def test_words_searched_as_prefixes(word, prefix):
    assert searched_as_prefix(word) is prefix
