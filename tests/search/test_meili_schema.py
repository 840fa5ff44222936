"""The Meilisearch backend's pure half: settings, documents, filters, parameters, parsing.

No server is involved. Filter expressions are checked with a small tokenizer of
Meilisearch's filter syntax written below (after ``crates/filter-parser`` of the server):
a value is safe when the whole expression still reads as the intended tokens and the
string token decodes back to the value.
"""

from __future__ import annotations

import csv
import itertools
import json

import pytest

from search.embedded.text import text_columns
from search.meili_schema import (
    ANALYSED,
    FILTERABLE,
    MAX_TOTAL_HITS,
    MAX_VALUES_PER_FACET,
    RETRIEVED,
    UnknownAttribute,
    any_of,
    at_least,
    coordinate,
    equals,
    facet_attributes,
    filter_expression,
    ids_filter,
    index_settings,
    integer,
    known_words,
    parse_response,
    quote,
    search_params,
    search_text,
    serves,
    settings_drift,
    sort_rules,
    to_meili_document,
    wants_partial,
    word_at,
)
from search.query import FACETS, Place, Point, SearchQuery
from search.results import Reason
from search.synonyms import default_synonyms
from search.text import ONE_WAY, STOP_WORDS, forms, stem, synonym_pairs, synonym_table, terms
from tests.factories import ROOT
from tests.search.factories import make_document

LYON_3 = Place(
    kind="commune",
    code="69383",
    name="Lyon 3e Arrondissement",
    latitude=45.7597,
    longitude=4.8422,
    covered_by=(
        ("commune", "69383"),
        ("epci", "200046977"),
        ("departement", "69"),
        ("region", "84"),
    ),
    bbox=(45.7597, 4.8422, 45.7597, 4.8422),
)
SEINE_SAINT_DENIS = Place(
    kind="departement",
    code="93",
    name="Seine-Saint-Denis",
    latitude=48.91,
    longitude=2.48,
    covered_by=(("departement", "93"), ("region", "11")),
    bbox=(48.8, 2.3, 49.0, 2.6),
)
ROMAINVILLE = Point(48.8847, 2.4347, "Romainville")

HOSTILE = (
    'say "hi"',
    "back\\slash",
    "trailing backslash\\",
    '\\"',
    '\\\\"\\',
    "l'apostrophe",
    'x" OR status = "draft',
    "x) OR (status = draft",
    "a\nb\r\nc",
    "nul\x00byte",
    "\\u0041 \\n \\x41",
    "]",
    "[",
    "AND OR NOT IN TO EXISTS",
    "_geoRadius(0, 0, 1)",
    "é" * 20,
    '"' * 100,
    "\\" * 99,
    "x" * 10_000 + '"\\',
)


def document(**overrides):
    """Baluchon as a complete search document (``make_document``), with ``overrides``."""
    fields = {
        "siret": "80746931700018",
        "siren": "807469317",
        "brand": "Baluchon-À table citoyens",
        "description": "Traiteur et restauration collective, électricité verte",
        "offers": "Plateaux repas livrés",
        "sector_names": ["Restauration", "Traiteur"],
        "sector_groups": ["restauration"],
        "presta": ["service"],
        "commune": "93063",
        "commune_name": "Romainville",
        "departement": "93",
        "region": "11",
        "epci": "200057875",
        "latitude": 48.8847,
        "longitude": 2.4347,
        "zone_departements": ["93"],
        "employees": 50,
        "turnover": 1_200_000,
    }
    return make_document(7, "BALUCHON", **(fields | overrides))


# --- A tokenizer of Meilisearch's filter syntax ------------------------------------------


class FilterSyntaxError(ValueError):
    pass


def _is_value_component(char: str) -> bool:
    return char.isalnum() or char in "_-."


