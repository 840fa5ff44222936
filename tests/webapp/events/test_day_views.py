"""The day's pages: the check-in list (organisers only, searchable, a POST per button with
CSRF) and the feedback page (the current person's meetings, after the event has begun)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import csrf_token, make_enterprise, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.events.day_forms import NEXT_STEP_LABELS
from webapp.models import EventFeedback, Network
from webapp.models.events import NEXT_STEPS

PAST = date(2026, 3, 19)  # before the tests' clock: the event has begun


@pytest.fixture
def forum(session, make_user):
    event = make_event(session, starts_on=PAST, ends_on=PAST)
    facilitator = make_user("facilitator", network=event.network)
    buyer_user = make_user("buyer")
    alpha = make_enterprise(session, "73282932000074", name="Alpha Insertion")
    beta = make_enterprise(session, "38012986600025", name="Beta Services")
    member = make_user("enterprise", enterprise=alpha)
    buyer = buyer_participant(session, event, buyer_user)
    one = enterprise_participant(session, event, alpha, user=member)
    two = enterprise_participant(session, event, beta)
    pending = enterprise_participant(
        session, event, make_enterprise(session, "44306184100047", name="Gamma"), status="pending"
    )
    had = meeting(session, meeting_request(session, buyer, one), event.slots[0], event.tables[0])
    other = meeting(session, meeting_request(session, buyer, two), event.slots[1], event.tables[0])
    session.commit()
    return locals()


def _check_in_url(forum):
    return f"/evenements/{forum['event'].id}/accueil"


def test_the_check_in_list_shows_accepted_participants_and_counts(client, forum):
    sign_in(client, forum["facilitator"])
    answer = client.get(_check_in_url(forum))
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Alpha Insertion" in page and "Beta Services" in page
    assert "Gamma" not in page  # pending
    assert "sur 3 inscrits acceptés" in page
    assert 'name="viewport"' in page  # the base page scales on a phone
    searched = client.get(_check_in_url(forum), query_string={"q": "alpha"}).get_data(as_text=True)
    assert "Alpha Insertion" in searched and "Beta Services" not in searched


def test_buttons_post_with_csrf_and_come_back_to_the_search(client, session, forum):
    sign_in(client, forum["facilitator"])
    url = f"{_check_in_url(forum)}/{forum['one'].id}"
    token = csrf_token(client, _check_in_url(forum))
    answer = client.post(url, data={"csrf_token": token, "presence": "present", "q": "alp"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"?q=alp#participant-{forum['one'].id}")
    session.refresh(forum["one"])
    assert forum["one"].checked_in_at is not None
    page = client.get(_check_in_url(forum)).get_data(as_text=True)
    assert "<strong>1</strong> présent<" in page and "sur 3 inscrits acceptés" in page
    client.post(url, data={"csrf_token": token, "presence": "absent"})
    session.refresh(forum["one"])
    assert forum["one"].no_show and forum["one"].checked_in_at is None


def test_a_post_without_csrf_or_with_a_bad_button_is_a_400(client, session, forum):
    sign_in(client, forum["facilitator"])
    url = f"{_check_in_url(forum)}/{forum['one'].id}"
    assert client.post(url, data={"presence": "present"}).status_code == 400
    token = csrf_token(client, _check_in_url(forum))
    assert client.post(url, data={"csrf_token": token, "presence": "x"}).status_code == 400
    session.refresh(forum["one"])
    assert forum["one"].checked_in_at is None


def test_a_pending_or_foreign_participant_is_refused(client, session, forum):
    sign_in(client, forum["facilitator"])
    token = csrf_token(client, _check_in_url(forum))
    pending = f"{_check_in_url(forum)}/{forum['pending'].id}"
    assert (
        client.post(pending, data={"csrf_token": token, "presence": "present"}).status_code == 400
    )
    elsewhere = make_event(session, forum["event"].network)
    stranger = enterprise_participant(
        session, elsewhere, make_enterprise(session, "51234567800012")
    )
    session.commit()
    url = f"{_check_in_url(forum)}/{stranger.id}"
    assert client.post(url, data={"csrf_token": token, "presence": "present"}).status_code == 404


def test_only_organisers_reach_the_check_in(client, session, forum, make_user):
    other = session.scalars(select(Network).where(Network.id != forum["event"].network_id)).first()
    sign_in(client, make_user("facilitator", network=other))
    assert client.get(_check_in_url(forum)).status_code == 403
    sign_in(client, forum["member"])
    assert client.get(_check_in_url(forum)).status_code == 403


# --- Feedback ------------------------------------------------------------------------------


def _feedback_url(forum):
    return f"/evenements/{forum['event'].id}/avis"


def test_the_feedback_page_has_a_block_per_own_meeting_and_one_for_the_event(client, forum):
    sign_in(client, forum["member"])
    answer = client.get(_feedback_url(forum))
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Rendez-vous avec " + forum["buyer"].display_name in page
    assert f'name="useful_{forum["had"].id}"' in page
    assert f'name="useful_{forum["other"].id}"' not in page  # the buyer's with Beta
    assert 'name="useful_event"' in page and "L’événement dans son ensemble" in page
    assert "Une candidature commune" in page


def test_feedback_is_saved_then_updated(client, session, forum):
    sign_in(client, forum["member"])
    had = forum["had"].id
    data = {
        "csrf_token": csrf_token(client, _feedback_url(forum)),
        f"useful_{had}": "yes",
        f"next_step_{had}": "joint_bid",
        f"comment_{had}": "Nous répondrons ensemble au lot 2.",
        "useful_event": "no",
    }
    assert client.post(_feedback_url(forum), data=data).status_code == 302
    rows = {
        r.meeting_id: r
        for r in session.scalars(
            select(EventFeedback).where(EventFeedback.participant_id == forum["one"].id)
        )
    }
    assert (rows[had].useful, rows[had].next_step) == (True, "joint_bid")
    assert rows[None].useful is False and rows[None].next_step == "none"
    page = client.get(_feedback_url(forum)).get_data(as_text=True)
    assert "Nous répondrons ensemble au lot 2." in page  # shown again to be edited
    data[f"next_step_{had}"] = "quote"
    client.post(_feedback_url(forum), data=data)
    session.expire_all()
    rows = session.scalars(
        select(EventFeedback).where(EventFeedback.participant_id == forum["one"].id)
    ).all()
    assert len(rows) == 2
    assert {r.meeting_id: r.next_step for r in rows}[had] == "quote"


def test_bad_feedback_is_a_400(client, session, forum):
    sign_in(client, forum["member"])
    had = forum["had"].id
    token = csrf_token(client, _feedback_url(forum))
    for data in (
        {f"useful_{had}": "yes"},  # no CSRF token
        {"csrf_token": token, f"next_step_{had}": "lunch"},
        {"csrf_token": token, "comment_event": "x" * 2001},
    ):
        assert client.post(_feedback_url(forum), data=data).status_code == 400
    assert session.scalars(select(EventFeedback)).first() is None


def test_feedback_waits_for_the_event(client, session, forum):
    future = make_event(session, forum["event"].network)  # 18 March 2027
    enterprise_participant(session, future, forum["alpha"], user=forum["member"])
    session.commit()
    sign_in(client, forum["member"])
    url = f"/evenements/{future.id}/avis"
    page = client.get(url).get_data(as_text=True)
    assert "jeudi 18 mars 2027, 9\u00a0h\u00a000" in page and 'name="useful_event"' not in page
    token = csrf_token(client, _feedback_url(forum))
    assert client.post(url, data={"csrf_token": token, "useful_event": "yes"}).status_code == 400


def test_feedback_is_for_registered_people(client, session, forum, make_user):
    sign_in(client, make_user("enterprise", enterprise=make_enterprise(session, "51234567800012")))
    assert client.get(_feedback_url(forum)).status_code == 403


def test_every_next_step_has_a_label():
    assert set(NEXT_STEP_LABELS) == set(NEXT_STEPS)


def test_a_participant_without_meeting_reads_why_before_the_event_s_block(
    client, session, forum, make_user
):
    gamma = make_enterprise(session, "51234567800012", name="Delta Bois")
    member = make_user("enterprise", enterprise=gamma)
    enterprise_participant(session, forum["event"], gamma, user=member)
    session.commit()
    sign_in(client, member)
    page = client.get(_feedback_url(forum)).get_data(as_text=True)
    said = page.find("Vous n’avez eu aucun rendez-vous à cet événement")
    assert 0 < said < page.find('name="useful_event"')
    assert "Rendez-vous avec" not in page
    sign_in(client, forum["member"])  # who had a meeting does not read it
    assert "aucun rendez-vous à cet événement" not in client.get(_feedback_url(forum)).get_data(
        as_text=True
    )
