"""Meeting requests (webapp/events/meetings.py): who may ask whom, answers, mutual
requests, caps, expiry, a closed event; the mails; the pages and their buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from webapp.events import meetings
from webapp.events.cli import events_group
from webapp.models import EventMeeting, EventMeetingRequest


@pytest.fixture
def day(session, make_user):
    """A published event: a buyer and two enterprises, accepted, each with their person."""
    event = make_event(session)
    buyer_user = make_user("buyer")
    first = make_enterprise(session, "73282932000074", name="Propreté Lilloise")
    second = make_enterprise(session, "41234567000019", name="Jardins du Nord")
    first_user = make_user("enterprise", enterprise=first)
    second_user = make_user("enterprise", enterprise=second)
    buyer = buyer_participant(session, event, buyer_user)
    one = enterprise_participant(session, event, first, user=first_user)
    two = enterprise_participant(session, event, second, user=second_user)
    session.commit()
    return {
        "event": event,
        "buyer": buyer,
        "one": one,
        "two": two,
        "buyer_user": buyer_user,
        "one_user": first_user,
        "two_user": second_user,
    }


def test_ask_creates_a_pending_request_that_expires_and_mails_the_recipient(session, day):
    before = datetime.now(UTC)
    made = meetings.ask(
        session, day["buyer_user"], day["buyer"], day["one"], "  Vos tarifs de nettoyage  "
    )
    assert made.status == "pending" and not made.mutual
    assert made.motivation == "Vos tarifs de nettoyage"
    expires = meetings.aware(made.expires_at)
    assert before + timedelta(days=7) <= expires <= datetime.now(UTC) + timedelta(days=7)
    sent = mail.outbox()
    assert len(sent) == 1 and sent[0].recipients == [day["one_user"].email]
    assert "Vos tarifs de nettoyage" in sent[0].body
    assert f"/evenements/{day['event'].id}/demandes/{made.id}" in sent[0].body


def test_answer_accepts_or_declines_and_mails_the_sender(session, day):
    first = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    second = meetings.ask(session, day["buyer_user"], day["buyer"], day["two"], None)
    mail.outbox().clear()
    meetings.answer(session, day["one_user"], first, True)
    meetings.answer(session, day["two_user"], second, False)
    assert (first.status, second.status) == ("accepted", "declined")
    assert first.answered_at is not None
    bodies = [m.body for m in mail.outbox()]
    assert all(m.recipients == [day["buyer_user"].email] for m in mail.outbox())
    assert any("a accepté" in b for b in bodies) and any("a décliné" in b for b in bodies)
    with pytest.raises(meetings.MeetingRefused):
        meetings.answer(session, day["one_user"], first, False)  # answered already


def test_asking_back_makes_both_accepted_and_mutual(session, day):
    first = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], "Bonjour")
    back = meetings.ask(session, day["one_user"], day["one"], day["buyer"], "Avec plaisir")
    assert first.status == back.status == "accepted"
    assert first.mutual and back.mutual
    assert meetings.accepted_count(session, day["buyer"]) == 1  # one meeting, not two


def test_automatic_mode_accepts_at_once(session, day):
    day["event"].request_mode = "automatic"
    session.commit()
    made = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    assert made.status == "accepted" and made.expires_at is None


def test_two_buyers_never_meet_and_only_accepted_participants_ask(session, day, make_user):
    other_buyer = buyer_participant(session, day["event"], make_user("buyer"))
    with pytest.raises(meetings.MeetingRefused, match="acheteur et une entreprise"):
        meetings.ask(session, day["buyer_user"], day["buyer"], other_buyer, None)
    day["two"].status = "pending"
    session.commit()
    with pytest.raises(meetings.MeetingRefused, match="participant accepté"):
        meetings.ask(session, day["buyer_user"], day["buyer"], day["two"], None)
    # Two enterprises may meet (to form a group).
    made = meetings.ask(session, day["one_user"], day["one"], day["buyer"], None)
    assert made.status == "pending"


def test_caps_stop_asking_and_accepting(session, day):
    day["one"].cap = 1
    session.commit()
    meeting_request(session, day["buyer"], day["one"], status="accepted")
    session.commit()
    with pytest.raises(meetings.MeetingRefused, match="plafond de 1 rendez-vous"):
        meetings.ask(session, day["one_user"], day["one"], day["two"], None)
    # The cap also holds when the one at cap is asked and accepts.
    pending = meeting_request(session, day["two"], day["one"], status="pending")
    session.commit()
    with pytest.raises(meetings.MeetingRefused, match="plafond"):
        meetings.answer(session, day["one_user"], pending, True)
    assert pending.status == "pending"


def test_a_mutual_pair_counts_once_against_the_cap(session, day):
    day["buyer"].cap = 2
    session.commit()
    meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    meetings.ask(session, day["one_user"], day["one"], day["buyer"], None)  # mutual: 1 meeting
    made = meetings.ask(session, day["buyer_user"], day["buyer"], day["two"], None)
    assert made.status == "pending"  # 1 < 2: still allowed


def test_one_acts_only_for_oneself(session, day):
    with pytest.raises(meetings.NotActingFor):
        meetings.ask(session, day["two_user"], day["one"], day["buyer"], None)
    made = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    with pytest.raises(meetings.NotActingFor):
        meetings.answer(session, day["buyer_user"], made, True)  # the sender cannot answer


def test_no_request_in_a_closed_or_draft_event(session, day):
    day["event"].status = "closed"
    session.commit()
    with pytest.raises(meetings.MeetingRefused, match="clos"):
        meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    day["event"].status = "draft"
    session.commit()
    with pytest.raises(meetings.MeetingRefused, match="pas encore publié"):
        meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)


def test_asking_twice_is_refused_but_after_a_cancel_it_is_allowed(session, day):
    made = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    with pytest.raises(meetings.MeetingRefused, match="déjà demandé"):
        meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    meetings.cancel(session, day["buyer_user"], made)
    assert made.status == "cancelled"
    again = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], "Encore")
    assert again.id == made.id and again.status == "pending"


def test_cancelling_an_accepted_meeting_removes_it_and_mails_the_other(session, day):
    made = meeting_request(session, day["buyer"], day["one"], status="accepted")
    meeting(session, made, day["event"].slots[0], day["event"].tables[0])
    session.commit()
    meetings.cancel(session, day["one_user"], made)  # the recipient calls it off
    assert made.status == "cancelled"
    assert session.scalar(select(EventMeeting).where(EventMeeting.request_id == made.id)) is None
    assert [m.recipients for m in mail.outbox()] == [[day["buyer_user"].email]]


def test_expire_only_pending_requests_past_their_date(session, day):
    old = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    fresh = meetings.ask(session, day["buyer_user"], day["buyer"], day["two"], None)
    old.expires_at = datetime.now(UTC) - timedelta(hours=1)
    session.commit()
    assert meetings.expire(session) == 1
    assert (old.status, fresh.status) == ("expired", "pending")
    with pytest.raises(meetings.MeetingRefused, match="déjà reçu une réponse"):
        meetings.answer(session, day["one_user"], old, True)  # expired: no longer pending
    fresh.expires_at = datetime.now(UTC) - timedelta(minutes=1)  # past, not yet expired
    session.commit()
    with pytest.raises(meetings.MeetingRefused, match="expiré"):
        meetings.answer(session, day["two_user"], fresh, True)
    fresh.expires_at = datetime.now(UTC) + timedelta(days=7)
    session.commit()
    later = datetime.now(UTC) + timedelta(days=8)
    assert meetings.expire(session, now=later) == 1 and fresh.status == "expired"


def test_expire_command(runner, session, day):
    made = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], None)
    made.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()
    result = runner.invoke(events_group, ["expire"])
    assert result.exit_code == 0, result.output
    assert "1 meeting request(s) expired" in result.output
    assert made.status == "expired"


# --- Pages ---------------------------------------------------------------------------------


def test_meetings_page_lists_requests_and_others(client, session, day):
    meetings.ask(session, day["one_user"], day["one"], day["buyer"], "Nos services")
    sign_in(client, day["buyer_user"])
    page = client.get(f"/evenements/{day['event'].id}/rendez-vous")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Propreté Lilloise" in text and "Nos services" in text
    assert "Jardins du Nord" in text and "Demander un rendez-vous" in text
    filtered = client.get(f"/evenements/{day['event'].id}/rendez-vous?kind=buyer&q=zz")
    assert "Aucun participant ne correspond" in filtered.get_data(as_text=True)


def test_ask_view_posts_a_request_and_refusals_are_400(client, session, day):
    sign_in(client, day["buyer_user"])
    page = f"/evenements/{day['event'].id}/rendez-vous"
    url = f"/evenements/{day['event'].id}/rendez-vous/demander"
    response = post_form(
        client, url, {"recipient": day["one"].id, "motivation": "Bonjour"}, token_page=page
    )
    assert response.status_code == 302
    row = session.scalar(
        select(EventMeetingRequest).where(EventMeetingRequest.recipient_id == day["one"].id)
    )
    assert row is not None and row.motivation == "Bonjour"
    again = post_form(client, url, {"recipient": day["one"].id}, token_page=page)
    assert again.status_code == 400 and "déjà demandé" in again.get_data(as_text=True)
    too_long = post_form(
        client, url, {"recipient": day["two"].id, "motivation": "x" * 1001}, token_page=page
    )
    assert too_long.status_code == 400
    unknown = post_form(client, url, {"recipient": 999999}, token_page=page)
    assert unknown.status_code == 400
    no_csrf = client.post(url, data={"recipient": day["two"].id})
    assert no_csrf.status_code == 400


def test_answer_page_from_the_mail_and_its_buttons(client, session, day):
    made = meetings.ask(session, day["buyer_user"], day["buyer"], day["one"], "Parlons-en")
    url = f"/evenements/{day['event'].id}/demandes/{made.id}"
    sign_in(client, day["two_user"])
    assert client.get(url).status_code == 403  # not the recipient
    sign_in(client, day["one_user"])
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Accepter" in text and "Refuser" in text and "Parlons-en" in text
    assert made.status == "pending"  # the GET wrote nothing
    response = post_form(client, url + "/reponse", {"decision": "accept"}, token_page=url)
    assert response.status_code == 302
    session.refresh(made)
    assert made.status == "accepted"


def test_a_person_not_registered_sees_a_message(client, session, day, make_user):
    sign_in(client, make_user("buyer"))
    page = client.get(f"/evenements/{day['event'].id}/rendez-vous")
    assert page.status_code == 200
    assert "pas inscrit" in page.get_data(as_text=True)


def test_a_request_past_its_date_reads_as_expired_before_the_sweep(client, session, day):
    """``flask events expire`` has not run yet: no buttons, no « expire le » in the past."""
    late = meeting_request(
        session,
        day["buyer"],
        day["one"],
        status="pending",
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )
    soon = meeting_request(
        session,
        day["two"],
        day["one"],
        status="pending",
        expires_at=datetime(2099, 3, 18, 8, 0, tzinfo=UTC),  # 9 h 00 in Paris that day
    )
    session.commit()
    sign_in(client, day["one_user"])
    page = client.get(f"/evenements/{day['event'].id}/rendez-vous").get_data(as_text=True)
    rows = page.split('<li class="list-group-item">')
    late_row = next(r for r in rows if day["buyer"].display_name in r and "expir" in r)
    assert "expirée" in late_row and "a expiré le" in late_row
    assert "Accepter" not in late_row and "Refuser" not in late_row
    soon_row = next(r for r in rows if "Jardins du Nord" in r and "expire le" in r)
    assert "Accepter" in soon_row
    # The expiry in the event's zone and in French words, not UTC.
    assert "expire le 18 mars 2099 à 9\u00a0h\u00a000." in soon_row
    answer = client.get(f"/evenements/{day['event'].id}/demandes/{late.id}")
    assert "Accepter" not in answer.get_data(as_text=True)
    assert soon.status == late.status == "pending"  # a GET writes nothing


@pytest.mark.parametrize(
    ("accepted", "said"),
    [
        (0, "Aucun rendez-vous accepté pour l'instant (6 au plus)."),
        (1, "1 rendez-vous accepté sur 6 au plus."),
        (2, "2 rendez-vous acceptés sur 6 au plus."),
    ],
)
def test_the_count_of_accepted_meetings_is_french(client, session, day, make_user, accepted, said):
    others = [day["buyer"], buyer_participant(session, day["event"], make_user("buyer"))]
    for buyer in others[:accepted]:
        meeting_request(session, buyer, day["one"])
    session.commit()
    sign_in(client, day["one_user"])
    page = client.get(f"/evenements/{day['event'].id}/rendez-vous").get_data(as_text=True)
    assert said in page