def _unescape(body: str, quote_char: str) -> str:
    """What the server does to a quoted value: ``\\<quote>`` becomes the quote, then the
    remaining escapes are read; an escape we never write is an error here."""
    body = body.replace("\\" + quote_char, quote_char)
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            if i + 1 >= len(body) or body[i + 1] not in "\\\"'":
                raise FilterSyntaxError(f"unexpected escape at {i}")
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, i = [], 0
    while i < len(expression):
        char = expression[i]
        if char.isspace():
            i += 1
        elif char in "\"'":
            end = i + 1
            while end < len(expression) and expression[end] != char:
                end += 2 if expression[end] == "\\" else 1
            if end >= len(expression):
                raise FilterSyntaxError("unterminated string")
            tokens.append(("string", _unescape(expression[i + 1 : end], char)))
            i = end + 1
        elif char in "()[],":
            tokens.append(("punct", char))
            i += 1
        elif expression.startswith((">=", "<=", "!="), i):
            tokens.append(("op", expression[i : i + 2]))
            i += 2
        elif char in "=<>":
            tokens.append(("op", char))
            i += 1
        elif _is_value_component(char):
            end = i
            while end < len(expression) and _is_value_component(expression[end]):
                end += 1
            tokens.append(("word", expression[i:end]))
            i = end
        else:
            raise FilterSyntaxError(f"unexpected {char!r} at {i}")
    return tokens


def attributes_of(filters) -> set[str]:
    """Attribute names of every condition (the word before an operator or IN)."""
    names = set()
    for item in filters:
        for condition in item if isinstance(item, list) else [item]:
            tokens = tokenize(condition)
            if tokens[0] == ("word", "_geoRadius"):
                names.add("_geo")
                continue
            for token, following in zip(tokens, tokens[1:], strict=False):
                if token[0] == "word" and (following[0] == "op" or following == ("word", "IN")):
                    names.add(token[1])
    return names


def test_the_tokenizer_catches_a_broken_literal():
    assert tokenize('kind = "EI"') == [("word", "kind"), ("op", "="), ("string", "EI")]
    with pytest.raises(FilterSyntaxError):
        tokenize('kind = "E"I"')
    naive = 'kind = "x" OR status = "draft"'  # what an unescaped value would give
    assert ("word", "OR") in tokenize(naive)


# --- Settings -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings():
    return index_settings(default_synonyms()[1])


def test_searchable_attributes_in_weight_order(settings):
    assert settings["searchableAttributes"] == [
        "display_name",
        "name",
        "brand",
        "siret",
        "siren",
        "sector_names",
        "offers",
        "description",
        "commune_name",
        "sector_group_names",
        "kind_terms",
        "terms_name",
        "terms_sectors",
        "terms_body",
    ]


