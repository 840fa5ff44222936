"""GET requests never write: the pages and the API that show the matcher's verdicts
compute a stale result afresh without storing it, and an e-mail confirmation link shows
a button instead of confirming. Every statement that would write (INSERT, UPDATE,
DELETE, COPY) and every session commit is counted while the GETs run."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from tests.factories import (
    CLEANING,
    GREEN,
    LINEN,
    SIRETS,
    claim_sector,
    intention,
    make_enterprise,
    organisation_of,
    sign_in,
    supplier,
)
from tests.recording import writes_seen
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from tests.webapp.matching.factories import intention_row, supplier_row, touch
from tests.webapp.self_service.factories import furnished_enterprise
from webapp.intentions import services
from webapp.matching import staleness, store
from webapp.models import Claim
from webapp.security import email_token


def test_reading_a_stale_intention_writes_nothing_and_shows_the_same(client, session, make_user):
    buyer = make_user("buyer")
    supplier(session, SIRETS[0], CLEANING)
    supplier(session, SIRETS[1], GREEN)
    # Written without the service: no stored result, as after any enterprise's change.
    row = intention(session, organisation_of(buyer), sectors=[CLEANING, GREEN])
    session.commit()
    sign_in(client, buyer)
    with writes_seen() as seen:
        api = client.get(f"/api/v1/intentions/{row.id}/matches")
        page = client.get(f"/intentions/{row.id}")
        report = client.get(f"/intentions/{row.id}/rapport")
        client.get("/langue/en")
        english = client.get(f"/intentions/{row.id}")
    assert [r.status_code for r in (api, page, report, english)] == [200] * 4
    assert seen == []
    assert api.get_json()["groups"]

    # Stored by a write (here a publication): readers see exactly what they saw.
    services.change_status(session, row, "published")
    assert client.get(f"/api/v1/intentions/{row.id}/matches").get_json() == api.get_json()


def test_following_a_confirmation_link_writes_nothing(client, session, make_user):
    user = make_user("user")
    user.email_confirmed_at = None
    session.commit()
    link = f"/compte/confirmer/{email_token(user)}"
    with writes_seen() as seen:
        assert client.get(link).status_code == 200
    assert seen == []
    assert user.email_confirmed_at is None


# --- The enterprise dashboard --------------------------------------------------------------


def _opportunities_section(response) -> str:
    """The dashboard's table of intentions the enterprise can answer."""
    html = response.get_data(as_text=True)
    return re.search(r'<section aria-labelledby="opportunites".*?</section>', html, re.S).group(0)


def test_a_dashboard_whose_matches_are_stale_writes_nothing_and_shows_them_current(
    client, session, make_user
):
    cleaner = supplier_row(session, 1, kind="EA", sectors=(CLEANING,))
    supplier_row(session, 2, kind="ESAT", sectors=(GREEN,))
    member = make_user("enterprise", enterprise=cleaner)
    intention_row(session, title="Nettoyage des écoles")
    intention_row(session, title="Ménage et jardins", sectors=(CLEANING, GREEN))
    intention_row(session, title="Pressing des uniformes", sectors=(LINEN,))
    session.commit()
    store.run_all(session)
    session.commit()
    # The enterprise now does linen too: every stored result is stale, and the old
    # dashboard re-matched and stored them as it was read.
    claim_sector(session, cleaner, LINEN, "confirmed", "declared", 1.0)
    touch(cleaner)
    session.commit()
    stale = staleness.stale_intention_ids(session)
    assert len(stale) == 3
    sign_in(client, member)

    with writes_seen() as seen:
        response = client.get(f"/espace/entreprises/{cleaner.siret}/")

    assert response.status_code == 200
    assert seen == []
    assert staleness.stale_intention_ids(session) == stale  # nothing was stored
    shown = _opportunities_section(response)
    assert "Pressing des uniformes" in shown  # found by matching afresh: no row says so
    assert "Nettoyage des écoles" in shown and "Seule" in shown
    assert "Ménage et jardins" in shown and "En groupement" in shown

    # Stored by a write (here the digest's refresh): the enterprise sees what it saw.
    store.refresh_stale(session)
    session.commit()
    assert staleness.stale_intention_ids(session) == []
    again = client.get(f"/espace/entreprises/{cleaner.siret}/")
    assert _opportunities_section(again) == shown


# --- Every page of the enterprises', facilitators' and public spaces -----------------------

