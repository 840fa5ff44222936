"""The demo forum (``flask events demo``) on the real enterprises of the Nord: built
through the services as people would, a published schedule that places every accepted
request, a request left for the demo member; re-running changes nothing."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from tests.factories import SNAPSHOT
from webapp.events import demo
from webapp.events.scheduling import last_run
from webapp.models import Enterprise, Event, EventMeeting, EventMeetingRequest
from webapp.security import DEMO_PASSWORD


@pytest.mark.slow
def test_the_demo_forum_tells_the_whole_story(app, session, runner):
    parsed = parse_siae(SNAPSHOT)
    nord = [r for r in parsed.records if r.departement_code == "59"]
    load_enterprises(
        session, dataclasses.replace(parsed, records=nord, rejected=[]), source="t", actor="t"
    )
    with pytest.raises(demo.DemoMissing):  # no demo accounts yet
        demo.build(session, DEMO_PASSWORD)
    assert runner.invoke(args=["users", "demo"]).exit_code == 0

    event = demo.build(session, DEMO_PASSWORD)

    assert event.status == "published" and event.schedule_published_at is not None
    accepted = [p for p in event.participants if p.status == "accepted"]
    assert sum(p.kind == "buyer" for p in accepted) == len(demo.BUYERS)
    enterprises = [p.enterprise for p in accepted if p.kind == "enterprise"]
    assert len(enterprises) >= demo.ENTERPRISES  # and the demo member's own
    assert all(e.departement_code == "59" for e in enterprises[: demo.ENTERPRISES])
    requests = session.scalars(
        select(EventMeetingRequest).where(EventMeetingRequest.event_id == event.id)
    ).all()
    accepted_requests = [r for r in requests if r.status == "accepted"]
    assert sum(r.suggested for r in accepted_requests) >= len(demo.BUYERS)
    assert any(r.mutual for r in accepted_requests)
    assert [r.recipient.enterprise is not None for r in requests if r.status == "pending"] == [True]
    run = last_run(session, event)
    pairs = len({frozenset((r.sender_id, r.recipient_id)) for r in accepted_requests})
    assert run.optimal and run.requested == pairs
    meetings = session.scalar(
        select(func.count()).select_from(EventMeeting).where(EventMeeting.event_id == event.id)
    )
    assert meetings == run.placed and run.placed + len(run.unplaced) == pairs

    again = demo.build(session, DEMO_PASSWORD)
    assert again.id == event.id
    assert session.scalar(select(func.count()).select_from(Event)) == 1
    assert session.scalar(select(func.count()).select_from(Enterprise)) == len(nord)
