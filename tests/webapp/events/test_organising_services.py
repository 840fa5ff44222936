"""The organisers' services: an event with its programme and tables, edits that keep
slots and refuse to drop those holding meetings, publishing, decisions, members
registered, invitations sent once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from tests.factories import make_enterprise
from tests.webapp.events.factories import (
    DAY,
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.events import organising
from webapp.mail import outbox
from webapp.models import AuditEvent, EnterpriseMembership, EventParticipant, Network


def _networks(session, n=2):
    return list(session.scalars(select(Network).order_by(Network.id).limit(n)))


def _data(**fields) -> organising.EventData:
    values = {
        "title": "Rencontres de l'achat inclusif",
        "kind": "meetings",
        "starts_on": DAY,
        "ends_on": DAY,
        "commune_code": "59350",
        "meetings_start": time(9, 0),
        "meetings_end": time(12, 0),
        "slot_minutes": 20,
        "breaks": "10:20-10:40",
        "table_count": 3,
    }
    values.update(fields)
    return organising.EventData(**values)


@pytest.fixture
def network(session):
    return _networks(session)[0]


@pytest.fixture
def organiser(make_user, network):
    return make_user("facilitator", network=network)


def _times(event):
    return [(s.starts_at.strftime("%H:%M"), s.ends_at.strftime("%H:%M")) for s in event.slots]


def test_a_new_event_has_the_programme_s_slots_around_its_break_and_default_tables(
    session, organiser, network
):
    event = organising.create_event(session, organiser, network, _data())

    assert event.status == "draft"
    # 9:00-12:00 in 20 minutes is 9 slots; the break 10:20-10:40 takes one.
    assert _times(event) == [
        ("09:00", "09:20"),
        ("09:20", "09:40"),
        ("09:40", "10:00"),
        ("10:00", "10:20"),
        ("10:40", "11:00"),
        ("11:00", "11:20"),
        ("11:20", "11:40"),
        ("11:40", "12:00"),
    ]
    assert [t.name for t in event.tables] == ["Table 1", "Table 2", "Table 3"]
    assert event.breaks == "10:20-10:40"
    trail = session.scalars(select(AuditEvent).where(AuditEvent.target == f"event:{event.id}"))
    assert [a.action for a in trail] == ["event_created"]


def test_an_event_of_two_days_has_the_programme_each_day_and_named_tables(
    session, organiser, network
):
    event = organising.create_event(
        session,
        organiser,
        network,
        _data(
            ends_on=date(2027, 3, 19),
            breaks="",
            meetings_end=time(10, 0),
            slot_minutes=30,
            table_count=None,
            table_names=["Salle Nord", "Salle Sud"],
        ),
    )
    days = [s.starts_at.date() for s in event.slots]
    assert days == [DAY, DAY, date(2027, 3, 19), date(2027, 3, 19)]
    assert [t.name for t in event.tables] == ["Salle Nord", "Salle Sud"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"meetings_start": None, "meetings_end": None}, "meetings_start"),
        ({"meetings_end": time(8, 0)}, "meetings_end"),
        ({"breaks": "8:00-8:30"}, "breaks"),
        ({"breaks": "midi"}, "breaks"),
        ({"ends_on": date(2027, 3, 17)}, "ends_on"),
        ({"commune_code": None}, "commune"),
        ({"table_count": 1, "table_names": ["A", "B"]}, "table_names"),
        ({"table_count": 2, "table_names": ["A", "A"]}, "table_names"),
        (
            {"registration_opens_on": date(2027, 3, 1), "registration_closes_on": date(2027, 2, 1)},
            "registration_closes_on",
        ),
    ],
)
def test_an_event_that_breaks_a_rule_is_refused_with_the_field_named(
    session, organiser, network, fields, field
):
    with pytest.raises(organising.EventInvalid) as refused:
        organising.create_event(session, organiser, network, _data(**fields))
    assert field in refused.value.errors


def test_a_facilitator_of_another_network_can_neither_create_nor_edit(session, make_user, network):
    other = _networks(session)[1]
    outsider = make_user("facilitator", network=other)
    with pytest.raises(Forbidden):
        organising.create_event(session, outsider, network, _data())
    event = make_event(session, network)
    with pytest.raises(Forbidden):
        organising.update_event(session, outsider, event, _data())
    with pytest.raises(Forbidden):
        organising.publish_event(session, outsider, event)


def test_a_co_organiser_s_facilitator_edits_the_event(session, make_user, network):
    other = _networks(session)[1]
    event = make_event(session, network, co_network=other)
    co_organiser = make_user("facilitator", network=other)
    organising.update_event(session, co_organiser, event, _data(title="Forum commun"))
    assert event.title == "Forum commun"


def test_editing_keeps_the_slots_whose_times_are_unchanged(session, organiser, network):
    event = organising.create_event(session, organiser, network, _data(breaks=""))
    before = {(s.starts_at, s.ends_at): s.id for s in event.slots}

    organising.update_event(session, organiser, event, _data(breaks="", meetings_end=time(12, 20)))

    after = {(s.starts_at, s.ends_at): s.id for s in event.slots}
    assert len(after) == len(before) + 1
    assert all(after[key] == slot_id for key, slot_id in before.items())
    assert (datetime(2027, 3, 18, 12, 0), datetime(2027, 3, 18, 12, 20)) in after


def test_editing_refuses_to_drop_a_slot_or_a_table_holding_a_meeting(
    session, organiser, network, make_user
):
    event = make_event(session, network, slots=4, tables=2, status="draft")
    buyer = buyer_participant(session, event, make_user("buyer"))
    supplier = enterprise_participant(session, event, make_enterprise(session))
    last_slot, second_table = event.slots[-1], event.tables[1]
    meeting(session, meeting_request(session, buyer, supplier), last_slot, second_table)
    session.commit()
    data = _data(meetings_end=time(10, 20), breaks="", table_count=2)  # 4 slots of 20 min

    with pytest.raises(organising.EventInvalid) as refused:
        organising.update_event(session, organiser, event, replace(data, meetings_end=time(10, 0)))
    assert "meetings_start" in refused.value.errors
    with pytest.raises(organising.EventInvalid) as refused:
        organising.update_event(session, organiser, event, replace(data, table_count=1))
    assert "table_names" in refused.value.errors
    session.rollback()
    assert len(event.slots) == 4 and len(event.tables) == 2

    # Renaming the tables keeps them (and the meeting where it is).
    organising.update_event(
        session, organiser, event, replace(data, table_names=["Salle A", "Salle B"])
    )
    assert [t.name for t in event.tables] == ["Salle A", "Salle B"]
    assert second_table in event.tables and last_slot in event.slots


def test_publishing_a_meeting_day_needs_slots_and_tables(session, organiser, network):
    empty = make_event(session, network, slots=0, tables=0, status="draft")
    with pytest.raises(organising.EventInvalid):
        organising.publish_event(session, organiser, empty)
    assert empty.status == "draft"
    ready = make_event(session, network, status="draft")
    organising.publish_event(session, organiser, ready)
    assert ready.status == "published" and ready.published_at is not None
    organising.close_event(session, organiser, ready)
    assert ready.status == "closed"


def test_a_decision_sets_the_status_and_mails_the_participant(
    session, organiser, network, make_user
):
    event = make_event(session, network)
    person = make_user("buyer")
    participant = buyer_participant(session, event, person, status="pending")
    session.commit()

    organising.decide_participant(session, organiser, participant, accept=False)

    assert participant.status == "refused" and participant.decided_at is not None
    assert [m.recipients for m in outbox()] == [[person.email]]
    assert "pas été retenue" in outbox()[0].body


def test_an_organiser_registers_a_member_and_its_people_are_told(
    session, organiser, network, make_user
):
    event = make_event(session, network)
    member = make_enterprise(session, name="Menuiserie solidaire")
    member.networks.append(network)
    person = make_user("enterprise", enterprise=member)

    participant = organising.register_member(session, organiser, event, member, pitch="Bois")

    assert (participant.status, participant.kind, participant.pitch) == (
        "accepted",
        "enterprise",
        "Bois",
    )
    assert participant.registered_by_id == organiser.id
    assert [m.recipients for m in outbox()] == [[person.email]]
    trail = session.scalars(select(AuditEvent).where(AuditEvent.enterprise_id == member.id))
    assert [a.action for a in trail] == ["event_registered"]
    with pytest.raises(organising.AlreadyRegistered):
        organising.register_member(session, organiser, event, member)


def test_an_organiser_registers_only_members_of_the_organising_networks(
    session, organiser, network
):
    event = make_event(session, network)
    stranger = make_enterprise(session)
    with pytest.raises(ValueError, match="not a member"):
        organising.register_member(session, organiser, event, stranger)
    assert not event.participants


def test_members_are_invited_once_and_unclaimed_ones_reported(
    session, organiser, network, make_user
):
    event = make_event(session, network)
    claimed = make_enterprise(session, "41234567000019", name="A claimed member")
    unclaimed = make_enterprise(session, "51234567900017", name="B unclaimed member")
    registered = make_enterprise(session, "71234567700017", name="C registered member")
    for enterprise in (claimed, unclaimed, registered):
        enterprise.networks.append(network)
    person = make_user("enterprise", enterprise=claimed)
    enterprise_participant(session, event, registered)
    session.commit()

    first = organising.invite_members(session, organiser, event)

    assert first.sent == [claimed]
    assert first.unclaimed == [unclaimed]
    assert first.registered == [registered]
    assert [m.recipients for m in outbox()] == [[person.email]]
    assert f"/evenements/{event.id}/inscription" in outbox()[0].body
    assert "Le jeudi 18 mars 2027, Hôtel de Région" in outbox()[0].body

    second = organising.invite_members(session, organiser, event)
    assert second.sent == [] and second.already_invited == [claimed]
    assert len(outbox()) == 1
    trail = session.scalars(
        select(AuditEvent).where(
            AuditEvent.enterprise_id == claimed.id, AuditEvent.action == "event_invitation"
        )
    ).all()
    assert len(trail) == 1 and trail[0].changes["event"] == event.id


def test_invitations_to_the_selected_members_only(session, organiser, network, make_user):
    event = make_event(session, network)
    first = make_enterprise(session, "41234567000019")
    second = make_enterprise(session, "51234567900017")
    for enterprise in (first, second):
        enterprise.networks.append(network)
        session.add(EnterpriseMembership(user=make_user("user"), enterprise=enterprise))
    session.commit()
    report = organising.invite_members(session, organiser, event, [second.id])
    assert report.sent == [second]
    assert session.scalar(select(EventParticipant)) is None


def test_the_last_day_of_the_calendar_is_no_overflow(session, organiser, network):
    event = organising.create_event(
        session, organiser, network, _data(starts_on=date.max, ends_on=date.max)
    )
    assert event.slots[-1].ends_at == datetime(9999, 12, 31, 12, 0)
