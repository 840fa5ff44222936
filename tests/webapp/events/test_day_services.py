"""On the day: the organiser's check-in (present, absent, unknown again, audited) and the
participants' feedback (once per meeting, updated; not before the event, not on another's
meeting)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.factories import make_enterprise
from tests.webapp.events.factories import (
    DAY,
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.events import day
from webapp.models import AuditEvent, EventFeedback, Network

DURING = datetime(DAY.year, DAY.month, DAY.day, 9, 30)
BEFORE = datetime(DAY.year, DAY.month, DAY.day, 8, 59)


@pytest.fixture
def forum(session, make_user):
    """An event with a buyer, two enterprises, and the buyer's meeting with the first."""
    event = make_event(session)
    facilitator = make_user("facilitator", network=event.network)
    buyer_user = make_user("buyer")
    first, second = (make_enterprise(session, s) for s in ("73282932000074", "38012986600025"))
    member = make_user("enterprise", enterprise=first)
    buyer = buyer_participant(session, event, buyer_user)
    one = enterprise_participant(session, event, first, user=member)
    two = enterprise_participant(session, event, second)
    had = meeting(session, meeting_request(session, buyer, one), event.slots[0], event.tables[0])
    other = meeting(session, meeting_request(session, buyer, two), event.slots[1], event.tables[0])
    session.commit()
    return {
        "event": event,
        "facilitator": facilitator,
        "buyer_user": buyer_user,
        "member": member,
        "buyer": buyer,
        "one": one,
        "two": two,
        "had": had,
        "other": other,
    }


def _audits(session, participant):
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target == f"event:{participant.event_id} participant:{participant.id}")
        .order_by(AuditEvent.id)
    ).all()


def test_attendance_goes_present_absent_and_unknown_each_audited(session, forum):
    one, facilitator = forum["one"], forum["facilitator"]
    at = datetime(2027, 3, 18, 8, 45)
    day.set_attendance(session, facilitator, one, True, now=at)
    assert one.checked_in_at.replace(tzinfo=None) == at and not one.no_show
    assert day.attendance(one) == day.PRESENT
    day.set_attendance(session, facilitator, one, False)
    assert one.checked_in_at is None and one.no_show
    day.set_attendance(session, facilitator, one, None)
    assert one.checked_in_at is None and not one.no_show
    trail = _audits(session, one)
    assert [a.action for a in trail] == ["event_check_in", "event_no_show", "event_attendance"]
    assert [a.changes["attendance"] for a in trail] == [
        ["unknown", "present"],
        ["present", "absent"],
        ["absent", "unknown"],
    ]
    assert trail[0].siret == one.enterprise.siret
    assert trail[0].actor.startswith(f"user:{facilitator.id} ")


def test_a_click_that_changes_nothing_writes_nothing(session, forum):
    buyer = forum["buyer"]
    day.set_attendance(session, forum["facilitator"], buyer, True)
    first = buyer.checked_in_at
    day.set_attendance(session, forum["facilitator"], buyer, True)
    assert buyer.checked_in_at == first
    assert len(_audits(session, buyer)) == 1
    assert _audits(session, buyer)[0].siret is None  # a buyer: no enterprise trail


def test_only_an_organiser_checks_people_in(session, forum, make_user):
    elsewhere = session.scalars(select(Network).where(Network.id != forum["event"].network_id))
    with pytest.raises(PermissionError):
        day.set_attendance(session, forum["member"], forum["one"], True)
    with pytest.raises(PermissionError):
        day.set_attendance(
            session, make_user("facilitator", network=elsewhere.first()), forum["one"], True
        )
    assert forum["one"].checked_in_at is None


def test_a_pending_registration_is_not_checked_in(session, forum, make_user):
    pending = enterprise_participant(
        session, forum["event"], make_enterprise(session, "44306184100047"), status="pending"
    )
    with pytest.raises(day.DayRefused) as refused:
        day.set_attendance(session, forum["facilitator"], pending, True)
    assert refused.value.code == "not_accepted"


def test_counts(session, forum):
    day.set_attendance(session, forum["facilitator"], forum["one"], True)
    day.set_attendance(session, forum["facilitator"], forum["two"], False)
    counts = day.attendance_counts(forum["event"])
    assert (counts.accepted, counts.present, counts.absent, counts.unknown) == (3, 1, 1, 1)


def test_meetings_of_a_participant_are_theirs_in_agenda_order(session, forum):
    assert day.meetings_of(session, forum["buyer"]) == [forum["had"], forum["other"]]
    assert day.meetings_of(session, forum["one"]) == [forum["had"]]
    assert day.other_party(forum["had"], forum["one"]) == forum["buyer"]
    assert day.other_party(forum["had"], forum["buyer"]) == forum["one"]


def test_feedback_once_per_meeting_then_updated(session, forum):
    one, member, had = forum["one"], forum["member"], forum["had"]
    row = day.record_feedback(
        session, member, one, had, useful=True, next_step="quote", comment=" Devis ", now=DURING
    )
    again = day.record_feedback(
        session, member, one, had, useful=False, next_step="visit", now=DURING
    )
    assert again.id == row.id
    assert (again.useful, again.next_step, again.comment) == (False, "visit", None)
    overall = day.record_feedback(session, member, one, None, useful=True, now=DURING)
    assert overall.id != row.id and overall.meeting_id is None
    day.record_feedback(session, member, one, None, useful=False, now=DURING)
    count = session.scalar(
        select(func.count())
        .select_from(EventFeedback)
        .where(EventFeedback.participant_id == one.id)
    )
    assert count == 2
    assert set(day.feedback_of(session, one)) == {had.id, None}


def test_feedback_refused_before_the_first_slot(session, forum):
    with pytest.raises(day.DayRefused) as refused:
        day.record_feedback(session, forum["member"], forum["one"], forum["had"], now=BEFORE)
    assert refused.value.code == "too_early"
    assert not day.feedback_open(forum["event"], BEFORE)
    assert day.feedback_open(forum["event"], forum["event"].slots[0].starts_at)


def test_feedback_refused_on_a_meeting_not_ones_own(session, forum):
    with pytest.raises(day.DayRefused) as refused:
        day.record_feedback(session, forum["member"], forum["one"], forum["other"], now=DURING)
    assert refused.value.code == "not_your_meeting"
    # Their own meeting, by the other side: accepted.
    row = day.record_feedback(
        session, forum["buyer_user"], forum["buyer"], forum["had"], useful=True, now=DURING
    )
    assert row.participant_id == forum["buyer"].id


def test_feedback_only_by_who_acts_for_the_participant(session, forum):
    with pytest.raises(PermissionError):
        day.record_feedback(session, forum["buyer_user"], forum["one"], forum["had"], now=DURING)
    with pytest.raises(PermissionError):  # the organiser does not speak for participants
        day.record_feedback(session, forum["facilitator"], forum["one"], None, now=DURING)


def test_feedback_checks_its_values(session, forum):
    with pytest.raises(day.DayRefused) as refused:
        day.record_feedback(session, forum["member"], forum["one"], None, next_step="x", now=DURING)
    assert refused.value.code == "next_step"
    long = "a" * (day.FEEDBACK_COMMENT_MAX + 1)
    with pytest.raises(day.DayRefused) as refused:
        day.record_feedback(session, forum["member"], forum["one"], None, comment=long, now=DURING)
    assert refused.value.code == "comment"
