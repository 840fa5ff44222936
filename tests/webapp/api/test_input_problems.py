"""What the API says of a bad request: the first API's wording, one message per field,
null as absent, the same unknown names reported on every run, names echoed clipped, and
the permission checked before the parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import API_INTENTIONS, intention_body, token_for
from webapp import permissions
from webapp.api.errors import field_problems
from webapp.models import PurchaseIntention

WHOLE_AMOUNT = "expected a whole number from 0 to 1000000000000"
PLACE_EXPECTED = "expected {kind: commune|epci|departement|region|national, code}"


@pytest.fixture
def buyer_headers(session, make_user):
    return token_for(session, make_user("buyer"))


def problems_of(client, headers, **fields) -> dict[str, str]:
    response = client.post(API_INTENTIONS, json=intention_body(**fields), headers=headers)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["error"] == "invalid intention"
    return body["fields"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "x" * 301}, {"title": "at most 300 characters"}),
        ({"title": 5}, {"title": "expected a string"}),
        ({"title": ["a"]}, {"title": "expected a string"}),
        ({"title": "   "}, {"title": "required"}),
        ({"description": "x" * 10001}, {"description": "at most 10000 characters"}),
        ({"external_id": "x" * 121}, {"external_id": "at most 120 characters"}),
        ({"external_id": 7}, {"external_id": "expected a string"}),
        ({"sectors": "nettoyage"}, {"sectors": "expected a list of sector slugs"}),
        ({"sectors": [1, 2]}, {"sectors": "expected a list of sector slugs"}),
        ({"lots": "one"}, {"lots": "expected a list of at most 50 lots"}),
        ({"lots": [{"title": "t"}] * 51}, {"lots": "expected a list of at most 50 lots"}),
        (
            {"lots": ["x", {}, {"title": "t", "amount": 10**13}]},
            {
                "lots[0]": "expected an object with title, amount, sectors",
                "lots[1].title": "required",
                "lots[2].amount": WHOLE_AMOUNT,
            },
        ),
        ({"lots": [{"title": "t", "amount": "cent"}]}, {"lots[0].amount": WHOLE_AMOUNT}),
        ({"place": {"kind": "planet", "code": "3"}}, {"place": PLACE_EXPECTED}),
        ({"place": "Lille"}, {"place": PLACE_EXPECTED}),
        ({"place": {"kind": "commune", "code": 59350}}, {"place": PLACE_EXPECTED}),
        ({"place": {"code": "59350"}}, {"place": PLACE_EXPECTED}),
        (
            {"place": {"kind": "commune", "code": "00000"}},
            {"place": "no commune with this code in the reference data"},
        ),
        ({"amount_total": -1}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_total": 10**13}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_total": 10**30}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_total": 1.5}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_total": 1.0}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_total": True}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_total": "1000"}, {"amount_total": WHOLE_AMOUNT}),
        ({"amount_per_year": -5}, {"amount_per_year": WHOLE_AMOUNT}),
        ({"duration_months": 0}, {"duration_months": "expected a whole number from 1 to 600"}),
        ({"launch_date": "demain"}, {"launch_date": "expected a date YYYY-MM-DD"}),
        ({"launch_date": 20270301}, {"launch_date": "expected a date YYYY-MM-DD"}),
        ({"launch_date": "2027-03-01T10:00:00"}, {"launch_date": "expected a date YYYY-MM-DD"}),
        (
            {"social_consideration": "maybe"},
            {
                "social_consideration": "expected one of "
                "none, clause, criterion, reservation, unknown"
            },
        ),
        ({"status": "closed"}, {"status": "expected draft or published"}),
        ({"status": 1}, {"status": "expected draft or published"}),
        (
            {"organisation_id": "1"},
            {"organisation_id": "not one of the token's user's organisations"},
        ),
        (
            {"organisation_id": True},
            {"organisation_id": "not one of the token's user's organisations"},
        ),
    ],
)
def test_each_bad_field_is_told_in_the_first_api_words(
    client, session, buyer_headers, fields, expected
):
    assert problems_of(client, buyer_headers, **fields) == expected
    assert session.scalar(select(PurchaseIntention)) is None


def test_a_missing_place_and_a_body_not_an_object(client, buyer_headers):
    response = client.post(API_INTENTIONS, json={}, headers=buyer_headers)
    assert response.get_json()["fields"] == {"place": "required: {kind, code}", "title": "required"}
    for body in (["a list"], "a string", 3):
        response = client.post(API_INTENTIONS, json=body, headers=buyer_headers)
        assert response.status_code == 400
        assert response.get_json() == {"error": "the body must be a JSON object"}


@pytest.mark.parametrize(
    "name",
    [
        "amount_total",
        "amount_per_year",
        "duration_months",
        "launch_date",
        "organisation_id",
        "cpv_codes",
        "sectors",
        "lots",
        "external_id",
        "description",
    ],
)
def test_null_on_an_optional_field_is_the_field_left_out(client, buyer_headers, name):
    body = intention_body() | {name: None}
    response = client.post(API_INTENTIONS, json=body, headers=buyer_headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()[name if name != "organisation_id" else "id"] not in ("", 0)
    if name in ("cpv_codes", "sectors", "lots"):
        assert response.get_json()[name] == []
    elif name not in ("organisation_id", "description"):
        assert response.get_json()[name] is None


def test_null_inside_lots_and_place_and_on_a_required_field(client, buyer_headers):
    lots = [{"title": "Vitres", "amount": None, "sectors": None}]
    place = {"kind": "national", "code": None}
    response = client.post(
        API_INTENTIONS, json=intention_body(lots=lots, place=place), headers=buyer_headers
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["lots"] == [{"number": 1, "title": "Vitres", "amount": None, "sectors": []}]
    assert created["place"]["kind"] == "national"
    body = intention_body() | {"title": None}
    response = client.post(API_INTENTIONS, json=body, headers=buyer_headers)
    assert response.get_json()["fields"] == {"title": "required"}


def test_a_place_read_from_the_api_can_be_sent_back_with_its_label(client, buyer_headers):
    place = {"kind": "commune", "code": "59350", "label": "Chez nous"}
    response = client.post(API_INTENTIONS, json=intention_body(place=place), headers=buyer_headers)
    assert response.status_code == 201, response.get_json()
    sent_back = response.get_json()["place"]
    assert sent_back == {"kind": "commune", "code": "59350", "label": "Lille (59)"}
    response = client.post(
        API_INTENTIONS,
        json=intention_body(place=sent_back, external_id="again"),
        headers=buyer_headers,
    )
    assert response.status_code == 201, response.get_json()
    assert problems_of(client, buyer_headers, place=place | {"x": 1}) == {
        "place.x": "unknown field"
    }


def test_the_same_unknown_fields_are_reported_whatever_their_order(client, buyer_headers):
    names = [f"f{i}" for i in range(15)]
    expected = dict.fromkeys(sorted(names)[:10], "unknown field")
    assert problems_of(client, buyer_headers, **dict.fromkeys(names, 1)) == expected
    # Whatever order the names were collected in (a set's, which varies run to run).
    _whole, reversed_order = field_problems({name: ["unknown field"] for name in names[::-1]})
    assert reversed_order == expected


def test_echoed_names_are_clipped_with_an_ellipsis(client, buyer_headers):
    long_name = "z" * 100
    assert problems_of(client, buyer_headers, **{long_name: 1}) == {"z" * 40 + "…": "unknown field"}
    assert problems_of(client, buyer_headers, sectors=["s" * 100]) == {
        "sectors": "unknown sector(s): " + "s" * 40 + "…"
    }


def test_cpv_parameters_are_told_in_one_message_each(client):
    def problems(query):
        response = client.get(f"/api/v1/cpv?{query}")
        assert response.status_code == 400
        return response.get_json()["fields"]

    for query in ("", "q=", "q=%20%20", "q=" + "x" * 101):
        assert problems(query) == {"q": "required, 1 to 100 characters"}
    for limit in ("0", "51", "abc", "%C2%B2", "99999999999999999999"):
        assert problems(f"q=x&limit={limit}") == {"limit": "an integer from 1 to 50"}


def test_external_id_is_documented_unique_per_organisation(client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = document["components"]["schemas"]["IntentionInput"]["properties"]["external_id"]
    assert "organisation" in described["description"]
    assert "unique among API intentions" not in described["description"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cpv?q=",
        "/api/v1/cpv?limit=abc",
        "/api/v1/intentions?page=0&colour=blue",
        "/api/v1/enterprises?per_page=abc&colour=blue",
    ],
)
def test_who_may_not_call_a_route_learns_nothing_of_its_parameters(client, monkeypatch, path):
    # Were the route for signed-in people only, an anonymous call with bad parameters
    # is sent to sign in (the permission table's answer), not told what is wrong with them.
    signed_in_only = permissions.PERMISSIONS["use_account"]
    monkeypatch.setitem(permissions.PERMISSIONS, "view_public", signed_in_only)
    response = client.get(path)
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
