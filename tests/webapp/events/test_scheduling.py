"""The schedule (webapp/events/scheduling.py): computed placements that keep every rule,
locks kept, a re-run after a late change with few moves, manual moves checked, publication
mailing each agenda with its .ics (then only the agendas that changed); the pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from domain import scheduling as solver
from tests.factories import make_enterprise, post_form, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp import mail
from webapp.events import scheduling
from webapp.events.views_schedule import unplaced_words
from webapp.models import EventMeeting, Network, ScheduleRun

SIRETS = ("73282932000074", "41234567000019", "51234567900017", "71234567700017")


@pytest.fixture
def forum(session, make_user):
    """4 slots × 2 tables; 2 buyers, 4 enterprises; 5 accepted pairs (one mutual)."""
    event = make_event(session, slots=4, tables=2)
    organiser = make_user("facilitator", network=event.network)
    buyers = [buyer_participant(session, event, make_user("buyer")) for _ in range(2)]
    users, enterprises = [], []
    for i, siret in enumerate(SIRETS):
        enterprise = make_enterprise(session, siret, name=f"Entreprise {i + 1}")
        user = make_user("enterprise", enterprise=enterprise)
        users.append(user)
        enterprises.append(enterprise_participant(session, event, enterprise, user=user))
    requests = [
        meeting_request(session, buyers[0], enterprises[0]),
        meeting_request(session, buyers[0], enterprises[1]),
        meeting_request(session, buyers[0], enterprises[2]),
        meeting_request(session, buyers[1], enterprises[0]),
        meeting_request(session, buyers[1], enterprises[3], mutual=True),
    ]
    meeting_request(session, enterprises[3], buyers[1], mutual=True)  # the other half
    meeting_request(session, buyers[1], enterprises[1], status="pending")  # not placed
    enterprises[0].unavailable_slots.append(event.slots[0])
    session.commit()
    return {
        "event": event,
        "organiser": organiser,
        "buyers": buyers,
        "enterprises": enterprises,
        "users": users,
        "requests": requests,
    }


def stored(session, event):
    return session.scalars(select(EventMeeting).where(EventMeeting.event_id == event.id)).all()


def assert_rules_hold(session, event):
    problem, _pairs = scheduling.problem_of(session, event)
    placements = [
        solver.Placement(m.request_id, m.slot_id, m.table_id) for m in stored(session, event)
    ]
    assert solver.violations(problem, placements) == []


def test_compute_places_every_pair_once_within_the_rules(session, forum):
    run = scheduling.compute_schedule(session, forum["organiser"], forum["event"], 2.0)
    assert isinstance(run, ScheduleRun) and run.id
    assert run.requested == 5  # the mutual pair once, the pending request not at all
    assert run.placed == 5 and run.mutual_placed == 1 and run.optimal
    assert run.unplaced == []
    meetings = stored(session, forum["event"])
    assert sorted(m.request_id for m in meetings) == sorted(r.id for r in forum["requests"])
    assert_rules_hold(session, forum["event"])
    unavailable = forum["event"].slots[0].id
    first = [
        m
        for m in meetings
        if forum["enterprises"][0].id in (m.request.sender_id, m.request.recipient_id)
    ]
    assert all(m.slot_id != unavailable for m in first)


def test_locked_meetings_are_kept(session, forum):
    event = forum["event"]
    request = forum["requests"][1]
    locked = meeting(session, request, event.slots[3], event.tables[1], locked=True)
    session.commit()
    scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    row = session.scalar(select(EventMeeting).where(EventMeeting.request_id == request.id))
    assert row.id == locked.id
    assert (row.slot_id, row.table_id, row.locked) == (event.slots[3].id, event.tables[1].id, True)
    assert_rules_hold(session, event)


def test_a_rerun_after_a_late_change_moves_little_and_keeps_rows(session, forum, make_user):
    event = forum["event"]
    scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    before = {m.request_id: (m.id, m.slot_id, m.table_id) for m in stored(session, event)}
    late = meeting_request(session, forum["buyers"][1], forum["enterprises"][2])
    session.commit()
    run = scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    assert run.placed == 6
    assert run.moves == 0  # room enough: the new pair fits around the others
    after = {m.request_id: (m.id, m.slot_id, m.table_id) for m in stored(session, event)}
    assert {k: after[k] for k in before} == before  # same rows, same places
    assert late.id in after
    assert_rules_hold(session, event)


def test_what_cannot_be_placed_is_said_with_its_reason(session, forum):
    event = forum["event"]
    buyer = forum["buyers"][0]
    buyer.cap = 2  # three accepted pairs, a cap of two
    session.commit()
    run = scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    assert run.placed == 4
    assert [u["reason"] for u in run.unplaced] == [solver.CAP]
    assert run.unplaced[0]["participant"] == buyer.id
    words = unplaced_words(event, run.unplaced)
    assert len(words) == 1 and "a atteint son plafond de 2 rendez-vous" in words[0][1]


def test_only_organisers_compute(session, forum, make_user):
    other_network = Network(slug="autre-reseau", name="Autre réseau")
    session.add(other_network)
    session.commit()
    stranger = make_user("facilitator", network=other_network)
    with pytest.raises(scheduling.NotOrganiser):
        scheduling.compute_schedule(session, stranger, forum["event"], 1.0)


def test_move_is_checked_then_locked(session, forum):
    event = forum["event"]
    scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    meetings = stored(session, event)
    target = next(
        m
        for m in meetings
        if forum["enterprises"][0].id in (m.request.sender_id, m.request.recipient_id)
    )
    with pytest.raises(scheduling.ScheduleRefused, match="pas disponible"):
        scheduling.move_meeting(
            session, forum["organiser"], target, event.slots[0], event.tables[0]
        )
    # A free cell both can attend.
    busy = {
        (m.slot_id, p)
        for m in meetings
        if m.id != target.id
        for p in (m.request.sender_id, m.request.recipient_id)
    }
    taken = {(m.slot_id, m.table_id) for m in meetings if m.id != target.id}
    who = (target.request.sender_id, target.request.recipient_id)
    free = next(
        (s, t)
        for s in event.slots[1:]
        for t in event.tables
        if (s.id, t.id) not in taken and all((s.id, p) not in busy for p in who)
    )
    moved = scheduling.move_meeting(session, forum["organiser"], target, *free)
    assert (moved.slot_id, moved.table_id, moved.locked) == (free[0].id, free[1].id, True)
    assert_rules_hold(session, event)


def test_publish_mails_each_agenda_with_an_ics_then_only_the_changed(session, forum):
    event = forum["event"]
    scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    mail.outbox().clear()
    mailed = scheduling.publish_schedule(session, forum["organiser"], event)
    assert event.schedule_published_at is not None
    assert mailed == 6 == len(mail.outbox())  # 2 buyers + 4 enterprises, each with a meeting
    first_enterprise = forum["users"][0].email
    message = next(m for m in mail.outbox() if m.recipients == [first_enterprise])
    assert len(message.attachments) == 1
    attachment = message.attachments[0]
    assert attachment.content_type == "text/calendar"
    calendar = Calendar.from_ical(attachment.data)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    entries = calendar.walk("VEVENT")
    own = [
        m
        for m in stored(session, event)
        if forum["enterprises"][0].id in (m.request.sender_id, m.request.recipient_id)
    ]
    assert len(entries) == len(own) == 2
    starts = sorted(e.decoded("dtstart") for e in entries)
    paris = ZoneInfo("Europe/Paris")
    assert starts == sorted(m.slot.starts_at.replace(tzinfo=paris) for m in own)
    assert all(s.utcoffset().total_seconds() == 3600 for s in starts)  # March: UTC+1
    assert entries[0]["DTSTART"].params["TZID"] == "Europe/Paris"
    assert all(str(e["SUMMARY"]).startswith("Rendez-vous avec ") for e in entries)
    assert all("Hôtel de Région" in str(e["LOCATION"]) for e in entries)
    uids = {str(e["UID"]) for e in entries}

    # Published again unchanged: nobody is mailed.
    mail.outbox().clear()
    assert scheduling.publish_schedule(session, forum["organiser"], event) == 0
    assert mail.outbox() == []

    # One meeting moved: only its two participants hear of it.
    target = own[0]
    busy = {
        (m.slot_id, p)
        for m in stored(session, event)
        if m.id != target.id
        for p in (m.request.sender_id, m.request.recipient_id)
    }
    taken = {(m.slot_id, m.table_id) for m in stored(session, event) if m.id != target.id}
    who = (target.request.sender_id, target.request.recipient_id)
    free = next(
        (s, t)
        for s in event.slots[1:]
        for t in event.tables
        if (s.id, t.id) not in taken
        and all((s.id, p) not in busy for p in who)
        and (s.id, t.id) != (target.slot_id, target.table_id)
    )
    scheduling.move_meeting(session, forum["organiser"], target, *free)
    mail.outbox().clear()
    assert scheduling.publish_schedule(session, forum["organiser"], event) == 2
    assert all("a changé" in m.subject for m in mail.outbox())
    again = Calendar.from_ical(
        next(m for m in mail.outbox() if m.recipients == [first_enterprise]).attachments[0].data
    )
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == uids  # the same calendar entries
    # ... each superseding the last (a calendar replaces an entry of a lower sequence).
    assert {e["SEQUENCE"] for e in entries} == {1}
    assert {e["SEQUENCE"] for e in again.walk("VEVENT")} == {3}
    assert again["METHOD"] == "PUBLISH"


# --- Pages ---------------------------------------------------------------------------------


def test_planning_page_and_buttons(client, session, forum, make_user):
    event = forum["event"]
    url = f"/evenements/{event.id}/planning"
    sign_in(client, forum["organiser"])
    page = client.get(url)
    assert page.status_code == 200 and "Calculer le planning" in page.get_data(as_text=True)
    assert session.scalar(select(ScheduleRun).where(ScheduleRun.event_id == event.id)) is None
    response = post_form(client, url + "/calculer", token_page=url)
    assert response.status_code == 302
    text = client.get(url).get_data(as_text=True)
    assert "5 rendez-vous placés sur 5 demandés" in text
    assert "prouvé optimal" in text and "Publier le planning" in text
    assert "Entreprise 1" in text
    response = post_form(client, url + "/publier", token_page=url)
    assert response.status_code == 302 and event.schedule_published_at is not None
    sign_in(client, forum["users"][0])
    assert client.get(url).status_code == 403


def test_agendas_ics_and_table_pages(client, session, forum):
    event = forum["event"]
    scheduling.compute_schedule(session, forum["organiser"], event, 2.0)
    first = forum["enterprises"][0]
    sign_in(client, forum["users"][0])
    agenda_url = f"/evenements/{event.id}/agenda"
    text = client.get(agenda_url).get_data(as_text=True)
    assert "pas encore publié" in text
    ics_url = f"/evenements/{event.id}/agenda/{first.id}.ics"
    assert client.get(ics_url).status_code == 404  # not out yet
    scheduling.publish_schedule(session, forum["organiser"], event)
    page = client.get(agenda_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "jeudi 18 mars 2027" in text and "\u00a0h\u00a0" in text
    download = client.get(ics_url)
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    assert len(Calendar.from_ical(download.data).walk("VEVENT")) == 2
    other = forum["enterprises"][1]
    assert client.get(f"/evenements/{event.id}/agenda/{other.id}.ics").status_code == 403
    table = event.tables[0]
    assert client.get(f"/evenements/{event.id}/tables/{table.id}").status_code == 403
    sign_in(client, forum["organiser"])
    sheet = client.get(f"/evenements/{event.id}/tables/{table.id}")
    assert sheet.status_code == 200 and "Table 1" in sheet.get_data(as_text=True)
    assert client.get(f"/evenements/{event.id}/agenda/{other.id}.ics").status_code == 200
