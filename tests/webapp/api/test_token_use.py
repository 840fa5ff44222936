"""A token's "last used" is written at most once per quarter hour: reads with a token
write nothing in between, and the stamp still moves on once the quarter hour is past."""

from __future__ import annotations

from tests.factories import token_for
from tests.recording import writes_seen
from webapp.api.auth import LAST_USED_PRECISION
from webapp.extensions import db
from webapp.models import ApiToken

READS = ("/api/v1/me", "/api/v1/intentions", "/api/v1/cpv?q=nettoyage", "/api/v1/openapi.json")


def test_reads_with_a_token_write_nothing_within_the_quarter_hour(client, session, make_user):
    headers = token_for(session, make_user("user"), scopes="read")
    row = session.scalar(db.select(ApiToken))
    assert row.last_used_at is None
    with writes_seen() as first:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert any(s.startswith("UPDATE") for s in first) and "COMMIT" in first
    session.refresh(row)
    stamp = row.last_used_at
    assert stamp is not None

    with writes_seen() as later:
        for url in READS:
            assert client.get(url, headers=headers).status_code == 200, url
    assert later == []
    session.refresh(row)
    assert row.last_used_at == stamp


def test_the_stamp_advances_once_the_quarter_hour_is_past(client, session, make_user):
    headers = token_for(session, make_user("user"), scopes="read")
    client.get("/api/v1/me", headers=headers)
    row = session.scalar(db.select(ApiToken))
    session.refresh(row)
    earlier = row.last_used_at - LAST_USED_PRECISION
    row.last_used_at = earlier
    session.commit()
    with writes_seen() as seen:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert any(s.startswith("UPDATE") for s in seen)
    session.refresh(row)
    assert row.last_used_at > earlier
