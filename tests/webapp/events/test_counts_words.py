"""Counts on the organisers' pages written as French does: singular for one, « aucun »
or « aucune » for none (the check-in counters, the participants' header, the dashboard)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_enterprise, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting_request,
)


@pytest.fixture
def day(session, make_user):
    """One accepted buyer (checked in) and no enterprise; one request, declined."""
    event = make_event(session)
    organiser = make_user("facilitator", network=event.network)
    buyer = buyer_participant(session, event, make_user("buyer"), checked_in_at=datetime.now(UTC))
    firm = enterprise_participant(
        session, event, make_enterprise(session, "73282932000074"), status="pending"
    )
    meeting_request(session, buyer, firm, status="declined")
    session.commit()
    return {"event": event, "organiser": organiser}


def _text(client, day, tail: str) -> str:
    sign_in(client, day["organiser"])
    page = client.get(f"/evenements/{day['event'].id}/{tail}")
    assert page.status_code == 200
    return " ".join(page.get_data(as_text=True).split())


def test_check_in_counters(client, day):
    text = _text(client, day, "accueil")
    assert "<strong>1</strong> présent" in text and "1</strong> présents" not in text
    assert "sur 1 inscrit accepté" in text


def test_participants_header(client, day):
    assert "Acceptés : 1 acheteur, aucune entreprise." in _text(client, day, "participants")


def test_dashboard_requests(client, day):
    text = _text(client, day, "tableau-de-bord")
    assert "Envoyées : 1 ; acceptées : aucune ; déclinées : 1 ;" in text
    assert "acceptées sur la seule demande qui a reçu une réponse" in text
    assert "Demandes nées d’une suggestion : aucune" in text
