"""GET requests never write: the pages and the API that show the matcher's verdicts
compute a stale result afresh without storing it, and an e-mail confirmation link shows
a button instead of confirming. Every statement that would write (INSERT, UPDATE,
DELETE, COPY) and every session commit is counted while the GETs run."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import sign_in
from tests.test_intentions import CLEANING, GREEN, SIRETS, intention, organisation_of, supplier
from webapp.extensions import db
from webapp.intentions import services
from webapp.security import email_token

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


@contextmanager
def writes_seen():
    """The write statements sent and the commits asked for inside the block."""
    seen: list[str] = []

    def on_statement(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().split(None, 1)[0].upper() in WRITES:
            seen.append(statement.split("\n")[0][:80])

    def on_commit(_session):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(Session, "before_commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(Session, "before_commit", on_commit)
        event.remove(db.engine, "before_cursor_execute", on_statement)


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