def test_typo_tolerance_off_on_codes_with_the_issue_thresholds(settings):
    typo = settings["typoTolerance"]
    assert typo["enabled"] is True
    analysed = {"terms_name", "terms_sectors", "terms_body"}  # stems are no typo targets
    assert set(typo["disableOnAttributes"]) == {"siret", "siren"} | analysed
    assert typo["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}


def test_every_attribute_a_query_filters_or_facets_on_is_filterable(settings):
    query = SearchQuery(
        text="x",
        sectors=("a",),
        sector_groups=("b",),
        kinds=("EI",),
        presta=("service",),
        serves=LYON_3,
        near=ROMAINVILLE,
        radius_km=10,
        min_employees=1,
        min_turnover=1,
        min_contract=1,
        labels=("l",),
        networks=("n",),
        reservations=("L2113-13",),
    )
    used = attributes_of(filter_expression(query)) | attributes_of([ids_filter([1])])
    used |= attributes_of([serves(SEINE_SAINT_DENIS)])
    filterable = set(settings["filterableAttributes"])
    assert used <= filterable
    assert set(facet_attributes(FACETS)) <= filterable
    assert {"zone_national", "_geo", "status"} <= used


def test_sortable_attributes_cover_every_sort(settings):
    sortable = set(settings["sortableAttributes"])
    by_name = SearchQuery(sort="name")
    by_distance = SearchQuery(sort="distance", near=ROMAINVILLE, radius_km=5)
    assert sort_rules(by_name) == ["name_sort:asc", "id:asc"]
    assert sort_rules(by_distance)[0].startswith("_geoPoint(")
    assert sort_rules(SearchQuery()) == []
    for rule in sort_rules(by_name) + sort_rules(by_distance):
        field = "_geo" if rule.startswith("_geoPoint(") else rule.partition(":")[0]
        assert field in sortable


def test_ranking_rules_keep_the_default_rules_with_sort_after_words(settings):
    assert settings["rankingRules"] == [
        "words",
        "sort",
        "typo",
        "proximity",
        "attribute",
        "exactness",
    ]


def test_faceting_and_pagination_limits_fit_the_data(settings):
    with (ROOT / "data" / "reference" / "sectors.csv").open(encoding="utf-8") as handle:
        sectors = sum(1 for _ in csv.DictReader(handle))
    assert settings["faceting"]["maxValuesPerFacet"] == MAX_VALUES_PER_FACET > sectors
    assert settings["pagination"]["maxTotalHits"] == MAX_TOTAL_HITS >= 200_000


def test_synonyms_come_from_the_versioned_file_both_ways(settings):
    """Groups both ways, one-way rules one way only (Meilisearch's synonyms are per term)."""
    synonyms = settings["synonyms"]
    _, groups = default_synonyms()
    table = synonym_table(groups)
    # Each phrase of the embedded table, under every written form of its words, lists the
    # embedded engine's analysed phrases (which the documents' analysed fields hold).
    for phrase, others in table.items():
        for written in itertools.product(*(forms(term) for term in phrase)):
            assert synonyms[" ".join(written)] == [" ".join(o) for o in others], written
    assert "nettoyage" in synonyms["menage"] and "menage" in synonyms["nettoyages"]
    assert "espace vert" in synonyms["paysagistes"]
    assert synonyms["espaces verts"] == synonyms["espace vert"]  # plural and singular
    assert synonyms["dechet"] == synonyms["dechets"] and "collecte dechet" in synonyms["dechet"]
    assert "restaurant" in synonyms["restauration"]
    for restaurant in ("restaurant", "restaurants"):  # stone restorers are no restaurant
        assert "restauration" not in synonyms[restaurant]
    assert "dechet" in synonyms["recyclage"] and "recyclage" not in synonyms["dechets"]
    searching = {" ".join(terms(a)) for a, _ in synonym_pairs(groups)}
    assert {" ".join(map(stem, key.split())) for key in synonyms} == searching
    assert ONE_WAY not in synonyms


def test_kind_names_are_synonyms_of_their_codes(settings):
    synonyms = settings["synonyms"]
    assert "ea" in synonyms["entreprise adaptee"] and "entreprise adaptee" in synonyms["ea"]
    assert "ai" in synonyms["association intermediaire"]
    assert "aci" in synonyms["chantier insertion"]  # as sent: stop words left out
    # Four words or more: Meilisearch would never look them up, so neither backend has them.
    assert "entreprise travail temporaire insertion" not in synonyms


def test_every_synonym_phrase_can_be_looked_up_by_meilisearch(settings):
    """Meilisearch tries synonyms on one to three consecutive query words."""
    for term in settings["synonyms"]:
        assert 1 <= len([w for w in term.split() if w not in STOP_WORDS]) <= 3, term


def test_group_names_and_kind_words_are_searched_after_the_description(settings):
    searchable = settings["searchableAttributes"]
    assert searchable.index("description") < searchable.index("sector_group_names")
    assert searchable.index("sector_names") < searchable.index("kind_terms")
    assert {"sector_group_names", "kind_terms"} <= set(RETRIEVED)


def test_documents_carry_group_names_and_kind_words(search_documents):
    etti = next(d for d in search_documents if d["kind"] == "ETTI")
    assert etti["kind_terms"][0] == "ETTI" and "interim" in etti["kind_terms"]
    painter = next(d for d in search_documents if "peinture-revetement-des-murs" in d["sectors"])
    assert "Bâtiments et Travaux publics" in painter["sector_group_names"]
    assert all(len(d["sector_group_names"]) == len(d["sector_groups"]) for d in search_documents)


def test_a_search_asks_for_every_word_then_for_partial_matches():
    assert search_params(SearchQuery(text="peinture batiment"))["matchingStrategy"] == "all"
    assert search_params(SearchQuery(text="x"), "last")["matchingStrategy"] == "last"


@pytest.mark.parametrize(
    ("text", "complete", "partial"),
    [
        ("peinture en bâtiment", 0, True),
        ("peinture en bâtiment", 19, True),
        ("peinture en bâtiment", 20, False),  # a page of complete matches is enough
        ("peinture", 0, False),  # one word: nothing to drop
        ("espaces verts", 0, False),  # one synonym phrase is one unit, as in the embedded
        ("peinture de la", 0, False),  # stop words are no unit
        ("80295478400012 nettoyage", 0, True),
        ("", 0, False),
    ],
)
def test_partial_matches_are_asked_for_as_the_embedded_engine_adds_them(text, complete, partial):
    assert wants_partial(SearchQuery(text=text), complete) is partial


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("peinture en bâtiment", "peinture bâtiment"),
        ("mise à disposition", "mise disposition"),  # next to each other: a synonym phrase
        ("chantier d'insertion", "chantier insertion"),
        ("peinture en", "peinture"),  # a last "en" would be searched as a prefix
        ("De La", ""),
    ],
)
def test_search_text_leaves_stop_words_out(text, sent):
    assert search_text(text) == sent


