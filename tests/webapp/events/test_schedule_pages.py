"""The planning and agenda pages as the organisers read them: recorded moments in the
event's zone, counts in French (plurals, « aucun »), the idle slots' claim kept to what the
solver proves, the one move form, and query-string ids no column can hold."""

from __future__ import annotations

from datetime import UTC, datetime

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
from webapp.events import scheduling
from webapp.events.views_schedule import placed_words
from webapp.models import ScheduleRun

EIGHT_UTC = datetime(2027, 3, 18, 8, 0, tzinfo=UTC)  # 9 h 00 in Paris (winter time)


@pytest.fixture
def day(session, make_user):
    """3 slots × 2 tables; a buyer and two enterprises; one accepted pair, met in the first
    slot at the first table."""
    event = make_event(session, slots=3, tables=2)
    organiser = make_user("facilitator", network=event.network)
    buyer = buyer_participant(session, event, make_user("buyer"))
    first = enterprise_participant(
        session, event, make_enterprise(session, "73282932000074", name="Alpha Insertion")
    )
    second = enterprise_participant(
        session, event, make_enterprise(session, "41234567000019", name="Beta Services")
    )
    asked = meeting_request(session, buyer, first)
    met = meeting(session, asked, event.slots[0], event.tables[0])
    session.commit()
    return {
        "event": event,
        "organiser": organiser,
        "buyer": buyer,
        "first": first,
        "second": second,
        "met": met,
    }


def _run(session, event, **fields) -> ScheduleRun:
    values = {"requested": 1, "placed": 1, "optimal": True, "idle_gap": 0.0}
    row = ScheduleRun(event=event, created_at=EIGHT_UTC, **(values | fields))
    session.add(row)
    session.commit()
    return row


def _planning(client, day) -> str:
    sign_in(client, day["organiser"])
    page = client.get(f"/evenements/{day['event'].id}/planning")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_recorded_moments_are_shown_on_the_paris_clock(client, session, day):
    _run(session, day["event"])
    day["event"].schedule_published_at = EIGHT_UTC
    session.commit()
    text = _planning(client, day)
    assert "Planning publié le 18 mars 2027 à 9\u00a0h\u00a000." in text
    assert "le 18 mars 2027 à 9\u00a0h\u00a000." in text.split("Calculé en", 1)[1]
    assert "08:00" not in text and " TU" not in text and "UTC" not in text


@pytest.mark.parametrize(
    ("placed", "requested", "said"),
    [
        (0, 0, "Aucun rendez-vous demandé : rien à placer."),
        (0, 1, "Aucun rendez-vous placé sur 1 demandé."),
        (0, 3, "Aucun rendez-vous placé sur 3 demandés."),
        (1, 1, "1 rendez-vous placé sur 1 demandé."),
        (5, 5, "5 rendez-vous placés sur 5 demandés."),
        (1, 4, "1 rendez-vous placé sur 4 demandés."),
        (3, 4, "3 rendez-vous placés sur 4 demandés."),
    ],
)
def test_placed_words(app, placed, requested, said):
    with app.test_request_context():
        assert placed_words(placed, requested) == said


def test_the_planning_s_counts_are_french(client, session, day):
    _run(session, day["event"], mutual_placed=1, intention_placed=1, moves=1, idle_slots=1)
    text = _planning(client, day)
    for said in (
        "1 demande acceptée (une paire) à placer.",
        "1 rendez-vous placé sur 1 demandé.",
        "1 demande réciproque placée.",
        "1 rendez-vous lié à un projet d'achat.",
        "1 rendez-vous déplacé par rapport au planning précédent.",
        "1 créneau creux entre le premier",
    ):
        assert said in text, said
    for wrong in ("1 demandes", "1 rendez-vous placés", "1 rendez-vous déplacés"):
        assert wrong not in text, wrong


def test_the_idle_slots_are_said_minimal_for_the_meetings_kept_only(client, session, day):
    run = _run(session, day["event"], idle_gap=0.0)
    text = _planning(client, day)
    assert "minimal pour les rendez-vous retenus" in text
    assert "prouvé minimal" not in text and "optimum" not in text
    run.idle_gap = 0.05
    session.commit()
    text = _planning(client, day)
    assert "écart au minimum pour ces rendez-vous : 5 % au plus" in text.replace("\xa0", " ")
    run.idle_gap = None
    session.commit()
    assert "écart au minimum pour ces rendez-vous inconnu" in _planning(client, day)


