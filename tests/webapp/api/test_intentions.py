"""Purchase intentions on the API: list with filters, one, its matches, and creation with
a buyer's token."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.factories import (
    API_INTENTIONS,
    CLEANING,
    GREEN,
    SIRETS,
    intention,
    intention_body,
    organisation_of,
    supplier,
    token_for,
)
from webapp.models import MatchRun, PurchaseIntention


def test_list_shape_filters_and_errors(client, session):
    intention(
        session,
        title="Lille",
        sectors=[CLEANING],
        launch_date=date(2027, 2, 1),
        source="import",
        external_id="X1",
    )
    intention(
        session,
        title="Prévue",
        forecast=True,
        source="decp",
        place_kind="departement",
        place_code="59",
        place_label="Nord (59)",
    )
    intention(session, title="Brouillon", status="draft")
    intention(session, title="Close", status="closed")
    session.commit()
    data = client.get(API_INTENTIONS).get_json()
    assert data["total"] == 2 and data["page"] == 1 and data["per_page"] == 20
    assert sorted(r["title"] for r in data["results"]) == ["Lille", "Prévue"]
    first = next(r for r in data["results"] if r["title"] == "Lille")
    assert first["place"] == {"kind": "commune", "code": "59350", "label": "Lille (59)"}
    assert first["sectors"][0]["slug"] == CLEANING and first["launch_date"] == "2027-02-01"
    assert first["url"].endswith(f"/intentions/{first['id']}")

    def titles(query):
        response = client.get(f"{API_INTENTIONS}?{query}")
        assert response.status_code == 200, response.get_json()
        return sorted(r["title"] for r in response.get_json()["results"])

    assert titles("status=closed") == ["Close"]
    assert titles("source=import") == ["Lille"]
    assert titles("external_id=X1") == ["Lille"]
    assert titles(f"sector={CLEANING}") == ["Lille"]
    assert titles("place=commune:59350") == ["Lille"]
    assert titles("place=departement:59") == ["Lille", "Prévue"]
    assert titles("launch_from=2027-01-01&launch_to=2027-12-31") == ["Lille"]
    assert titles("per_page=1&page=2") in (["Lille"], ["Prévue"])

    response = client.get(
        f"{API_INTENTIONS}?status=draft&place=lune&per_page=1000&launch_from=x&foo=1"
    )
    assert response.status_code == 400
    fields = response.get_json()["fields"]
    assert set(fields) == {"status", "place", "per_page", "launch_from", "foo"}
    assert fields["foo"] == "unknown parameter"


def test_detail_and_matches(client, session):
    cleaner = supplier(session, SIRETS[0], CLEANING, name="Net Nord")
    gardener = supplier(session, SIRETS[1], GREEN, name="Jardins du Nord")
    row = intention(session, sectors=[CLEANING, GREEN])
    draft = intention(session, status="draft")
    session.commit()
    detail = client.get(f"{API_INTENTIONS}/{row.id}")
    assert detail.status_code == 200 and detail.get_json()["id"] == row.id
    assert client.get(f"{API_INTENTIONS}/{draft.id}").status_code == 404
    assert client.get(f"{API_INTENTIONS}/{draft.id}/matches").get_json()["error"]
    assert client.get(f"{API_INTENTIONS}/999999").status_code == 404

    matches = client.get(f"{API_INTENTIONS}/{row.id}/matches")
    assert matches.status_code == 200
    data = matches.get_json()
    assert {s["siret"] for s in data["suppliers"]} == {cleaner.siret, gardener.siret}
    for s in data["suppliers"]:
        assert {
            "siret",
            "name",
            "kind",
            "score",
            "reasons",
            "eligible_reservations",
            "distance_km",
            "dependency",
        } <= set(s)
    assert set(data["reservations"]) == {"L2113-12", "L2113-13", "L2113-14", "L2113-15"}
    for verdict in data["reservations"].values():
        assert {"eligible_count", "recommendation", "explanation"} <= set(verdict)
    [group] = [g for g in data["groups"] if g["reservation"] == "L2113-13"]
    assert {m["siret"] for m in group["members"]} == {cleaner.siret, gardener.siret}
    assert sorted(m["role"] for m in group["members"]) == ["cotraitant", "mandataire"]
    assert set(group["covers"]) == {CLEANING, GREEN} and group["explanation"]
    # A read stores nothing (GET never writes): the same answer is computed again.
    assert session.scalar(select(MatchRun).where(MatchRun.intention_id == row.id)) is None
    assert client.get(f"{API_INTENTIONS}/{row.id}/matches").get_json() == data


def test_create_with_a_write_token(client, session, make_user):
    buyer = make_user("buyer")
    supplier(session, SIRETS[0], CLEANING)
    supplier(session, SIRETS[1], GREEN)
    headers = token_for(session, buyer)
    response = client.post(API_INTENTIONS, json=intention_body(), headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    row = session.get(PurchaseIntention, data["id"])
    assert response.headers["Location"].endswith(f"{API_INTENTIONS}/{row.id}")
    assert row.source == "api" and row.external_id == "ACH-2027-001"
    assert row.status == "published" and row.published_at is not None
    assert row.buyer_organisation_id == organisation_of(buyer).id
    assert row.cpv_codes == "90910000 77310000"
    assert [(lot.number, lot.title) for lot in row.lots] == [(1, "Nettoyage"), (2, "Espaces verts")]
    assert data["place"]["label"] == "Lille (59)"
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == row.id))
    assert stored is not None and stored.result["groups"]
    # Listed at once; the same external id again is a conflict.
    assert client.get(f"{API_INTENTIONS}?external_id=ACH-2027-001").get_json()["total"] == 1
    assert client.post(API_INTENTIONS, json=intention_body(), headers=headers).status_code == 409

    draft = client.post(
        API_INTENTIONS, json=intention_body(status="draft", external_id=None), headers=headers
    )
    assert draft.status_code == 201 and draft.get_json()["status"] == "draft"
    assert client.get(draft.headers["Location"]).status_code == 404  # drafts are not public


def test_create_refusals(client, session, make_user):
    buyer = make_user("buyer")
    assert client.post(API_INTENTIONS, json=intention_body()).status_code == 401
    read_only = token_for(session, buyer, scopes="read")
    assert client.post(API_INTENTIONS, json=intention_body(), headers=read_only).status_code == 403
    not_a_buyer = token_for(session, make_user("user"))
    response = client.post(API_INTENTIONS, json=intention_body(), headers=not_a_buyer)
    assert response.status_code == 403 and "buyer" in response.get_json()["error"]
    headers = token_for(session, buyer)
    response = client.post(API_INTENTIONS, data="title=x", headers=headers)
    assert response.status_code == 415
    response = client.post(
        API_INTENTIONS, data="{not json", headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert client.post(API_INTENTIONS, json=["a list"], headers=headers).status_code == 400
    assert session.scalar(select(PurchaseIntention)) is None


def test_create_reports_each_bad_field(client, session, make_user):
    headers = token_for(session, make_user("buyer"))
    response = client.post(
        API_INTENTIONS,
        json=intention_body(
            title="",
            cpv_codes="9091 abc",
            sectors=["nope"],
            place={"kind": "departement", "code": "999"},
            amount_total=-1,
            duration_months=601,
            launch_date="demain",
            social_consideration="maybe",
            status="closed",
            lots=[{"amount": "cent"}],
            colour="blue",
            organisation_id=[1],
        ),
        headers=headers,
    )
    assert response.status_code == 400
    fields = response.get_json()["fields"]
    assert set(fields) == {
        "title",
        "cpv_codes",
        "sectors",
        "place",
        "amount_total",
        "duration_months",
        "launch_date",
        "social_consideration",
        "status",
        "lots[0].title",
        "lots[0].amount",
        "colour",
        "organisation_id",
    }
    assert fields["title"] == "required" and fields["colour"] == "unknown field"
    response = client.post(API_INTENTIONS, json=intention_body(place=None), headers=headers)
    assert response.status_code == 400 and "place" in response.get_json()["fields"]
    assert session.scalar(select(PurchaseIntention)) is None


def test_openapi_documents_the_intentions(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/intentions"])
    assert paths["/intentions"]["post"]["security"] == [{"bearerAuth": ["write:intentions"]}]
    assert "/intentions/{intention_id}" in paths and "/intentions/{intention_id}/matches" in paths
    names = {p["name"] for p in paths["/intentions"]["get"]["parameters"]}
    from webapp.intentions.queries import API_PARAMETERS

    assert names == set(API_PARAMETERS)
    assert {"Intention", "IntentionInput", "Matches"} <= set(document["components"]["schemas"])