def test_stop_words_are_the_embedded_backends(settings):
    assert set(settings["stopWords"]) == STOP_WORDS and "de" in settings["stopWords"]


def test_settings_drift_compares_only_what_we_set(settings):
    server = json.loads(json.dumps(settings))  # what a GET /settings would echo back
    server["typoTolerance"] |= {"disableOnWords": [], "disableOnNumbers": False}
    server["faceting"]["sortFacetValuesBy"] = {"*": "alpha"}
    server["filterableAttributes"] = list(reversed(server["filterableAttributes"]))
    server["stopWords"] = list(reversed(server["stopWords"]))
    server["dictionary"] = []
    assert settings_drift(settings, server) == []

    server["searchableAttributes"] = list(reversed(server["searchableAttributes"]))
    server["typoTolerance"]["minWordSizeForTypos"]["twoTypos"] = 8
    server["synonyms"]["ghost"] = ["word"]
    assert settings_drift(settings, server) == [
        "searchableAttributes",
        "typoTolerance",
        "synonyms",
    ]
    assert "filterableAttributes" in settings_drift(settings, {})


# --- Documents -----------------------------------------------------------------------------


def test_document_position_becomes_geo_with_lng():
    stored = to_meili_document(document())
    assert stored["_geo"] == {"lat": 48.8847, "lng": 2.4347}
    assert stored["id"] == 7 and stored["siret"] == "80746931700018"
    assert stored["name_sort"] == "baluchon a table citoyens"


def test_no_geo_without_a_position():
    assert "_geo" not in to_meili_document(document(latitude=None, longitude=None))


def test_documents_of_the_real_snapshot_are_json_ready(search_documents):
    for original in search_documents:
        stored = to_meili_document(original)
        json.dumps(stored, allow_nan=False)
        positioned = original["latitude"] is not None and original["longitude"] is not None
        assert ("_geo" in stored) == positioned
        assert set(stored) - set(original) <= {"_geo", "name_sort", *ANALYSED}


# --- Filters -------------------------------------------------------------------------------


def test_filter_for_an_empty_query_keeps_active_enterprises_only():
    assert filter_expression(SearchQuery()) == ['status = "active"']


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(sectors=("nettoyage", "btp")), 'sectors IN ["nettoyage", "btp"]'),
        (SearchQuery(sector_groups=("batiment",)), 'sector_groups IN ["batiment"]'),
        (SearchQuery(kinds=("EI", "ACI")), 'kind IN ["EI", "ACI"]'),
        (SearchQuery(presta=("service",)), 'presta IN ["service"]'),
        (SearchQuery(labels=("rsei",)), 'labels IN ["rsei"]'),
        (SearchQuery(networks=("unea",)), 'networks IN ["unea"]'),
        (SearchQuery(reservations=("L2113-12",)), 'reservations IN ["L2113-12"]'),
        (SearchQuery(min_employees=20), "employees >= 20"),
        (SearchQuery(min_turnover=1_000_000), "turnover >= 1000000"),
        (SearchQuery(min_contract=50_000), "largest_contract >= 50000"),
        (
            SearchQuery(near=ROMAINVILLE, radius_km=12.5),
            "_geoRadius(48.884700, 2.434700, 12500)",
        ),
    ],
)
def test_filter_for_each_query_field(query, expected):
    assert filter_expression(query) == ['status = "active"', expected]


def test_near_without_radius_only_measures_distance():
    assert filter_expression(SearchQuery(near=ROMAINVILLE)) == ['status = "active"']


def test_serves_a_commune_national_listed_divisions_or_radius_reach():
    assert filter_expression(SearchQuery(serves=LYON_3)) == [
        'status = "active"',
        [
            "zone_national = true",
            'zone_communes = "69383"',
            'zone_epcis = "200046977"',
            'zone_departements = "69"',
            'zone_regions = "84"',
            'zone_reach_communes = "69383"',
        ],
    ]


