"""The generated OpenAPI document against the routes: every route under /api/v1 is in it
with its path and query parameters, its success response, its request body for a write,
and every error status the route was seen to answer; enumerations and limits are the
code's own."""

from __future__ import annotations

import re

import pytest

from domain.matching.evaluate import LEVELS
from search.results import REASON_CODES
from tests.factories import (
    CLEANING,
    SIRETS,
    index_enterprises,
    intention_body,
    snapshot_head_records,
    supplier,
    token_for,
)
from webapp.api.blueprint import API_PREFIX
from webapp.api.intentions import RECOMMENDATIONS
from webapp.models import PurchaseIntention
from webapp.models.intentions import TITLE_MAX

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Values no row has, for each path parameter of the API.
MISSING = {
    "siret": "00000000000000",
    "intention_id": "999999",
    "event_id": "999999",
    "participant_id": "999999",
}
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


class _DownBackend:
    name = "down"

    def search(self, query):
        from search.backend import SearchUnavailable

        raise SearchUnavailable("down")


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _path(rule) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX))


def _statuses_seen(app, client, session, rule, method, tokens) -> set[int]:
    """What the route answers to the ways a request can go wrong: an unknown parameter,
    an object that does not exist, no token or a token without the scope, the search
    engine down, a body that is empty, not JSON, or from someone who is not a buyer."""
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:\w+:)?{name}>", MISSING[name], url)
    attempts: list[dict] = [{}, {"query_string": {"zz_unknown": "1"}}]
    attempts += [{"headers": headers} for headers in tokens.values()]
    if method in WRITES:
        attempts += [
            {"headers": tokens["buyer"], "json": {}},
            {"headers": tokens["buyer"], "data": "title=x"},
            {"headers": tokens["not a buyer"], "json": {}},
        ]
    seen = set()
    for attempt in attempts:
        seen.add(client.open(url, method=method, **attempt).status_code)
    previous = app.extensions.get("search_backend")
    app.extensions["search_backend"] = _DownBackend()
    try:
        seen.add(client.open(url, method=method, headers=tokens["buyer"]).status_code)
    finally:
        app.extensions["search_backend"] = previous
    return seen


def test_every_api_route_is_documented_with_its_parameters_and_responses(
    app, client, session, make_user
):
    document = client.get(f"{API_PREFIX}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    buyer = make_user("buyer")
    tokens = {
        "buyer": token_for(session, buyer),
        "read only": token_for(session, buyer, scopes="read"),
        "write only": token_for(session, buyer, scopes="write:intentions"),
        "not a buyer": token_for(session, make_user("user")),
    }
    routes = list(_api_routes(app))
    assert len(routes) >= 9
    documented_operations = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert documented_operations == {(_path(rule), method) for rule, method in routes}
    for rule, method in routes:
        where = f"{method} {rule.rule}"
        item = document["paths"][_path(rule)]
        operation = item[method.lower()]
        parameters = item.get("parameters", []) + operation.get("parameters", [])
        assert {p["name"] for p in parameters if p["in"] == "path"} == set(rule.arguments), where
        assert all(p["in"] in ("path", "query") and "schema" in p for p in parameters), where
        responses = operation["responses"]
        [success] = [code for code in responses if code.startswith("2")]
        assert "application/json" in responses[success]["content"], where
        if method in WRITES:
            assert operation["requestBody"]["content"]["application/json"]["schema"], where
        else:
            assert "requestBody" not in operation, where
        for code, response in responses.items():
            if not code.startswith("2"):
                assert response["content"]["application/json"]["schema"] == ERROR_SCHEMA, where
                assert response["description"], where
        seen = _statuses_seen(app, client, session, rule, method, tokens)
        undocumented = {s for s in seen if str(s) not in responses}
        assert not undocumented, f"{where} answers {sorted(undocumented)}, not documented"
        if any(p["in"] == "query" for p in parameters):
            assert 400 in seen, f"{where} documents query parameters but refuses none"


def test_documented_query_parameters_are_the_ones_accepted(app, client, session):
    """Each documented query parameter is read (not refused as unknown) by its route."""
    document = client.get(f"{API_PREFIX}/openapi.json").get_json()
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or re.search(r"{\w+}", path):
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            answer = client.get(API_PREFIX + path, query_string={parameter["name"]: "x"})
            fields = (answer.get_json() or {}).get("fields", {})
            assert fields.get(parameter["name"]) != "unknown parameter", (path, parameter)


def test_enumerations_and_limits_come_from_their_definition(client):
    document = client.get(f"{API_PREFIX}/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Reason"]["properties"]["code"]["enum"] == list(REASON_CODES)
    supplier_match = schemas["Supplier"]["properties"]["sector_match"]
    assert supplier_match["additionalProperties"]["enum"] == list(LEVELS)
    recommendation = schemas["Verdict"]["properties"]["recommendation"]
    assert recommendation["enum"] == list(RECOMMENDATIONS)
    title = schemas["IntentionInput"]["properties"]["title"]
    assert title["maxLength"] == TITLE_MAX == PurchaseIntention.__table__.c.title.type.length
    assert set(schemas["IntentionInput"]["required"]) == {"title", "place"}


def test_every_reason_a_search_gives_has_a_documented_code(client, session, search_backend):
    index_enterprises(session, search_backend, snapshot_head_records())
    facets = client.get(f"{API_PREFIX}/enterprises?q=traiteur").get_json()["facets"]
    criteria = {
        "q": "traiteur",
        "sector": next(iter(facets["sector"])),
        "sector_group": next(iter(facets["sector_group"])),
        "kind": "EI",
        "presta": "service",
        "serves": "departement:93",
        "min_employees": "50",
        "min_turnover": "1000000",
        "min_contract": "100000",
        "label": "rfar",
        "network": "coorace",
        "reservation": "L2113-13",
    }
    codes = set()
    for name, value in criteria.items():  # one criterion at a time: each finds hits
        answer = client.get(f"{API_PREFIX}/enterprises", query_string={name: value})
        assert answer.status_code == 200, answer.get_json()
        codes |= {r["code"] for hit in answer.get_json()["results"] for r in hit["reasons"]}
    near = client.get(f"{API_PREFIX}/enterprises?near=93230%20Romainville").get_json()
    codes |= {r["code"] for hit in near["results"] for r in hit["reasons"]}
    assert codes == set(REASON_CODES)


@pytest.mark.parametrize("length, status", [(TITLE_MAX, 201), (TITLE_MAX + 1, 400)])
def test_the_title_limit_is_the_columns(client, session, make_user, length, status):
    supplier(session, SIRETS[0], CLEANING)
    headers = token_for(session, make_user("buyer"))
    answer = client.post(
        f"{API_PREFIX}/intentions",
        json=intention_body(title="t" * length, external_id=None),
        headers=headers,
    )
    assert answer.status_code == status, answer.get_json()
    if status == 400:
        assert set(answer.get_json()["fields"]) == {"title"}


def test_reference_vocabularies_are_listed_from_the_database(client, session):
    from webapp.search_ui.present import load_vocabulary

    vocabulary = load_vocabulary(session)
    document = client.get(f"{API_PREFIX}/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/enterprises"]["get"]["parameters"]}
    assert parameters["sector"]["schema"]["items"]["enum"] == sorted(vocabulary.sectors)
    assert parameters["network"]["schema"]["items"]["enum"] == sorted(vocabulary.networks)
    assert "x-vocabulary" not in str(document)
