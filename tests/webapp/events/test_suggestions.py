"""Suggested meetings (webapp/events/suggestions.py) read from the matcher's stored
results: the real matcher run on a few enterprises, both ways, pairs already asked left
out, "being computed" when nothing is stored; the one-click request."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import GREEN, post_form, sign_in
from tests.webapp.events.factories import (
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting_request,
)
from tests.webapp.matching.factories import intention_row, supplier_row
from webapp.events import suggestions
from webapp.matching import store
from webapp.models import EventMeetingRequest


def build(session, make_user, run=True):
    event = make_event(session)
    buyer_user = make_user("buyer")
    organisation = buyer_user.buyer_memberships[0].organisation
    intention = intention_row(
        session, title="Nettoyage des écoles", buyer_organisation_id=organisation.id
    )
    near = supplier_row(session, 1, kind="EA", name="Propreté Lilloise")
    far = supplier_row(
        session, 2, name="Propreté du Sud", zone=("divisions", [("departement", "13")])
    )
    gardener = supplier_row(session, 3, kind="ESAT", sectors=(GREEN,), name="Jardins du Nord")
    buyer = buyer_participant(session, event, buyer_user)
    near_user = make_user("enterprise", enterprise=near)
    parts = {
        "near": enterprise_participant(session, event, near, user=near_user),
        "far": enterprise_participant(session, event, far),
        "gardener": enterprise_participant(session, event, gardener),
    }
    if run:
        store.run(session, intention)
    session.commit()
    return event, buyer, buyer_user, near_user, intention, parts


def test_a_buyer_is_suggested_the_enterprises_the_matcher_ranks(session, make_user):
    _event, buyer, _u, _n, intention, parts = build(session, make_user)
    found = suggestions.for_participant(session, buyer)
    assert found.computing == []
    others = [s.other for s in found.meetings]
    assert parts["near"] in others
    assert parts["far"] not in others  # does not work in Lille
    assert parts["gardener"] not in others  # another sector
    first = next(s for s in found.meetings if s.other is parts["near"])
    assert first.intention is intention
    assert first.reason.startswith("Peut répondre seule à « Nettoyage des écoles »")
    assert "réservé L2113-12" in first.reason and "km" in first.reason
    assert first.details  # the matcher's own reasons
    assert [s.score for s in found.meetings] == sorted(
        (s.score for s in found.meetings), reverse=True
    )


def test_an_enterprise_is_suggested_the_buyers_it_answers(session, make_user):
    _event, buyer, _u, _n, _i, parts = build(session, make_user)
    found = suggestions.for_participant(session, parts["near"])
    assert [s.other for s in found.meetings] == [buyer]
    assert suggestions.for_participant(session, parts["gardener"]).meetings == []


def test_pairs_with_a_request_are_left_out(session, make_user):
    _event, buyer, _u, _n, _i, parts = build(session, make_user)
    meeting_request(session, parts["near"], buyer, status="declined")
    session.commit()
    assert parts["near"] not in [
        s.other for s in suggestions.for_participant(session, buyer).meetings
    ]
    assert suggestions.for_participant(session, parts["near"]).meetings == []


def test_nothing_is_computed_on_a_read(session, make_user):
    _event, buyer, _u, _n, intention, _parts = build(session, make_user, run=False)
    found = suggestions.for_participant(session, buyer)
    assert found.meetings == [] and found.computing == [intention]


def test_one_click_turns_a_suggestion_into_a_request(client, session, make_user):
    event, buyer, buyer_user, _n, intention, parts = build(session, make_user)
    sign_in(client, buyer_user)
    page_url = f"/evenements/{event.id}/rendez-vous"
    page = client.get(page_url).get_data(as_text=True)
    assert "Rendez-vous suggérés" in page and "Peut répondre seule" in page
    response = post_form(
        client,
        f"/evenements/{event.id}/rendez-vous/demander",
        {
            "sender": buyer.id,
            "recipient": parts["near"].id,
            "intention": intention.id,
            "suggested": "y",
        },
        token_page=page_url,
    )
    assert response.status_code == 302
    row = session.scalar(
        select(EventMeetingRequest).where(EventMeetingRequest.recipient_id == parts["near"].id)
    )
    assert row.suggested and row.intention_id == intention.id and row.status == "pending"


def test_an_enterprise_of_unknown_trade_is_suggested_after_those_who_answer(session, make_user):
    """Missing data is not evidence against meeting an enterprise: one that declares no
    sector but works in the Nord is in the matcher's ranking as probable, and suggested
    after the enterprises that answer, said so."""
    event, buyer, _u, _n, intention, parts = build(session, make_user, run=False)
    unknown = supplier_row(session, 4, kind="ACI", sectors=(), name="Atelier Solidaire")
    parts["unknown"] = enterprise_participant(session, event, unknown)
    store.run(session, intention)
    session.commit()

    found = suggestions.for_participant(session, buyer).meetings
    by_other = {s.other.id: s for s in found}
    assert parts["unknown"].id in by_other
    probable = by_other[parts["unknown"].id]
    assert probable.tier == suggestions.PROBABLE
    assert probable.reason.startswith("Métier probable, à confirmer, pour « Nettoyage des écoles »")
    # Those who answer come first, whatever the scores.
    assert found[0].other is parts["near"] and found[0].tier == suggestions.ANSWERS
    assert [s.tier for s in found] == sorted(s.tier for s in found)
    # And the enterprise is suggested the buyer, the same way.
    back = suggestions.for_participant(session, parts["unknown"]).meetings
    assert [(s.other, s.tier) for s in back] == [(buyer, suggestions.PROBABLE)]