READ_BLUEPRINTS = ("self_service", "facilitators", "claims", "directory", "main", "search_ui")
# Query strings that make a page do its work (a search, a suggestion, a pre-filled form).
QUERIES = {
    "self_service.zone_divisions": "q=Nord",
    "facilitators.invite": f"siret={SIRETS[0]}",
    "search_ui.search": "q=menuiserie&departement=59",
    "search_ui.suggestions": "q=me",
    "search_ui.export_csv": "q=menuiserie",
    "search_ui.export_xlsx": "q=menuiserie",
}


def _world(session, make_user) -> tuple[dict[str, object], dict[str, object]]:
    """An enterprise with something in every section of its space and a pending claim,
    an intention it may answer, never matched; who visits each blueprint, and the values
    of the routes' parameters."""
    enterprise = furnished_enterprise(session, supplier_row(session, 1, sectors=(CLEANING,)))
    member = make_user("enterprise", enterprise=enterprise)
    claimant = make_user("user")
    session.add(Claim(enterprise=enterprise, user=claimant, method="facilitator", status="pending"))
    intention_row(session)  # stale for the dashboard
    session.commit()
    network = enterprise.networks[0]
    visitors = {
        "self_service": member,
        "facilitators": make_user("facilitator", network=network),
        "claims.claim": make_user("user"),
        "claims": make_user("admin"),
        "directory": claimant,
        "main": None,
        "search_ui": None,
    }
    values = {
        "siret": enterprise.siret,
        "slug": network.slug,
        "offer_id": enterprise.offers[0].id,
        "reference_id": enterprise.client_references[0].id,
        "claim_id": session.scalar(select(Claim.id)),
        "lang_code": "en",
    }
    return visitors, values


def _read_pages(app):
    """(endpoint, path) of every GET route of ``READ_BLUEPRINTS``."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.split(".")[0] in READ_BLUEPRINTS and "GET" in rule.methods:
            yield rule.endpoint, rule.rule


def test_no_page_of_the_enterprise_facilitator_and_public_spaces_writes(
    app, client, session, make_user, search_backend
):
    visitors, values = _world(session, make_user)
    visited = set()
    for endpoint, rule in _read_pages(app):
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda found: str(values[found.group(1)]), rule)
        if endpoint in QUERIES:
            path += "?" + QUERIES[endpoint]
        visitor = visitors.get(endpoint, visitors[endpoint.split(".")[0]])
        with client.session_transaction() as flask_session:
            flask_session.clear()
        if visitor is not None:
            sign_in(client, visitor)
        with writes_seen() as seen:
            response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        assert seen == [], path
        visited.add(endpoint)
    # Every blueprint's pages were read, the self-service ones with an offer and a
    # reference to edit.
    assert {endpoint.split(".")[0] for endpoint in visited} == set(READ_BLUEPRINTS)
    assert {"self_service.dashboard", "self_service.edit_offer", "claims.decide"} <= visited


# --- Every page of the events ----------------------------------------------------------------


def test_no_page_of_the_events_writes(app, client, session, make_user):
    """An event with a published schedule: its organiser reads every page of the events
    blueprint and of the events API; its buyer reads the participants' pages."""
    enterprise = make_enterprise(session, SIRETS[0], name="Menuiserie du Nord")
    organiser = make_user("facilitator")
    event = make_event(session, organiser.network_roles[0].network)
    buyer = buyer_participant(session, event, make_user("buyer"))
    other = enterprise_participant(session, event, enterprise)
    request = meeting_request(session, buyer, other)
    held = meeting(session, request, event.slots[0], event.tables[0])
    event.schedule_published_at = datetime.now(UTC)
    session.commit()
    values = {
        "event_id": event.id,
        "participant_id": buyer.id,
        "meeting_request_id": request.id,
        "meeting_id": held.id,
        "table_id": held.table_id,
        "slug": event.network.slug,
    }
    visited = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        endpoint = rule.endpoint
        if "GET" not in rule.methods or not (
            endpoint.startswith("events.") or rule.rule.startswith("/api/v1/events")
        ):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda found: str(values[found.group(1)]), rule.rule)
        action = app.view_functions[endpoint].permission
        visitor = buyer.user if action == "attend_events" else organiser
        with client.session_transaction() as flask_session:
            flask_session.clear()
        sign_in(client, visitor)
        with writes_seen() as seen:
            response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        assert seen == [], path
        visited.append(endpoint)
    assert {"events.schedule", "events.agenda_ics", "events.meetings", "events.feedback"} <= set(
        visited
    )