def test_the_compute_and_publish_flashes_are_french(client, session, day, monkeypatch):
    url = f"/evenements/{day['event'].id}/planning"
    sign_in(client, day["organiser"])
    token = csrf_token(client, url)
    client.post(url + "/calculer", data={"csrf_token": token})
    text = client.get(url).get_data(as_text=True)
    assert "Planning calculé : 1 rendez-vous placé sur 1 demandé." in text
    monkeypatch.setattr(scheduling, "publish_schedule", lambda *args: 1)
    client.post(url + "/publier", data={"csrf_token": token})
    text = client.get(url).get_data(as_text=True)
    assert "Planning publié ; 1 participant prévenu par courriel." in text


def test_one_move_form_for_the_whole_planning(client, session, day):
    event, met = day["event"], day["met"]
    second = meeting(
        session,
        meeting_request(session, day["buyer"], day["second"]),
        event.slots[1],
        event.tables[0],
    )
    session.commit()
    text = _planning(client, day)
    action = f'action="/evenements/{event.id}/planning/deplacer"'
    assert text.count(action) == 1 and text.count('name="meeting"') == 1
    assert text.count('name="slot"') == 1 and text.count('name="table"') == 1
    assert f'value="{met.id}"' in text and f'value="{second.id}"' in text
    url = f"/evenements/{event.id}/planning"
    token = csrf_token(client, url)
    target = {"slot": event.slots[2].id, "table": event.tables[1].id}
    response = client.post(
        url + "/deplacer", data={"csrf_token": token, "meeting": second.id, **target}
    )
    assert response.status_code == 302
    session.refresh(second)
    assert (second.slot_id, second.table_id, second.locked) == (
        target["slot"],
        target["table"],
        True,
    )
    assert "Rendez-vous déplacé et verrouillé." in client.get(url).get_data(as_text=True)
    # A meeting of another event, or an id no column holds: said, nothing moved.
    other = make_event(session, day["event"].network)
    session.commit()
    for wrong in (str(2**63), "abc", "0"):
        response = client.post(
            url + "/deplacer", data={"csrf_token": token, "meeting": wrong, **target}
        )
        assert response.status_code == 302
        assert "Choisissez un rendez-vous" in client.get(url).get_data(as_text=True)
    assert other.id != event.id
    session.refresh(met)
    assert (met.slot_id, met.table_id) == (event.slots[0].id, event.tables[0].id)
    # The route of one meeting still works as it did.
    response = client.post(
        url + f"/rendez-vous/{met.id}/deplacer",
        data={
            "csrf_token": token,
            f"m{met.id}-slot": event.slots[1].id,
            f"m{met.id}-table": event.tables[1].id,
        },
    )
    assert response.status_code == 302
    session.refresh(met)
    assert (met.slot_id, met.table_id, met.locked) == (event.slots[1].id, event.tables[1].id, True)


def test_a_meeting_of_another_event_is_not_moved(client, session, day, make_user):
    elsewhere = make_event(session, day["event"].network, slots=3, tables=2)
    buyer = buyer_participant(session, elsewhere, make_user("buyer"))
    firm = enterprise_participant(
        session, elsewhere, make_enterprise(session, "51234567900017", name="Gamma")
    )
    foreign = meeting(
        session, meeting_request(session, buyer, firm), elsewhere.slots[0], elsewhere.tables[0]
    )
    session.commit()
    url = f"/evenements/{day['event'].id}/planning"
    sign_in(client, day["organiser"])
    data = {
        "csrf_token": csrf_token(client, url),
        "meeting": foreign.id,
        "slot": day["event"].slots[2].id,
        "table": day["event"].tables[1].id,
    }
    assert client.post(url + "/deplacer", data=data).status_code == 302
    session.refresh(foreign)
    assert (foreign.slot_id, foreign.locked) == (elsewhere.slots[0].id, False)


@pytest.mark.parametrize("wanted", [str(2**63), "99999999999999999999999", "0", "-3", "x"])
def test_an_agenda_asked_for_an_impossible_participant_is_the_organiser_s_page(
    client, session, day, wanted
):
    sign_in(client, day["organiser"])
    page = client.get(f"/evenements/{day['event'].id}/agenda?participant={wanted}")
    assert page.status_code == 200
    assert "Agenda d’un participant" in page.get_data(as_text=True)


def test_an_agenda_asked_for_a_participant_shows_theirs(client, session, day):
    sign_in(client, day["organiser"])
    first = day["first"]
    text = client.get(f"/evenements/{day['event'].id}/agenda?participant={first.id}").get_data(
        as_text=True
    )
    assert f'id="agenda-{first.id}"' in text and "Rendez-vous de Alpha Insertion" in text
    assert session.scalar(select(ScheduleRun)) is None  # a GET computes nothing