def test_serves_a_departement():
    assert serves(SEINE_SAINT_DENIS) == [
        "zone_national = true",
        'zone_departements = "93"',
        'zone_regions = "11"',
        'zone_reach_departements = "93"',
    ]


def test_cover_all_asks_for_a_zone_holding_the_whole_place():
    assert serves(SEINE_SAINT_DENIS, "all") == [
        "zone_national = true",
        'zone_departements = "93"',
        'zone_regions = "11"',
        'zone_cover_departements = "93"',
    ]
    query = SearchQuery(serves=SEINE_SAINT_DENIS, cover="all")
    assert filter_expression(query)[1] == serves(SEINE_SAINT_DENIS, "all")


def test_a_commune_is_covered_whenever_it_is_met():
    assert serves(LYON_3, "all") == serves(LYON_3, "any")


def test_hits_carry_what_the_serves_reason_reads():
    for name in (
        "zone_cover_regions",
        "zone_cover_departements",
        "zone_cover_epcis",
        "zone_radius_km",
    ):
        assert name in RETRIEVED
    assert not {"zone_reach_communes", "zone_reach_epcis"} & set(RETRIEVED)  # too long
    assert {"zone_cover_regions", "zone_cover_departements", "zone_cover_epcis"} <= FILTERABLE


def test_the_serves_reason_says_part_from_a_retrieved_hit():
    hit = {
        "id": 1,
        "siret": "80746931700018",
        "display_name": "X",
        "kind": "EI",
        "sectors": [],
        "sector_names": [],
        "commune_name": "Lille",
        "departement": "59",
        "latitude": None,
        "longitude": None,
        "zone_national": False,
        "zone_regions": [],
        "zone_departements": ["59"],
        "zone_epcis": [],
        "zone_communes": [],
        "zone_cover_regions": [],
        "zone_cover_departements": ["59"],
        "zone_cover_epcis": [],
        "zone_radius_km": None,
    }
    box = (0, 0, 0, 0)
    hauts_de_france = Place("region", "32", "Hauts-de-France", 50.0, 2.8, (("region", "32"),), box)
    nord_covered_by = (("departement", "59"), ("region", "32"))
    nord = Place("departement", "59", "Nord", 50.4, 3.2, nord_covered_by, box)
    for place, detail in (
        (hauts_de_france, "part:departement:region:Hauts-de-France"),
        (nord, "all:departement:departement:Nord"),
    ):
        response = {"totalHits": 1, "hits": [hit]}
        (parsed,) = parse_response(SearchQuery(serves=place, facets=()), response).hits
        assert Reason("serves", detail) in parsed.reasons


def test_all_criteria_are_and_ed_in_a_stable_order():
    query = SearchQuery(sectors=("a",), kinds=("EI",), serves=SEINE_SAINT_DENIS, min_employees=5)
    filters = filter_expression(query)
    assert filters[0] == 'status = "active"'
    assert filters[1:3] == ['sectors IN ["a"]', 'kind IN ["EI"]']
    assert isinstance(filters[3], list) and filters[4] == "employees >= 5"


def test_ids_filter():
    assert ids_filter([3, 1, 2]) == "id IN [3, 1, 2]"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_quoted_value_never_breaks_out(value):
    assert tokenize(f"kind = {quote(value)}") == [
        ("word", "kind"),
        ("op", "="),
        ("string", value),
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_list_value_stays_one_element(value):
    tokens = tokenize(any_of("sectors", [value, "ok"]))
    assert tokens == [
        ("word", "sectors"),
        ("word", "IN"),
        ("punct", "["),
        ("string", value),
        ("punct", ","),
        ("string", "ok"),
        ("punct", "]"),
    ]


def test_hostile_values_anywhere_in_a_query_stay_inside_their_quotes():
    place = Place("departement", '93" OR x = "1', "x", 48.9, 2.4, (("region", "\\"),), (0, 0, 0, 0))
    query = SearchQuery(
        sectors=HOSTILE, labels=HOSTILE, networks=HOSTILE, serves=place, reservations=HOSTILE
    )
    for item in filter_expression(query):
        for condition in item if isinstance(item, list) else [item]:
            tokens = tokenize(condition)
            words = [text for kind, text in tokens if kind == "word"]
            assert words[0] in FILTERABLE
            assert set(words[1:]) <= {"IN", "true"}, condition[:80]


def test_only_whitelisted_attributes_reach_a_filter():
    with pytest.raises(UnknownAttribute):
        equals("kind = EI OR status", "x")
    with pytest.raises(UnknownAttribute):
        any_of("password", ["x"])
    with pytest.raises(UnknownAttribute):
        at_least("siret", 1)  # searchable, not filterable
    with pytest.raises(UnknownAttribute):
        facet_attributes(["kind", "secret"])
    with pytest.raises(UnknownAttribute):
        serves(Place("country", "FR", "France", 46.0, 2.0, (("country", "FR"),), (0, 0, 0, 0)))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1.5, True])
