"""Events on the API: the list and its filters, one event with every field a badge
printer reads (slot times with the Paris offset of the day), requests and meetings hidden
until the schedule is published (but to organisers), and the check-in write."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.factories import get_json, make_enterprise, token_for
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.api.blueprint import API_PREFIX
from webapp.models import AuditEvent, Network

EVENTS = f"{API_PREFIX}/events"


def _networks(session):
    return session.scalars(select(Network).order_by(Network.id)).all()


@pytest.fixture
def forum(session, make_user):
    """A published March day in Lille co-organised by two networks: a buyer (with SIRET),
    two enterprises (one with its own cap and an unavailable slot, checked in), a pending
    one, a mutual request met in a meeting and a one-way request tied to an intention."""
    first, second = _networks(session)[:2]
    event = make_event(session, first, co_network=second)
    buyer_user = make_user("buyer")
    buyer_user.buyer_memberships[0].organisation.siret = "21590350100017"
    alpha = make_enterprise(session, "73282932000074", name="Alpha Insertion")
    beta = make_enterprise(session, "38012986600025", name="Beta Services")
    buyer = buyer_participant(session, event, buyer_user)
    one = enterprise_participant(
        session,
        event,
        alpha,
        cap=3,
        checked_in_at=datetime(2027, 3, 18, 7, 50, tzinfo=UTC),
    )
    one.unavailable_slots.append(event.slots[2])
    two = enterprise_participant(session, event, beta)
    enterprise_participant(
        session, event, make_enterprise(session, "44306184100047"), status="pending"
    )
    asked = meeting_request(session, buyer, one, mutual=True)
    meeting_request(session, one, buyer, mutual=True)
    from tests.factories import intention

    about = intention(session, buyer_user.buyer_memberships[0].organisation)
    pending = meeting_request(session, two, buyer, status="pending", intention_id=about.id)
    met = meeting(session, asked, event.slots[1], event.tables[1], locked=True)
    facilitator = make_user("facilitator", network=second)  # organises as co-organiser
    session.commit()
    return {
        "event": event,
        "buyer": buyer,
        "one": one,
        "two": two,
        "asked": asked,
        "pending": pending,
        "intention": about,
        "met": met,
        "facilitator": facilitator,
        "buyer_user": buyer_user,
    }


def test_the_list_gives_each_published_event_with_its_place_networks_and_counts(
    client, session, forum
):
    make_event(session, title="Brouillon", status="draft")
    closed = make_event(
        session,
        title="Passé",
        status="closed",
        starts_on=date(2026, 5, 4),
        ends_on=date(2026, 5, 4),
    )
    session.commit()
    answer = get_json(client, EVENTS)
    assert answer["total"] == 2 and answer["page"] == 1
    assert [e["id"] for e in answer["results"]] == [closed.id, forum["event"].id]
    listed = answer["results"][1]
    first, second = _networks(session)[:2]
    assert listed == {
        "id": forum["event"].id,
        "title": "Rencontres acheteurs – fournisseurs du Nord",
        "kind": "meetings",
        "status": "published",
        "starts_on": "2027-03-18",
        "ends_on": "2027-03-18",
        "place": {
            "commune_code": "59350",
            "commune": "Lille",
            "address": "Hôtel de Région, 151 avenue du Président Hoover, Lille",
            "online_url": None,
        },
        "networks": [
            {"slug": first.slug, "name": first.name},
            {"slug": second.slug, "name": second.name},
        ],
        "counts": {"buyers": 1, "enterprises": 2, "slots": 4, "tables": 2},
        "schedule_published": False,
    }


def test_the_list_filters_by_network_and_dates(client, session, forum):
    networks = _networks(session)
    other = make_event(
        session, networks[2], title="Autre", starts_on=date(2027, 6, 1), ends_on=date(2027, 6, 2)
    )
    session.commit()

    def ids(**query):
        return [e["id"] for e in get_json(client, EVENTS, query_string=query)["results"]]

    assert ids(network=networks[1].slug) == [forum["event"].id]  # the co-organiser's too
    assert ids(network=networks[2].slug) == [other.id]
    assert ids(**{"from": "2027-06-02"}) == [other.id]  # still on that day
    assert ids(**{"from": "2027-06-03"}) == []
    assert ids(to="2027-03-18") == [forum["event"].id]
    assert ids(**{"from": "2027-03-19", "to": "2027-06-01"}) == [other.id]
    assert ids(per_page=1, page=2) == [other.id]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"network": "nowhere"}, "network"),
        ({"from": "18/03/2027"}, "from"),
        ({"from": "2027-04-01", "to": "2027-03-01"}, "from"),
        ({"per_page": "0"}, "per_page"),
        ({"zz": "1"}, "zz"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_them(client, query, field):
    answer = get_json(client, EVENTS, 400, query_string=query)
    assert field in answer["fields"], answer


def test_one_event_gives_slots_tables_and_accepted_participants(client, session, forum):
    event, one = forum["event"], forum["one"]
    answer = get_json(client, f"{EVENTS}/{event.id}")
    assert answer["slot_minutes"] == 20
    assert answer["slots"][0] == {
        "id": event.slots[0].id,
        "start": "2027-03-18T09:00:00+01:00",
        "end": "2027-03-18T09:20:00+01:00",
    }
    assert [s["start"][11:16] for s in answer["slots"]] == ["09:00", "09:20", "09:40", "10:00"]
    assert answer["tables"] == [{"id": t.id, "name": t.name} for t in event.tables]
    by_id = {p["id"]: p for p in answer["participants"]}
    assert set(by_id) == {forum["buyer"].id, one.id, forum["two"].id}  # not the pending
    assert by_id[forum["buyer"].id] == {
        "id": forum["buyer"].id,
        "type": "buyer",
        "name": forum["buyer"].organisation.name,
        "siret": "21590350100017",
        "cap": 12,
        "unavailable_slots": [],
    }
    assert by_id[one.id] == {
        "id": one.id,
        "type": "enterprise",
        "name": "Alpha Insertion",
        "siret": "73282932000074",
        "cap": 3,  # their own, under the event's 6
        "unavailable_slots": [event.slots[2].id],
    }
    assert by_id[forum["two"].id]["cap"] == 6


def test_attendance_is_read_by_an_organisers_token_only(client, session, forum, make_user):
    event, one = forum["event"], forum["one"]
    url = f"{EVENTS}/{event.id}"
    organiser = token_for(session, forum["facilitator"], scopes="read")
    by_id = {p["id"]: p for p in get_json(client, url, headers=organiser)["participants"]}
    assert (by_id[one.id]["checked_in"], by_id[one.id]["no_show"]) == (True, False)
    assert (by_id[forum["two"].id]["checked_in"], by_id[forum["two"].id]["no_show"]) == (
        False,
        False,
    )
    stranger = token_for(session, make_user("facilitator", network=_networks(session)[3]))
    for headers in ({}, stranger, token_for(session, forum["buyer_user"])):
        for p in get_json(client, url, headers=headers)["participants"]:
            assert "checked_in" not in p and "no_show" not in p
    get_json(client, url, 401, headers={"Authorization": "Bearer x"})


def test_a_summer_slot_has_the_summer_offset(client, session):
    event = make_event(session, starts_on=date(2027, 7, 1), ends_on=date(2027, 7, 1))
    session.commit()
    slots = get_json(client, f"{EVENTS}/{event.id}")["slots"]
    assert slots[0]["start"] == "2027-07-01T09:00:00+02:00"


def test_a_draft_or_unknown_event_is_a_404_everywhere(client, session, forum):
    draft = make_event(session, status="draft")
    session.commit()
    organiser = token_for(session, forum["facilitator"], scopes="read write:events")
    for event_id in (draft.id, 999_999):
        for tail in ("", "/requests", "/meetings"):
            answer = get_json(client, f"{EVENTS}/{event_id}{tail}", 404, headers=organiser)
            assert answer["error"] == "no published event with this id"


def test_requests_and_meetings_are_hidden_before_the_schedule_is_published(
    client, session, forum, make_user
):
    event = forum["event"]
    stranger = token_for(session, make_user("facilitator", network=_networks(session)[3]))
    for tail in ("/requests", "/meetings"):
        assert get_json(client, f"{EVENTS}/{event.id}{tail}", 404)["error"].startswith(
            "requests and meetings are public once"
        )
        get_json(client, f"{EVENTS}/{event.id}{tail}", 404, headers=stranger)
        get_json(client, f"{EVENTS}/{event.id}{tail}", 401, headers={"Authorization": "Bearer x"})
    organiser = token_for(session, forum["facilitator"], scopes="read")
    assert get_json(client, f"{EVENTS}/{event.id}/requests", headers=organiser)["total"] == 3
    event.schedule_published_at = datetime(2027, 3, 10, tzinfo=UTC)
    session.commit()
    assert get_json(client, f"{EVENTS}/{event.id}/meetings")["total"] == 1


def test_requests_and_meetings_fields(client, session, forum, make_user):
    event = forum["event"]
    event.schedule_published_at = datetime(2027, 3, 10, tzinfo=UTC)
    session.commit()
    organiser = token_for(session, forum["facilitator"], scopes="read")
    requests = get_json(client, f"{EVENTS}/{event.id}/requests", headers=organiser)["results"]
    by_id = {r["id"]: r for r in requests}
    asked, pending = by_id[forum["asked"].id], by_id[forum["pending"].id]
    assert (asked["from"], asked["to"], asked["status"], asked["mutual"]) == (
        forum["buyer"].id,
        forum["one"].id,
        "accepted",
        True,
    )
    assert asked["intention"] is None and asked["answered_at"] is None
    assert datetime.fromisoformat(asked["created_at"])
    assert (pending["from"], pending["to"], pending["status"], pending["mutual"]) == (
        forum["two"].id,
        forum["buyer"].id,
        "pending",
        False,
    )
    assert pending["intention"] == forum["intention"].id
    # Anyone else reads the accepted requests only: not who is still waiting or refused.
    meeting_request(session, forum["two"], forum["one"], status="declined")
    session.commit()
    stranger = token_for(session, make_user("facilitator", network=_networks(session)[3]))
    for headers in ({}, stranger, token_for(session, forum["buyer_user"])):
        public = get_json(client, f"{EVENTS}/{event.id}/requests", headers=headers)
        assert public["total"] == 2
        assert {r["status"] for r in public["results"]} == {"accepted"}
    assert get_json(client, f"{EVENTS}/{event.id}/requests", headers=organiser)["total"] == 4
    [met] = get_json(client, f"{EVENTS}/{event.id}/meetings")["results"]
    assert met == {
        "id": forum["met"].id,
        "request": forum["asked"].id,
        "slot": event.slots[1].id,
        "table": event.tables[1].id,
        "locked": True,
        "participants": [forum["buyer"].id, forum["one"].id],
    }


# --- The check-in ----------------------------------------------------------------------------


def _check_in(client, forum, headers, body, participant=None, event=None):
    event_id = (event or forum["event"]).id
    participant_id = (participant or forum["two"]).id
    return client.post(
        f"{EVENTS}/{event_id}/participants/{participant_id}/check-in", json=body, headers=headers
    )


def test_an_organiser_token_checks_people_in_and_out(client, session, forum):
    headers = token_for(session, forum["facilitator"], scopes="write:events")
    two = forum["two"]
    answer = _check_in(client, forum, headers, {"present": True})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["id"] == two.id and body["checked_in"] and not body["no_show"]
    assert datetime.fromisoformat(body["checked_in_at"])
    body = _check_in(client, forum, headers, {"present": False}).get_json()
    assert (body["checked_in"], body["checked_in_at"], body["no_show"]) == (False, None, True)
    body = _check_in(client, forum, headers, {"present": None}).get_json()
    assert (body["checked_in"], body["no_show"]) == (False, False)
    trail = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target.like(f"% participant:{two.id}"))
        .order_by(AuditEvent.id)  # in the order written (PostgreSQL keeps no order otherwise)
    ).all()
    assert trail == ["event_check_in", "event_no_show", "event_attendance"]
    api = get_json(client, f"{EVENTS}/{forum['event'].id}", headers=headers)["participants"]
    assert {p["id"]: p["checked_in"] for p in api}[two.id] is False


def test_check_in_refusals(client, session, forum, make_user):
    organiser = token_for(session, forum["facilitator"], scopes="write:events")
    reader = token_for(session, forum["facilitator"], scopes="read")
    stranger = token_for(
        session, make_user("facilitator", network=_networks(session)[3]), scopes="write:events"
    )
    buyer = token_for(session, forum["buyer_user"], scopes="write:events")
    assert _check_in(client, forum, {}, {"present": True}).status_code == 401
    assert _check_in(client, forum, reader, {"present": True}).status_code == 403
    for who in (stranger, buyer):
        answer = _check_in(client, forum, who, {"present": True})
        assert answer.status_code == 403
        assert answer.get_json()["error"] == "the token's user does not organise this event"
    for body in ({}, {"present": 1}, {"present": "true"}, {"present": True, "x": 1}):
        answer = _check_in(client, forum, organiser, body)
        assert answer.status_code == 400, body
        assert "fields" in answer.get_json()
    assert _check_in(client, forum, organiser, None).status_code == 415
    elsewhere = make_event(session, forum["event"].co_network)
    pending = enterprise_participant(
        session, forum["event"], make_enterprise(session, "51234567800012"), status="pending"
    )
    draft = make_event(session, forum["event"].network, status="draft")
    session.commit()
    answer = _check_in(client, forum, organiser, {"present": True}, event=elsewhere)
    assert answer.status_code == 404  # a participant of another event
    assert _check_in(client, forum, organiser, {"present": True}, pending).status_code == 409
    assert _check_in(client, forum, organiser, {"present": True}, event=draft).status_code == 404
    assert forum["two"].checked_in_at is None


def test_the_events_paths_are_in_the_document(client):
    document = get_json(client, f"{API_PREFIX}/openapi.json")
    paths = document["paths"]
    assert set(paths) >= {
        "/events",
        "/events/{event_id}",
        "/events/{event_id}/requests",
        "/events/{event_id}/meetings",
        "/events/{event_id}/participants/{participant_id}/check-in",
    }
    check_in = paths["/events/{event_id}/participants/{participant_id}/check-in"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "415"} <= set(check_in["responses"])
    assert check_in["security"] == [{"bearerAuth": ["write:events"]}]
    assert {"401", "404"} <= set(paths["/events/{event_id}/meetings"]["get"]["responses"])
    listed = {p["name"] for p in paths["/events"]["get"]["parameters"]}
    assert listed == {"network", "from", "to", "page", "per_page"}
    schemas = document["components"]["schemas"]
    assert {"Participant", "Slot", "MeetingRequest", "Meeting"} <= set(schemas)
