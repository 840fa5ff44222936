"""The events' busiest pages ask the database a fixed number of questions, whatever the
number of participants: the check-in list, a participant's meetings, the planning, the
dashboard and the API's event (each participant's enterprise, organisation, person and
unavailable slots are loaded together, not one by one)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event as sa_event

from tests.factories import get_json, make_enterprise, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.extensions import db


@contextmanager
def statements():
    """The SELECT statements sent inside the block (``tests/recording.py`` counts writes)."""
    seen: list[str] = []

    def on_statement(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", on_statement)


def _siret(n: int) -> str:
    """A SIRET passing the Luhn check (the 14th digit makes it so)."""
    body = f"{40000000 + n:08d}00001"
    for last in "0123456789":
        digits = [int(d) for d in body + last]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
            for i, d in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return body + last
    raise AssertionError("no check digit")


def _world(session, make_user, enterprises: int, first: int):
    """A meeting day with one buyer and ``enterprises`` enterprises (each with its member,
    one unavailable slot, an accepted request from the buyer and, for the first slots ×
    tables, a meeting); every participant checked in or not, some with feedback."""
    event = make_event(session, slots=8, tables=4, buyer_cap=None, enterprise_cap=None)
    organiser = make_user("facilitator", network=event.network)
    buyer_user = make_user("buyer")
    buyer = buyer_participant(session, event, buyer_user)
    others = [buyer_participant(session, event, make_user("buyer")) for _ in range(2)]
    places = [(s, t) for s in event.slots for t in event.tables]
    for i in range(enterprises):
        company = make_enterprise(session, _siret(first + i), name=f"Entreprise {i:02d}")
        member = make_user("enterprise", enterprise=company)
        row = enterprise_participant(session, event, company, user=member)
        row.unavailable_slots.append(event.slots[i % len(event.slots)])
        asked = meeting_request(session, buyer if i % 2 else others[i % 2], row)
        if i < len(places) // 2:
            meeting(session, asked, *places[i])
        meeting_request(session, row, others[(i + 1) % 2], status="declined")
    session.commit()
    return event, organiser, buyer_user


def _counts(client, session, make_user, enterprises: int, first: int = 0) -> dict[str, int]:
    event, organiser, buyer = _world(session, make_user, enterprises, first)
    pages = {
        "accueil": (organiser, f"/evenements/{event.id}/accueil"),
        "planning": (organiser, f"/evenements/{event.id}/planning"),
        "tableau de bord": (organiser, f"/evenements/{event.id}/tableau-de-bord"),
        "rendez-vous": (buyer, f"/evenements/{event.id}/rendez-vous"),
    }
    found = {}
    for name, (user, url) in pages.items():
        sign_in(client, user)
        session.expire_all()  # what a new request finds: nothing loaded yet
        with statements() as seen:
            assert client.get(url).status_code == 200, url
        found[name] = len(seen)
    client.post("/compte/deconnexion")
    session.expire_all()
    with statements() as seen:
        body = get_json(client, f"/api/v1/events/{event.id}")
    assert len(body["participants"]) == enterprises + 3
    found["api"] = len(seen)
    return found


def test_the_number_of_queries_does_not_grow_with_the_participants(client, session, make_user):
    few = _counts(client, session, make_user, 5)
    many = _counts(client, session, make_user, 30, first=100)
    assert set(few) == {"accueil", "planning", "tableau de bord", "rendez-vous", "api"}
    assert many == few
