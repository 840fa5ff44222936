"""The public API's enterprises: search results and facets as JSON, one enterprise, and
their OpenAPI description."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from domain.kinds import KIND_CODES
from search.query import FACETS, KIND_GROUPS, KNOWN_PARAMETERS, SORTS
from tests.factories import BALUCHON_SIRET, HOSTILE_TEXT, SNAPSHOT_ROWS, get_json

RESULT_KEYS = {
    "siret",
    "name",
    "kind",
    "sectors",
    "commune",
    "departement",
    "distance_km",
    "score",
    "reasons",
}


# --- Search --------------------------------------------------------------------------------


def test_search_answers_the_documented_shape(client, indexed):
    body = get_json(client, "/api/v1/enterprises?q=nettoyage")
    assert set(body) == {"total", "page", "per_page", "results", "facets"}
    assert (body["total"], body["page"], body["per_page"]) == (15, 1, 20)
    assert len(body["results"]) == 15
    for result in body["results"]:
        assert set(result) == RESULT_KEYS
        assert len(result["siret"]) == 14 and isinstance(result["score"], float)
        assert isinstance(result["sectors"], list)
        for reason in result["reasons"]:
            assert set(reason) == {"code", "detail", "text"}
    first = body["results"][0]["reasons"][0]
    assert first["code"] == "text" and first["text"].startswith("correspond à : ")
    assert set(body["facets"]) == set(FACETS)
    assert sum(body["facets"]["kind"].values()) == 15


def test_facets_count_every_matching_enterprise(client, indexed):
    facets = get_json(client, "/api/v1/enterprises?per_page=1")["facets"]
    assert facets["kind"] == {"ACI": 25, "AI": 15, "EI": 13, "ETTI": 7}
    assert facets["departement"]["62"] == 35 and facets["departement"]["93"] == 3
    assert facets["sector"]["nettoyage-de-locaux"] == 15
    assert facets["label"] == {"rfar": 1} and facets["network"] == {"coorace": 1}


def test_pagination(client, indexed):
    first = get_json(client, "/api/v1/enterprises?per_page=5&sort=name")
    second = get_json(client, "/api/v1/enterprises?per_page=5&page=2&sort=name")
    assert first["total"] == second["total"] == SNAPSHOT_ROWS
    assert (second["page"], second["per_page"], len(second["results"])) == (2, 5, 5)
    assert not {r["siret"] for r in first["results"]} & {r["siret"] for r in second["results"]}
    names = [r["name"] for r in first["results"] + second["results"]]
    assert names == sorted(names, key=str.casefold)
    beyond = get_json(client, "/api/v1/enterprises?per_page=5&page=100")
    assert beyond["results"] == [] and beyond["total"] == SNAPSHOT_ROWS


def test_list_parameters_repeat_or_take_commas(client, indexed):
    repeated = get_json(client, "/api/v1/enterprises?kind=EI&kind=ETTI&per_page=100")
    commas = get_json(client, "/api/v1/enterprises?kind=EI,ETTI&per_page=100")
    assert repeated["total"] == commas["total"] == 13 + 7
    assert {r["kind"] for r in repeated["results"]} == {"EI", "ETTI"}
    grouped = get_json(client, "/api/v1/enterprises?kind=insertion")
    assert grouped["total"] == SNAPSHOT_ROWS


def test_serves_and_near_filters_with_distances(client, indexed):
    body = get_json(client, "/api/v1/enterprises?serves=departement:93&sort=distance")
    texts = [reason["text"] for r in body["results"] for reason in r["reasons"]]
    assert "intervient sur tout le département Seine-Saint-Denis (zone départementale)" in texts
    distances = [r["distance_km"] for r in body["results"]]
    assert distances == sorted(distances)

    body = get_json(client, "/api/v1/enterprises?near=93230%20Romainville&radius_km=10")
    assert body["total"] == 3
    assert all(0 <= r["distance_km"] <= 10 for r in body["results"])
    assert all(any(reason["code"] == "near" for reason in r["reasons"]) for r in body["results"])


def test_serves_works_in_part_of_a_region_and_cover_all_keeps_the_strict_reading(client, indexed):
    body = get_json(client, "/api/v1/enterprises?serves=region:32&per_page=100")
    assert body["total"] == 37  # based in the Nord (2) or the Pas-de-Calais (35)
    served = [
        reason for r in body["results"] for reason in r["reasons"] if reason["code"] == "serves"
    ]
    assert len(served) == 37
    assert {reason["detail"] for reason in served} == {"part:departement:region:Hauts-de-France"}
    assert {reason["text"] for reason in served} == {
        "intervient sur une partie de la région Hauts-de-France (zone départementale)"
    }
    strict = get_json(client, "/api/v1/enterprises?serves=region:32&cover=all")
    assert strict["total"] == 0
    whole = get_json(client, "/api/v1/enterprises?serves=departement:62&cover=all")
    assert whole["total"] == 35
    assert all(
        reason["detail"] == "all:departement:departement:Pas-de-Calais"
        for r in whole["results"]
        for reason in r["reasons"]
        if reason["code"] == "serves"
    )


def test_capacity_label_network_and_reservation_filters(client, indexed):
    url = (
        "/api/v1/enterprises?min_employees=50&min_turnover=1000000&min_contract=100000"
        "&label=rfar&network=coorace&reservation=L2113-13&presta=service"
    )
    body = get_json(client, url)
    assert [r["siret"] for r in body["results"]] == [BALUCHON_SIRET]
    codes = {reason["code"] for reason in body["results"][0]["reasons"]}
    assert {"employees", "turnover", "contract", "label", "network", "reservation"} <= codes


@pytest.mark.parametrize(
    "query, fields",
    [
        ("foo=1", {"foo"}),
        ("foo=1&bar=2&q=x", {"foo", "bar"}),
        ("page=abc", {"page"}),
        ("per_page=1000", {"per_page"}),
        ("kind=ZZ", {"kind"}),
        ("sector=not-a-sector", {"sector"}),
        ("serves=departement:XYZ", {"serves"}),
        ("serves=planet:earth", {"serves"}),
        ("serves=departement:00", {"serves"}),
        ("serves=region:32&cover=most", {"cover"}),
        ("cover=all", {"cover"}),
        ("serves=region:32&cover=all&cover=any", {"cover"}),
        ("radius_km=5", {"radius_km"}),
        ("near=Nulle-part-sur-terre", {"near"}),
        ("sort=distance", {"sort"}),
        ("sort=random", {"sort"}),
        ("min_employees=-3&min_turnover=lots", {"min_employees", "min_turnover"}),
        ("reservation=L9999", {"reservation"}),
        ("q=a&q=b", {"q"}),
    ],
)
def test_bad_parameters_are_a_400_naming_each_field(client, indexed, query, fields):
    body = get_json(client, f"/api/v1/enterprises?{query}", 400)
    assert body["error"] == "invalid parameters"
    assert set(body["fields"]) == fields
    assert all(isinstance(message, str) and message for message in body["fields"].values())


def test_unknown_parameters_are_named_but_never_echoed_whole(client, indexed):
    body = get_json(client, "/api/v1/enterprises", 400, query_string={"z" * 5000: "1"})
    assert list(body["fields"]) == ["z" * 40 + "…"]


@pytest.mark.parametrize(
    "query",
    [
        {"q": HOSTILE_TEXT},
        {"q": "x" * 10_000},
        {"q": "a\x00b"},
        {"q": "NEAR(nettoyage espaces, 3)"},
        {"q": "col:value OR -nettoyage AND *"},
    ],
)
def test_hostile_text_is_searched_safely(client, indexed, query):
    body = get_json(client, "/api/v1/enterprises", query_string=query)
    assert isinstance(body["results"], list)


@pytest.mark.parametrize(
    "query",
    # A NUL is removed on arrival (webapp.input_cleaning): what is left must be refused.
    [{"near": "xqz\x00wvk"}, {"serves": "commune:\x00\x00"}, {"kind": "'; DROP TABLE x; --"}],
)
def test_hostile_parameters_are_a_400_not_a_500(client, indexed, query):
    body = get_json(client, "/api/v1/enterprises", 400, query_string=query)
    assert "\x00" not in str(body)


# --- One enterprise ----------------------------------------------------------------------------


def test_enterprise_detail_from_the_database(client, indexed):
    body = get_json(client, f"/api/v1/enterprises/{BALUCHON_SIRET}")
    assert body["siret"] == BALUCHON_SIRET and body["siren"] == BALUCHON_SIRET[:9]
    assert body["display_name"] == "Baluchon-À table citoyens" and body["kind"] == "EI"
    assert body["commune"] == "93063" and body["departement"] == "93"
    assert body["website"] == "http://www.baluchon.fr"
    sector = body["sectors"][0]
    assert set(sector) == {"slug", "name", "group", "source", "confidence", "status"}
    assert sector["status"] == "suggested" and 0 < sector["confidence"] <= 1
    assert body["zone"]["kind"] == "divisions" and body["zone"]["derived"] is True
    assert body["zone"]["divisions"] == [{"type": "departement", "code": "93"}]
    assert body["capacity"]["headcount_total"] == 60
    assert body["capacity"]["headcount_bracket"] == "50 à 99 salariés"
    assert body["labels"] == [{"slug": "rfar", "name": "RFAR"}]
    assert body["networks"][0]["slug"] == "coorace"
    assert body["offers"] == [
        {
            "title": "Traiteur événementiel",
            "description": None,
            "presta_type": "service",
            "sector": None,
        }
    ]
    assert body["reservations"] == ["L2113-13"]


def test_enterprise_detail_accepts_a_siret_with_spaces(client, indexed):
    assert get_json(client, "/api/v1/enterprises/807%20469%20317%2000018")["kind"] == "EI"


@pytest.mark.parametrize("siret", ["80746931700019", "00000000000000", "abc", "8" * 200, "%00"])
def test_unknown_or_malformed_siret_is_a_json_404(client, indexed, siret):
    body = get_json(client, f"/api/v1/enterprises/{siret}", 404)
    assert body == {"error": "no enterprise with this SIRET"}


# --- OpenAPI -----------------------------------------------------------------------------------


@pytest.fixture
def openapi(client) -> dict:
    return get_json(client, "/api/v1/openapi.json")


def test_openapi_documents_exactly_the_parameters_the_api_accepts(openapi):
    operation = openapi["paths"]["/enterprises"]["get"]
    names = [p["name"] for p in operation["parameters"]]
    assert len(names) == len(set(names))
    assert set(names) == KNOWN_PARAMETERS
    assert all(p["in"] == "query" for p in operation["parameters"])


def test_openapi_documents_every_api_route(app, openapi):
    assert openapi["openapi"].startswith("3.1")
    rules: list[Rule] = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    routes: dict[str, set[str]] = {}
    for r in rules:  # one path may have a rule per method; <int:x> is documented as {x}
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1"))
        routes.setdefault(path, set()).update(r.methods)
    assert set(routes) == set(openapi["paths"])
    for path, methods in routes.items():
        documented = {m.upper() for m in openapi["paths"][path] if m != "parameters"}
        assert documented == methods - {"HEAD", "OPTIONS"}


def test_openapi_enums_match_the_vocabularies(openapi):
    parameters = {p["name"]: p for p in openapi["paths"]["/enterprises"]["get"]["parameters"]}
    assert parameters["kind"]["schema"]["items"]["enum"] == [*KIND_CODES, *KIND_GROUPS]
    assert parameters["sort"]["schema"]["enum"] == list(SORTS)
    assert len(parameters["sector"]["schema"]["items"]["enum"]) == 154
    assert "rfar" in parameters["label"]["schema"]["items"]["enum"]
    assert parameters["reservation"]["schema"]["items"]["enum"] == [
        "L2113-12",
        "L2113-13",
        "L2113-15",
    ]


def test_openapi_error_responses_and_references_resolve(openapi):
    search = openapi["paths"]["/enterprises"]["get"]["responses"]
    detail = openapi["paths"]["/enterprises/{siret}"]["get"]["responses"]
    error_ref = {"$ref": "#/components/schemas/Error"}
    assert search["400"]["content"]["application/json"]["schema"] == error_ref
    assert detail["404"]["content"]["application/json"]["schema"] == error_ref
    assert set(openapi["components"]["schemas"]["Hit"]["required"]) == RESULT_KEYS

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    schemas = openapi["components"]["schemas"]
    for ref in refs(openapi):
        assert ref.removeprefix("#/components/schemas/") in schemas
