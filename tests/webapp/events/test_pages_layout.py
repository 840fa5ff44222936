"""The events' pages as people read them, what can be checked without a browser: tables that
scroll inside their own box on a phone (never the page), times that do not break inside
("9 h 00" with no-break spaces), the day said once (a one-day event's rows give times only,
a longer one's rows are grouped under a header per day), the agenda's place with its commune,
the event page's call to action (no feedback before the event, no repeated link for its
organisers)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.factories import make_enterprise, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.events.views_public import event_time, time_range
from webapp.models import EventSlot

NBSP = "\u00a0"


def tables_outside_a_scroll_box(page: str) -> int:
    """How many tables are not the first child of a ``.table-responsive`` box."""
    tables = len(re.findall(r"<table\b", page))
    boxed = len(re.findall(r'<div class="table-responsive">\s*<table\b', page))
    return tables - boxed


def row_headers(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', page, re.S)
    ]


def day_headers(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<th scope="rowgroup"[^>]*>(.*?)</th>', page, re.S)
    ]


@pytest.fixture
def forum(session, make_user):
    """A one-day event (18 March 2027, 3 slots) with a buyer and an enterprise who meet in
    the second slot at the first table; the schedule is published."""
    event = make_event(session, slots=3, tables=2, schedule_published_at=datetime.now(UTC))
    buyer_user = make_user("buyer")
    buyer = buyer_participant(session, event, buyer_user)
    enterprise = enterprise_participant(
        session, event, make_enterprise(session, "73282932000074", name="Alpha Insertion")
    )
    met = meeting(
        session, meeting_request(session, buyer, enterprise), event.slots[1], event.tables[0]
    )
    organiser = make_user("facilitator", network=event.network)
    session.commit()
    return {"event": event, "buyer": buyer_user, "organiser": organiser, "met": met}


def test_times_keep_their_spaces_together(app):
    with app.test_request_context():
        assert event_time(time(9, 0)) == f"9{NBSP}h{NBSP}00"
        # One place to break: after the dash, between the two times.
        shown = time_range(time(9, 0), time(9, 20))
        assert shown == f"9{NBSP}h{NBSP}00{NBSP}– 9{NBSP}h{NBSP}20"
        assert shown.count(" ") == 1


def test_the_agenda_scrolls_in_its_box_gives_times_only_and_the_commune(client, forum):
    sign_in(client, forum["buyer"])
    page = client.get(f"/evenements/{forum['event'].id}/agenda").get_data(as_text=True)
    assert "Alpha Insertion" in page
    assert tables_outside_a_scroll_box(page) == 0
    # One day: the lead says it, the row says the times only.
    assert row_headers(page) == [f"9{NBSP}h{NBSP}20{NBSP}– 9{NBSP}h{NBSP}40"]
    assert day_headers(page) == []
    lead = re.search(r'<p class="lead">(.*?)</p>', page, re.S)[1]
    assert "jeudi 18 mars 2027" in lead
    # The address ends with the commune's name: said once, with its département.
    assert lead.endswith("Hôtel de Région, 151 avenue du Président Hoover, Lille (59)")


def test_the_planning_and_a_table_sheet_give_times_only_for_one_day(client, forum):
    sign_in(client, forum["organiser"])
    event = forum["event"]
    planning = client.get(f"/evenements/{event.id}/planning").get_data(as_text=True)
    assert tables_outside_a_scroll_box(planning) == 0
    assert row_headers(planning) == [
        f"9{NBSP}h{NBSP}00{NBSP}– 9{NBSP}h{NBSP}20",
        f"9{NBSP}h{NBSP}20{NBSP}– 9{NBSP}h{NBSP}40",
        f"9{NBSP}h{NBSP}40{NBSP}– 10{NBSP}h{NBSP}00",
    ]
    sheet = client.get(f"/evenements/{event.id}/tables/{event.tables[0].id}")
    text = sheet.get_data(as_text=True)
    assert tables_outside_a_scroll_box(text) == 0
    assert len(row_headers(text)) == 3 and "jeudi" not in "".join(row_headers(text))


def test_an_event_of_two_days_groups_its_rows_under_each_day(client, session, forum):
    event = forum["event"]
    event.ends_on = date(2027, 3, 19)
    start = datetime(2027, 3, 19, 14, 0)
    session.add(EventSlot(event=event, starts_at=start, ends_at=start + timedelta(minutes=20)))
    session.commit()
    sign_in(client, forum["organiser"])
    page = client.get(f"/evenements/{event.id}/planning").get_data(as_text=True)
    assert day_headers(page) == ["jeudi 18 mars 2027", "vendredi 19 mars 2027"]
    assert row_headers(page)[-1] == f"14{NBSP}h{NBSP}00{NBSP}– 14{NBSP}h{NBSP}20"
    assert "Du jeudi 18 mars 2027 au vendredi 19 mars 2027" in page


def test_organiser_pages_keep_their_tables_in_a_scroll_box(client, forum):
    sign_in(client, forum["organiser"])
    event = forum["event"]
    for path in (
        f"/evenements/{event.id}/tableau-de-bord",
        f"/evenements/{event.id}/participants",
        f"/evenements/reseau/{event.network.slug}",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<table" in page, path
        assert tables_outside_a_scroll_box(page) == 0, path


def test_the_event_page_offers_feedback_only_once_the_event_has_begun(
    client, session, forum, make_user
):
    sign_in(client, forum["buyer"])
    url = f"/evenements/{forum['event'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "Mes rendez-vous" in page and "Mon agenda" in page
    assert "Donner mon avis" not in page and "/avis" not in page
    # The call to action comes before the description in the page (near the top on a phone).
    assert page.index('id="participer"') < page.index('id="presentation"')

    past = make_event(
        session, forum["event"].network, starts_on=date(2024, 3, 18), ends_on=date(2024, 3, 18)
    )
    buyer_participant(session, past, forum["buyer"])
    session.commit()
    page = client.get(f"/evenements/{past.id}").get_data(as_text=True)
    assert "Donner mon avis" in page and f"/evenements/{past.id}/avis" in page


def test_the_event_page_gives_its_organisers_no_repeated_participate_box(client, forum):
    sign_in(client, forum["organiser"])
    page = client.get(f"/evenements/{forum['event'].id}").get_data(as_text=True)
    assert "Espace organisateur" in page
    assert 'id="participer"' not in page
    assert page.count(f'href="/evenements/{forum["event"].id}/participants"') == 1


def test_the_network_page_and_the_dashboard_say_their_counts_in_words(client, forum):
    sign_in(client, forum["organiser"])
    event = forum["event"]
    listing = client.get(f"/evenements/reseau/{event.network.slug}").get_data(as_text=True)
    assert "2 acceptées sur 2" in listing
    board = client.get(f"/evenements/{event.id}/tableau-de-bord").get_data(as_text=True)
    # Registrations (feminine): « aucune », never « 0 » nor « aucun ».
    row = re.search(r'<th scope="row">Acheteurs</th>(.*?)</tr>', board, re.S)[1]
    assert re.findall(r"<td>(.*?)</td>", row) == ["1", "aucune", "aucune", "aucune"]
