"""The registration and participation pages: a buyer and an enterprise register, a
refusal is said, a duplicate leads to the participation, availability is stated by slot,
a participation is cancelled; nobody reaches another's participation."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import csrf_token, intention, organisation_of, sign_in
from tests.webapp.events.factories import buyer_participant, make_event
from webapp.mail import outbox
from webapp.models import EventParticipant, Network


@pytest.fixture
def network(session):
    return session.scalar(select(Network).order_by(Network.id))


def _post(client, path, data=None):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **(data or {})})


def test_a_buyer_registers_with_an_intention_and_a_pitch(client, session, make_user, network):
    event = make_event(session, network, registration_mode="automatic")
    buyer = make_user("buyer")
    own = intention(session, organisation_of(buyer), title="Entretien des espaces verts")
    session.commit()
    sign_in(client, buyer)
    path = f"/evenements/{event.id}/inscription"
    page = client.get(path).get_data(as_text=True)
    assert "Entretien des espaces verts" in page and "Ce que je recherche" in page
    assert f'type="checkbox" name="intentions" value="{own.id}"' in page

    response = _post(
        client,
        path,
        {
            "organisation": str(organisation_of(buyer).id),
            "intentions": [str(own.id)],
            "pitch": "Des jardiniers",
        },
    )
    assert response.status_code == 302
    participant = session.scalar(select(EventParticipant))
    assert (participant.status, participant.pitch, participant.intentions) == (
        "accepted",
        "Des jardiniers",
        [own],
    )
    assert f"/participation/{participant.id}" in response.headers["Location"]

    again = _post(client, path, {"organisation": str(organisation_of(buyer).id)})
    assert again.status_code == 302
    assert f"/participation/{participant.id}" in again.headers["Location"]
    assert len(session.scalars(select(EventParticipant)).all()) == 1


def test_an_enterprise_registers_and_the_organisers_are_mailed(client, session, make_user, network):
    event = make_event(session, network)
    organiser = make_user("facilitator", network=network)
    member = make_user("enterprise")
    enterprise = member.enterprise_memberships[0].enterprise
    sign_in(client, member)
    path = f"/evenements/{event.id}/inscription"
    assert "Ce que je propose" in client.get(path).get_data(as_text=True)
    response = _post(client, path, {"enterprise": str(enterprise.id), "pitch": "Menuiserie"})
    assert response.status_code == 302
    assert session.scalar(select(EventParticipant.status)) == "pending"
    assert [m.recipients for m in outbox()] == [[organiser.email]]


def test_a_closed_window_is_said_and_a_post_refused(client, session, make_user, network):
    event = make_event(session, network, registration_closes_on=date(2020, 1, 1))
    buyer = make_user("buyer")
    sign_in(client, buyer)
    path = f"/evenements/{event.id}/inscription"
    assert "Les inscriptions sont closes" in client.get(path).get_data(as_text=True)
    response = _post(client, path, {"organisation": str(organisation_of(buyer).id)})
    assert response.status_code == 400
    assert session.scalar(select(EventParticipant)) is None


def test_a_bad_choice_or_a_long_pitch_is_a_400(client, session, make_user, network):
    event = make_event(session, network)
    buyer = make_user("buyer")
    sign_in(client, buyer)
    path = f"/evenements/{event.id}/inscription"
    assert _post(client, path, {"organisation": "999999"}).status_code == 400
    long = _post(
        client, path, {"organisation": str(organisation_of(buyer).id), "pitch": "x" * 1001}
    )
    assert long.status_code == 400
    assert session.scalar(select(EventParticipant)) is None


def test_availability_is_stated_slot_by_slot_and_cancelling_works(
    client, session, make_user, network
):
    event = make_event(session, network, slots=4)
    buyer = make_user("buyer")
    participant = buyer_participant(session, event, buyer)
    session.commit()
    sign_in(client, buyer)
    path = f"/evenements/{event.id}/participation/{participant.id}"
    page = client.get(path).get_data(as_text=True)
    assert "jeudi 18 mars 2027" in page and "9\u00a0h\u00a020\u00a0– 9\u00a0h\u00a040" in page

    chosen = [str(event.slots[1].id), str(event.slots[2].id)]
    response = _post(client, path, {"unavailable": chosen, "pitch": "Restauration"})
    assert response.status_code == 302
    assert participant.unavailable_slots == [event.slots[1], event.slots[2]]
    assert _post(client, path, {"unavailable": ["999999"]}).status_code == 400

    assert _post(client, f"{path}/annuler").status_code == 302
    assert participant.status == "cancelled"


def test_another_person_s_participation_is_refused(client, session, make_user, network):
    event = make_event(session, network)
    participant = buyer_participant(session, event, make_user("buyer"))
    session.commit()
    sign_in(client, make_user("buyer"))
    path = f"/evenements/{event.id}/participation/{participant.id}"
    assert client.get(path).status_code == 403
    other = make_event(session, network)
    session.commit()
    assert client.get(f"/evenements/{other.id}/participation/{participant.id}").status_code == 404


def test_an_organiser_edits_a_participation_from_the_participants_page(
    client, session, make_user, network
):
    """A member registered by the organisers may have nobody on the platform: the
    facilitators state its pitch and its slots, on their own route (the participant's
    asks ``attend_events``, which facilitators lack)."""
    event = make_event(session, network, slots=4)
    participant = buyer_participant(session, event, make_user("buyer"))
    facilitator = make_user("facilitator", network=network)
    session.commit()
    sign_in(client, facilitator)
    assert client.get(f"/evenements/{event.id}/participation/{participant.id}").status_code == 403
    listing = client.get(f"/evenements/{event.id}/participants").get_data(as_text=True)
    path = f"/evenements/{event.id}/participants/{participant.id}/modifier"
    assert f'href="{path}"' in listing
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert (
        f"Participation : {participant.display_name}" in text
        and "9\u00a0h\u00a020\u00a0– 9\u00a0h\u00a040" in text
    )
    assert "Annuler mon inscription" not in text
    response = _post(client, path, {"unavailable": [str(event.slots[3].id)], "pitch": "Voirie"})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert participant.unavailable_slots == [event.slots[3]] and participant.pitch == "Voirie"
    assert _post(client, path, {"unavailable": ["999999"]}).status_code == 400
    other = make_event(session, network)
    session.commit()
    assert (
        client.get(f"/evenements/{other.id}/participants/{participant.id}/modifier").status_code
        == 404
    )
    sign_in(
        client,
        make_user(
            "facilitator", network=session.scalars(select(Network).order_by(Network.id)).all()[3]
        ),
    )
    assert client.get(path).status_code == 403


def test_cancelling_once_the_event_has_begun_is_said_not_a_500(client, session, make_user, network):
    event = make_event(session, network, starts_on=date(2026, 3, 19), ends_on=date(2026, 3, 19))
    buyer = make_user("buyer")
    participant = buyer_participant(session, event, buyer)
    session.commit()
    sign_in(client, buyer)
    path = f"/evenements/{event.id}/participation/{participant.id}"
    response = _post(client, f"{path}/annuler")
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert participant.status == "accepted"
    assert "prévenez les organisateurs" in client.get(path).get_data(as_text=True)