def test_numbers_in_filters_are_plain_integers(bad):
    with pytest.raises(ValueError):
        integer(bad)


def test_coordinates_are_fixed_point_and_finite():
    assert coordinate(1e-7) == "0.000000"
    assert coordinate(-4.48) == "-4.480000"
    with pytest.raises(ValueError):
        coordinate(float("nan"))


# --- Search parameters ---------------------------------------------------------------------


def test_search_params_for_a_text_search():
    params = search_params(SearchQuery(text="menuiserie", page=3, per_page=50))
    assert params["q"] == "menuiserie"
    assert (params["page"], params["hitsPerPage"]) == (3, 50)
    assert params["matchingStrategy"] == "all"
    assert params["showRankingScore"] is True and params["showMatchesPosition"] is True
    assert params["facets"] == [
        "kind",
        "sector_groups",
        "sectors",
        "departement",
        "labels",
        "networks",
    ]
    assert "sort" not in params
    assert "zone_reach_communes" not in params["attributesToRetrieve"]
    json.dumps(params)


def test_search_params_without_text_or_facets():
    params = search_params(SearchQuery(facets=()))
    assert params["q"] == "" and "showMatchesPosition" not in params and "facets" not in params


def test_sort_by_distance_from_near_or_from_the_served_place():
    near = search_params(SearchQuery(near=ROMAINVILLE, radius_km=5, sort="distance"))
    assert near["sort"] == ["_geoPoint(48.884700, 2.434700):asc", "name_sort:asc", "id:asc"]
    served = search_params(SearchQuery(serves=SEINE_SAINT_DENIS, sort="distance"))
    assert served["sort"][0] == "_geoPoint(48.910000, 2.480000):asc"
    assert search_params(SearchQuery(sort="name"))["sort"] == ["name_sort:asc", "id:asc"]


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ('"; DROP TABLE enterprises', "DROP TABLE enterprises"),
        ("-nettoyage espaces-verts", "nettoyage espaces verts"),
        ("Autre (Industrie)", "Autre Industrie"),  # a ")" would end the last word's prefix
        # Digits and short words are complete words to the embedded engine: a trailing
        # space keeps Meilisearch from searching them as prefixes ("ai": "aide").
        ("802 954 784 00012", "80295478400012 "),
        ("SIREN 802\u00a0954\u00a0784", "SIREN 802954784 "),
        ("802.954.784", "802954784 "),
        ("75 salariés 93", "75 salariés 93 "),
        ("AI", "AI "),
        ("nul\x00byte", "nul byte"),
        ("  menuis  ", "menuis"),
    ],
)
def test_search_text_is_plain_words(text, sent):
    assert search_text(text) == sent


def test_search_text_is_clipped():
    assert search_text("x" * 10_000).split() == ["x" * 200]


# --- Responses -----------------------------------------------------------------------------


def _response(hits, total=2):
    """A search response shaped as Meilisearch documents it for page/hitsPerPage searches."""
    return {
        "hits": hits,
        "query": "netoyage",
        "processingTimeMs": 3,
        "hitsPerPage": 20,
        "page": 1,
        "totalPages": 1,
        "totalHits": total,
        "facetDistribution": {
            "kind": {"EI": 1, "ACI": 1},
            "sector_groups": {"restauration": 1},
            "sectors": {"restauration": 1, "traiteur": 1},
            "departement": {"93": 2},
            "labels": {},
            "networks": {},
        },
        "facetStats": {},
    }


