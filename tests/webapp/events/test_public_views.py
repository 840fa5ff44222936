"""The public pages of events: the list, an event's page with its programme and counts,
drafts hidden from the public, the call to action each visitor gets."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.factories import make_enterprise, sign_in
from tests.webapp.events.factories import buyer_participant, enterprise_participant, make_event
from webapp.models import Network


def _network(session):
    return session.scalar(select(Network).order_by(Network.id))


def test_the_list_shows_events_to_come_and_not_drafts_nor_past_ones(client, session):
    network = _network(session)
    make_event(session, network, title="Forum de Lille", registration_closes_on=date(2027, 3, 10))
    make_event(session, network, title="Brouillon secret", status="draft")
    make_event(
        session,
        network,
        title="Forum de 2020",
        starts_on=date(2020, 1, 9),
        ends_on=date(2020, 1, 9),
    )
    session.commit()

    page = client.get("/evenements/").get_data(as_text=True)
    # Each event is a level-2 heading under the page's title (the partial's own variable).
    assert re.search(
        r'<h2 class="h5 card-title"><a href="/evenements/\d+">Forum de Lille</a></h2>', page
    )
    assert "jeudi 18 mars 2027" in page
    assert "Lille (59)" in page
    assert "Inscriptions ouvertes jusqu’au mercredi 10 mars 2027" in page
    assert "Brouillon secret" not in page and "Forum de 2020" not in page

    past = client.get("/evenements/?passes=1").get_data(as_text=True)
    assert "Forum de 2020" in past and "Forum de Lille" not in past


def test_a_draft_is_404_to_the_public_and_shown_to_its_organisers(client, session, make_user):
    network = _network(session)
    draft = make_event(session, network, status="draft")
    organiser = make_user("facilitator", network=network)
    session.commit()
    assert client.get(f"/evenements/{draft.id}").status_code == 404
    sign_in(client, make_user("buyer"))
    assert client.get(f"/evenements/{draft.id}").status_code == 404
    sign_in(client, organiser)
    page = client.get(f"/evenements/{draft.id}")
    assert page.status_code == 200
    assert "Publier l’événement" in page.get_data(as_text=True)
    assert client.get("/evenements/99999").status_code == 404


def test_the_page_shows_the_programme_the_counts_and_the_description_safely(
    client, session, make_user
):
    network = _network(session)
    event = make_event(
        session,
        network,
        slots=4,
        tables=3,
        description="**Rendez-vous** <script>alert(1)</script>",
    )
    buyers = [make_user("buyer") for _ in range(3)]
    buyer_participant(session, event, buyers[0])
    buyer_participant(session, event, buyers[1])
    buyer_participant(session, event, buyers[2], status="pending")
    enterprise_participant(session, event, make_enterprise(session))
    session.commit()

    page = client.get(f"/evenements/{event.id}").get_data(as_text=True)
    assert "<strong>Rendez-vous</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "Rendez-vous de 20 minutes de 9\u00a0h\u00a000 à 10\u00a0h\u00a020" in page
    assert "4 créneaux" in page and "3 tables" in page
    assert "2 acheteurs inscrits" in page  # the pending one is not counted
    assert "1 entreprise inscrite" in page
    assert "Hôtel de Région" in page and "Lille (59)" in page
    assert "Se connecter pour s’inscrire" in page


def test_the_call_to_action_follows_the_visitor(client, session, make_user):
    network = _network(session)
    event = make_event(session, network)
    buyer = make_user("buyer")
    member = make_user("enterprise")
    session.commit()

    sign_in(client, buyer)
    page = client.get(f"/evenements/{event.id}").get_data(as_text=True)
    assert "M’inscrire comme acheteur" in page and "Inscrire mon entreprise" not in page

    sign_in(client, member)
    page = client.get(f"/evenements/{event.id}").get_data(as_text=True)
    assert "Inscrire mon entreprise" in page

    participant = buyer_participant(session, event, buyer, status="pending")
    session.commit()
    sign_in(client, buyer)
    page = client.get(f"/evenements/{event.id}").get_data(as_text=True)
    assert "M’inscrire comme acheteur" not in page
    assert f"/participation/{participant.id}" in page
