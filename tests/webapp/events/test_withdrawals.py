"""What a participant leaving does to the schedule, and what the day's beginning freezes:
a refusal after acceptance frees the other side's cap and takes the meetings off (and
out of the next agendas mailed); a cancellation or a recomputation once the event has
begun or closed is refused (they would delete meetings held and their feedback); a
request past its expiry cannot be answered by asking back; accepting a request whose
sender was also asked makes one mutual meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_enterprise, post_form, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp import mail
from webapp.events import meetings, organising, registration, scheduling, suggestions
from webapp.models import EventFeedback, EventMeeting, EventMeetingRequest

PAST = date(2020, 3, 18)


@pytest.fixture
def pair(session, make_user):
    """A buyer (cap 1) who met an enterprise; both accepted, each with their person."""

    def build(**event_fields):
        organiser = make_user("facilitator")
        event = make_event(session, organiser.network_roles[0].network, **event_fields)
        buyer_user = make_user("buyer")
        enterprise = make_enterprise(session, "73282932000074", name="Propreté Lilloise")
        member = make_user("enterprise", enterprise=enterprise)
        buyer = buyer_participant(session, event, buyer_user, cap=1)
        supplier = enterprise_participant(session, event, enterprise, user=member)
        request = meeting_request(session, buyer, supplier)
        held = meeting(session, request, event.slots[0], event.tables[0])
        session.commit()
        return {
            "event": event,
            "organiser": organiser,
            "buyer": buyer,
            "buyer_user": buyer_user,
            "supplier": supplier,
            "member": member,
            "request": request,
            "meeting": held,
        }

    return build


def test_refusing_an_accepted_participant_takes_them_off_and_frees_the_cap(
    session, make_user, pair
):
    world = pair()
    other = make_enterprise(session, "41234567000019", name="Jardins du Nord")
    second = enterprise_participant(session, world["event"], other)
    session.commit()
    with pytest.raises(meetings.MeetingRefused):  # the buyer's one meeting is taken
        meetings.ask(session, world["buyer_user"], world["buyer"], second, None)

    organising.decide_participant(session, world["organiser"], world["supplier"], False)

    assert world["supplier"].status == "refused"
    assert world["request"].status == "cancelled"
    assert session.scalars(select(EventMeeting)).all() == []
    asked = meetings.ask(session, world["buyer_user"], world["buyer"], second, None)
    assert asked.status == "pending"


def test_a_refused_participant_is_not_mailed_an_agenda_but_told_it_is_off(session, pair):
    world = pair()
    scheduling.publish_schedule(session, world["organiser"], world["event"])
    organising.decide_participant(session, world["organiser"], world["supplier"], False)
    mail.outbox().clear()
    scheduling.publish_schedule(session, world["organiser"], world["event"])
    sent = {tuple(m.recipients): m for m in mail.outbox()}
    # Both lost their only meeting: each hears it changed, with no .ics to add.
    assert set(sent) == {(world["buyer_user"].email,), (world["member"].email,)}
    assert all(not m.attachments for m in sent.values())


def test_once_begun_no_cancellation_refusal_nor_recomputation(session, pair):
    world = pair(starts_on=PAST, ends_on=PAST)
    feedback = EventFeedback(
        participant=world["supplier"], meeting=world["meeting"], useful=True, next_step="quote"
    )
    session.add(feedback)
    session.commit()

    with pytest.raises(registration.RegistrationRefused):
        registration.cancel_participation(session, world["member"], world["supplier"])
    with pytest.raises(organising.EventInvalid):
        organising.decide_participant(session, world["organiser"], world["supplier"], False)
    with pytest.raises(scheduling.ScheduleRefused):
        scheduling.compute_schedule(session, world["organiser"], world["event"])

    assert world["supplier"].status == "accepted"
    assert session.scalars(select(EventMeeting)).all() == [world["meeting"]]
    assert session.scalars(select(EventFeedback)).all() == [feedback]
    # A meeting is still moved by hand on the day (the same row: its feedback stays).
    moved = scheduling.move_meeting(
        session,
        world["organiser"],
        world["meeting"],
        world["event"].slots[1],
        world["event"].tables[1],
    )
    assert moved.id == world["meeting"].id and feedback.meeting_id == moved.id


def test_a_closed_event_keeps_its_schedule(session, pair):
    world = pair()
    organising.close_event(session, world["organiser"], world["event"])
    with pytest.raises(registration.RegistrationRefused):
        registration.cancel_participation(session, world["member"], world["supplier"])
    with pytest.raises(scheduling.ScheduleRefused):
        scheduling.compute_schedule(session, world["organiser"], world["event"])
    assert session.scalars(select(EventMeeting)).all() == [world["meeting"]]


def test_a_cancellation_before_the_day_still_takes_the_meetings_off(session, pair):
    world = pair()
    registration.cancel_participation(session, world["member"], world["supplier"])
    assert world["request"].status == "cancelled"
    assert session.scalars(select(EventMeeting)).all() == []


def test_an_expired_request_is_not_answered_by_asking_back(session, pair):
    world = pair()
    other = make_enterprise(session, "41234567000019", name="Jardins du Nord")
    member = world["member"]
    second = enterprise_participant(session, world["event"], other, user=member)
    session.commit()
    late = meetings.ask(session, member, second, world["supplier"], None)
    late.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()
    with pytest.raises(meetings.MeetingRefused):
        meetings.answer(session, member, late, True)

    back = meetings.ask(session, member, world["supplier"], second, None)

    assert late.status == "expired"
    assert back.status == "pending" and not back.mutual


def test_accepting_a_request_whose_sender_was_asked_too_makes_one_mutual_meeting(
    session, make_user
):
    event = make_event(session)
    a = make_enterprise(session, "73282932000074", name="Propreté Lilloise")
    b = make_enterprise(session, "41234567000019", name="Jardins du Nord")
    first = enterprise_participant(session, event, a, user=make_user("enterprise", enterprise=a))
    second = enterprise_participant(session, event, b, user=make_user("enterprise", enterprise=b))
    # Both asked, written as rows (as if each asked before the other's request was read).
    one = meeting_request(session, first, second, status="pending")
    two = meeting_request(session, second, first, status="pending")
    session.commit()

    meetings.answer(session, second.user, one, True)

    rows = session.scalars(select(EventMeetingRequest).order_by(EventMeetingRequest.id)).all()
    assert [(r.id, r.status, r.mutual) for r in rows] == [
        (one.id, "accepted", True),
        (two.id, "accepted", True),
    ]
    pairs = scheduling.pairs(session, event)
    assert len(pairs) == 1


def test_once_begun_an_accepted_meeting_is_not_called_off(session, pair):
    world = pair(starts_on=PAST, ends_on=PAST)
    with pytest.raises(meetings.MeetingRefused):
        meetings.cancel(session, world["member"], world["request"])
    assert world["request"].status == "accepted"
    assert session.scalars(select(EventMeeting)).all() == [world["meeting"]]


def test_calling_off_a_mutual_meeting_cancels_both_requests(session, pair):
    world = pair()
    back = meeting_request(session, world["supplier"], world["buyer"], mutual=True)
    world["request"].mutual = True
    session.commit()
    meetings.cancel(session, world["member"], world["request"])
    assert (world["request"].status, back.status) == ("cancelled", "cancelled")
    assert session.scalars(select(EventMeeting)).all() == []


def test_a_closed_event_keeps_its_accepted_participants(session, pair):
    world = pair()
    organising.close_event(session, world["organiser"], world["event"])
    with pytest.raises(organising.EventInvalid):
        organising.decide_participant(session, world["organiser"], world["supplier"], False)
    assert session.scalars(select(EventMeeting)).all() == [world["meeting"]]


def test_a_lapsed_request_may_be_asked_again_and_suggested_again(session, pair):
    world = pair()
    other = make_enterprise(session, "41234567000019", name="Jardins du Nord")
    second = enterprise_participant(session, world["event"], other)
    session.commit()
    asker = world["supplier"]  # the buyer's one meeting is taken: the enterprise asks
    late = meetings.ask(session, world["member"], asker, second, "Bonjour")
    late.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()
    assert second.id not in suggestions._standing_partners(session, asker)

    again = meetings.ask(session, world["member"], asker, second, "Encore")

    assert again.id == late.id and again.status == "pending" and again.motivation == "Encore"
    assert meetings.waiting(again)


def test_refusals_of_the_day_and_of_a_closed_event_are_said_not_500(client, session, pair):
    world = pair(starts_on=PAST, ends_on=PAST)
    sign_in(client, world["organiser"])
    page = f"/evenements/{world['event'].id}/participants"
    refused = post_form(
        client,
        f"{page}/{world['supplier'].id}/decision",
        {"decision": "refuse"},
        token_page=page,
    )
    assert refused.status_code == 302
    assert world["supplier"].status == "accepted"
    organising.close_event(session, world["organiser"], world["event"])
    planning = f"/evenements/{world['event'].id}/planning"
    locked = post_form(
        client,
        f"{planning}/rendez-vous/{world['meeting'].id}/verrou",
        {"locked": "1"},
        token_page=planning,
    )
    assert locked.status_code == 302 and not world["meeting"].locked