def test_parse_response_reads_the_documented_shape():
    """Verifies our parsing of the response shape the Meilisearch documentation gives, not
    the server: positions are UTF-8 byte offsets, array matches carry ``indices``."""
    description = "Traiteur et restauration collective, électricité verte"
    electricite_at = description.encode().index("électricité".encode())
    hit = to_meili_document(document(description=description))
    del hit["zone_reach_communes"]
    hit |= {
        "_rankingScore": 0.873,
        "_geoDistance": 1234,
        "_matchesPosition": {
            "description": [{"start": electricite_at, "length": 6}],  # a prefix: "électr"
            "sector_names": [{"start": 0, "length": 5, "indices": [1]}],  # "Trait"
            "display_name": [{"start": 0, "length": 8}],
        },
    }
    query = SearchQuery(
        text="baluchon electr trait",
        sectors=("traiteur",),
        near=ROMAINVILLE,
        radius_km=5,
        sort="distance",
    )
    result = parse_response(query, _response([hit], total=41))
    assert (result.total, result.page, result.per_page) == (41, 1, 20)
    assert result.facets["kind"] == {"EI": 1, "ACI": 1}
    assert result.facets["sector"] == {"restauration": 1, "traiteur": 1}
    assert result.facets["sector_group"] == {"restauration": 1}
    assert result.facets["departement"] == {"93": 2}
    assert set(result.facets) == set(FACETS)
    (parsed,) = result.hits
    assert (parsed.id, parsed.siret, parsed.name) == (7, "80746931700018", hit["display_name"])
    assert (parsed.kind, parsed.sectors, parsed.departement) == (
        "EI",
        ("restauration", "traiteur"),
        "93",
    )
    assert parsed.commune == "Romainville"
    assert (parsed.latitude, parsed.longitude) == (48.8847, 2.4347)
    assert parsed.distance_km == 1.2 and parsed.score == 0.873
    assert parsed.reasons[0] == Reason("text", "Baluchon, Traiteur, électricité")
    assert Reason("sector", "Traiteur") in parsed.reasons
    assert Reason("near", "1.2") in parsed.reasons


def test_distance_is_computed_when_the_server_sends_none():
    query = SearchQuery(serves=SEINE_SAINT_DENIS)
    result = parse_response(query, _response([to_meili_document(document())], total=1))
    assert result.hits[0].distance_km == 4.3  # haversine, one decimal
    no_origin = parse_response(SearchQuery(), _response([to_meili_document(document())], 1))
    assert no_origin.hits[0].distance_km is None and no_origin.hits[0].score == 0.0


def test_only_requested_facets_come_back():
    result = parse_response(SearchQuery(facets=("label",)), _response([], total=0))
    assert result.facets == {"label": {}} and result.hits == ()


@pytest.mark.parametrize(
    ("text", "start", "length", "word"),
    [
        ("Menuiserie du Nord", 0, 6, "Menuiserie"),
        ("Électricité générale", 0, 3, "Électricité"),
        ("Électricité générale", len("Électricité ".encode()), 4, "générale"),
        ("Électricité générale", 1, 2, "Électricité"),  # start cut inside "É"
        ("SIRET 80295478400012", 6, 14, "80295478400012"),
        ("court", 99, 4, ""),
    ],
)
def test_word_at_reads_byte_positions(text, start, length, word):
    assert word_at(text, start, length) == word


# --- Analysed text (what the embedded engine indexes, sent along) ---------------------------


def test_analysed_fields_are_the_embedded_engine_s_columns(search_documents):
    """One analysis for both backends: Meilisearch's analysed fields hold exactly the terms
    of the embedded engine's name, sector and body columns, in order."""
    for original in search_documents:
        stored = to_meili_document(original)
        _, _, name, _, sectors, body = text_columns(original)
        assert set(stored["terms_name"][0].split()) == set(name.split())
        assert stored["terms_sectors"][0] == sectors
        assert stored["terms_body"][0] == body


def test_analysed_fields_hold_every_written_form_of_their_terms():
    stored = to_meili_document(document(description="Collecte des déchets, entretien de locaux"))
    stems, written = stored["terms_body"]
    assert "collecte dechet" in stems and "entretien local" in stems  # no stop words
    assert {"dechets", "locaux"} <= set(written.split())  # as typed, plural or singular
    assert not set(written.split()) & set(stems.split())


def test_known_words_are_the_index_words_and_their_beginnings():
    known = known_words(to_meili_document(document(description="Restauration collective")))
    assert {"restauration", "restaurations", "restau", "collective"} <= known
    assert "resta" in known and "rest" not in known  # no typos below five letters anyway
    assert "restaurant" not in known  # a typo neighbour, unless another document holds it
