"""Builders of the events' tests: an event with its slots and tables, participants,
requests and meetings, written as rows (the services under test build them otherwise)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from webapp.models import (
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    EventTable,
    Network,
)

DAY = date(2027, 3, 18)


def make_event(session, network=None, *, slots=4, tables=2, **fields) -> Event:
    """A published meeting day of ``network`` (the first network when None) in Lille on
    ``DAY``: ``slots`` slots of 20 minutes from 9:00, ``tables`` tables."""
    network = network or session.scalar(select(Network).order_by(Network.id))
    values = {
        "network": network,
        "kind": "meetings",
        "title": "Rencontres acheteurs – fournisseurs du Nord",
        "description": "Une matinée de rendez-vous de 20 minutes.",
        "status": "published",
        "starts_on": DAY,
        "ends_on": DAY,
        "commune_code": "59350",
        "address": "Hôtel de Région, 151 avenue du Président Hoover, Lille",
        "meetings_start": time(9, 0),
        "meetings_end": time(9, 0)
        if not slots
        else (datetime(2000, 1, 1, 9) + timedelta(minutes=20 * slots)).time(),
        "slot_minutes": 20,
        "buyer_cap": 12,
        "enterprise_cap": 6,
        "registration_mode": "approval",
        "request_mode": "approval",
    }
    values.update(fields)
    event = Event(**values)
    start = datetime.combine(event.starts_on, event.meetings_start)
    for i in range(slots):
        begins = start + timedelta(minutes=20 * i)
        event.slots.append(EventSlot(starts_at=begins, ends_at=begins + timedelta(minutes=20)))
    for i in range(tables):
        event.tables.append(EventTable(name=f"Table {i + 1}", position=i))
    session.add(event)
    session.flush()
    return event


def buyer_participant(session, event, user, status="accepted", **fields) -> EventParticipant:
    """``user`` (a buyer) registered for their first organisation."""
    row = EventParticipant(
        event=event,
        kind="buyer",
        user=user,
        organisation=user.buyer_memberships[0].organisation,
        status=status,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def enterprise_participant(
    session, event, enterprise, user=None, status="accepted", **fields
) -> EventParticipant:
    """``enterprise`` registered (by ``user``, one of its members, if given)."""
    row = EventParticipant(
        event=event, kind="enterprise", enterprise=enterprise, user=user, status=status, **fields
    )
    session.add(row)
    session.flush()
    return row


def meeting_request(session, sender, recipient, status="accepted", **fields) -> EventMeetingRequest:
    row = EventMeetingRequest(
        event=sender.event, sender=sender, recipient=recipient, status=status, **fields
    )
    session.add(row)
    session.flush()
    return row


def meeting(session, request, slot, table, **fields) -> EventMeeting:
    row = EventMeeting(event=request.event, request=request, slot=slot, table=table, **fields)
    session.add(row)
    session.flush()
    return row
