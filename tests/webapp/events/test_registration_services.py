"""Registering to an event: the window, the audience, one registration each, automatic
or decided by the organisers; availability, pitch and intentions; cancelling."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from tests.factories import intention, make_enterprise, organisation_of
from tests.webapp.events.factories import (
    DAY,
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.events import registration
from webapp.mail import outbox
from webapp.models import EventMeeting, Network

BEFORE = date(2027, 3, 1)  # a day the registrations are open, before the event


@pytest.fixture
def network(session):
    return session.scalar(select(Network).order_by(Network.id))


@pytest.fixture
def organiser(make_user, network):
    return make_user("facilitator", network=network)


@pytest.mark.parametrize(
    ("fields", "on", "words"),
    [
        ({"status": "draft"}, BEFORE, "pas encore publié"),
        ({"status": "closed"}, BEFORE, "clôturé"),
        ({"registration_opens_on": date(2027, 3, 5)}, BEFORE, "pas encore ouvertes"),
        ({"registration_closes_on": date(2027, 2, 28)}, BEFORE, "closes"),
        ({}, date(2027, 3, 19), "passé"),
        ({"audience": "enterprises"}, BEFORE, "réservé aux entreprises"),
    ],
)
def test_a_buyer_is_refused_outside_the_window_or_the_audience(
    session, make_user, network, fields, on, words
):
    event = make_event(session, network, **fields)
    buyer = make_user("buyer")
    with pytest.raises(registration.RegistrationRefused, match=words):
        registration.register_buyer(session, buyer, event, organisation_of(buyer), on=on)
    assert not event.participants


def test_the_last_day_of_the_window_is_open(session, make_user, network):
    event = make_event(session, network, registration_closes_on=BEFORE)
    buyer = make_user("buyer")
    participant = registration.register_buyer(
        session, buyer, event, organisation_of(buyer), on=BEFORE
    )
    assert participant.status == "pending"


def test_an_enterprise_is_refused_by_an_event_for_buyers(session, make_user, network):
    event = make_event(session, network, audience="buyers")
    member = make_user("enterprise")
    enterprise = member.enterprise_memberships[0].enterprise
    with pytest.raises(registration.RegistrationRefused, match="acheteurs"):
        registration.register_enterprise(session, member, event, enterprise, on=BEFORE)


def test_approval_mode_leaves_it_pending_and_mails_the_organisers(
    session, make_user, network, organiser
):
    event = make_event(session, network, registration_mode="approval")
    member = make_user("enterprise")
    enterprise = member.enterprise_memberships[0].enterprise

    participant = registration.register_enterprise(
        session, member, event, enterprise, pitch="Nettoyage de locaux", on=BEFORE
    )

    assert (participant.status, participant.pitch, participant.user) == (
        "pending",
        "Nettoyage de locaux",
        member,
    )
    assert [m.recipients for m in outbox()] == [[organiser.email]]
    assert enterprise.display_name in outbox()[0].body


def test_automatic_mode_accepts_at_once_and_mails_the_participant(
    session, make_user, network, organiser
):
    event = make_event(session, network, registration_mode="automatic")
    buyer = make_user("buyer")
    participant = registration.register_buyer(
        session, buyer, event, organisation_of(buyer), on=BEFORE
    )
    assert participant.status == "accepted"
    assert [m.recipients for m in outbox()] == [[buyer.email]]


def test_one_registration_each_until_cancelled(session, make_user, network):
    event = make_event(session, network)
    buyer = make_user("buyer")
    first = registration.register_buyer(session, buyer, event, organisation_of(buyer), on=BEFORE)
    with pytest.raises(registration.AlreadyRegistered) as again:
        registration.register_buyer(session, buyer, event, organisation_of(buyer), on=BEFORE)
    assert again.value.participant == first

    registration.cancel_participation(session, buyer, first)
    back = registration.register_buyer(session, buyer, event, organisation_of(buyer), on=BEFORE)
    assert back.id == first.id and back.status == "pending"


def test_a_person_registers_only_their_own_organisation_or_enterprise(session, make_user, network):
    event = make_event(session, network)
    buyer, other = make_user("buyer"), make_user("buyer")
    with pytest.raises(Forbidden):
        registration.register_buyer(session, buyer, event, organisation_of(other), on=BEFORE)
    member = make_user("enterprise")
    with pytest.raises(Forbidden):
        registration.register_enterprise(
            session, member, event, make_enterprise(session, "41234567000019"), on=BEFORE
        )


def test_a_buyer_comes_for_their_organisation_s_published_intentions_only(
    session, make_user, network
):
    event = make_event(session, network)
    buyer, other = make_user("buyer"), make_user("buyer")
    own = intention(session, organisation_of(buyer), title="Espaces verts")
    draft = intention(session, organisation_of(buyer), status="draft")
    foreign = intention(session, organisation_of(other))
    session.commit()
    for refused in (draft, foreign):
        with pytest.raises(registration.RegistrationRefused):
            registration.register_buyer(
                session, buyer, event, organisation_of(buyer), intentions=[refused.id], on=BEFORE
            )
        session.rollback()
    participant = registration.register_buyer(
        session, buyer, event, organisation_of(buyer), intentions=[own.id], on=BEFORE
    )
    assert participant.intentions == [own]


def test_a_participant_states_the_slots_they_cannot_attend(session, make_user, network):
    event = make_event(session, network, slots=4)
    other_event = make_event(session, network, slots=1)
    buyer = make_user("buyer")
    participant = buyer_participant(session, event, buyer)
    session.commit()

    registration.update_participation(
        session,
        buyer,
        participant,
        pitch="Entretien des écoles",
        unavailable=[event.slots[0].id, event.slots[3].id],
    )
    assert participant.unavailable_slots == [event.slots[0], event.slots[3]]
    assert participant.pitch == "Entretien des écoles"

    with pytest.raises(registration.RegistrationRefused):
        registration.update_participation(
            session, buyer, participant, pitch=None, unavailable=[other_event.slots[0].id]
        )
    session.rollback()
    with pytest.raises(Forbidden):
        registration.update_participation(session, make_user("buyer"), participant, pitch="x")


def test_cancelling_cancels_one_s_requests_and_takes_their_meetings_off(
    session, make_user, network
):
    event = make_event(session, network)
    buyer = make_user("buyer")
    participant = buyer_participant(session, event, buyer)
    supplier = enterprise_participant(session, event, make_enterprise(session))
    third = enterprise_participant(session, event, make_enterprise(session, "41234567000019"))
    met = meeting_request(session, participant, supplier)
    asked = meeting_request(session, third, participant, status="pending")
    declined = meeting_request(session, supplier, third, status="declined")
    meeting(session, met, event.slots[0], event.tables[0])
    session.commit()

    registration.cancel_participation(session, buyer, participant)

    session.expire_all()
    assert participant.status == "cancelled"
    assert (met.status, asked.status, declined.status) == ("cancelled", "cancelled", "declined")
    assert session.scalar(select(EventMeeting)) is None


def test_the_event_day_is_the_default_today_reference(session, make_user, network):
    """Without ``on``, today is read on the event's clock: DAY is far ahead."""
    event = make_event(session, network)
    assert event.starts_on == DAY
    buyer = make_user("buyer")
    assert registration.register_buyer(session, buyer, event, organisation_of(buyer)).id
