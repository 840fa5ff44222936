"""The organiser's dashboard (webapp/events/dashboard.py): request figures and the
outcome — awards to an enterprise participant from a buyer it met, after the event."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.factories import make_enterprise, sign_in
from tests.webapp.events.factories import (
    DAY,
    buyer_participant,
    enterprise_participant,
    make_event,
    meeting,
    meeting_request,
)
from webapp.events import dashboard
from webapp.models import ContractAward, Enterprise, EventFeedback


def award(session, holder, buyer_siret, notified_on, external_id, **fields):
    row = ContractAward(
        holder_siret=holder.siret,
        enterprise=fields.pop("enterprise", holder),
        buyer_siret=buyer_siret,
        buyer_name=fields.pop("buyer_name", "Ville de Lille"),
        object=fields.pop("object", "Nettoyage des écoles"),
        amount=fields.pop("amount", 80_000),
        notified_on=notified_on,
        source="decp",
        external_id=external_id,
    )
    session.add(row)
    return row


def build(session, make_user):
    event = make_event(session)
    met_user, unmet_user = make_user("buyer"), make_user("buyer")
    met_user.buyer_memberships[0].organisation.siret = "21590350100017"
    unmet_user.buyer_memberships[0].organisation.siret = "21590017300019"
    met = buyer_participant(session, event, met_user)
    unmet = buyer_participant(session, event, unmet_user)
    cleaner = make_enterprise(session, "73282932000074", name="Propreté Lilloise")
    idle = make_enterprise(session, "41234567000019", name="Jardins du Nord")
    supplier = enterprise_participant(session, event, cleaner)
    enterprise_participant(session, event, idle)
    accepted = meeting_request(session, met, supplier, mutual=True, suggested=True)
    meeting_request(session, supplier, met, mutual=True)
    meeting_request(session, unmet, supplier, status="declined")
    meeting_request(session, unmet, enterprise_participant_of(event, idle), status="pending")
    meeting(session, accepted, event.slots[0], event.tables[0])
    supplier.checked_in_at = datetime.now(UTC)
    met.no_show = False
    session.add(EventFeedback(participant=supplier, useful=True, next_step="quote"))
    session.add(EventFeedback(participant=met, useful=False, next_step="visit"))
    session.flush()
    return event, cleaner, supplier, met


def _enterprise(session, siret):
    return session.scalar(select(Enterprise).where(Enterprise.siret == siret))


def enterprise_participant_of(event, enterprise):
    return next(p for p in event.participants if p.enterprise_id == enterprise.id)


def test_figures_and_the_outcome(session, make_user):
    event, cleaner, supplier, met = build(session, make_user)
    after = award(session, cleaner, "21590350100017", date(2027, 6, 1), "a1", enterprise=None)
    award(session, cleaner, "21590350100017", date(2026, 6, 1), "before")  # before the event
    award(session, cleaner, "21590017300019", date(2027, 6, 1), "unmet")  # buyer not met
    on_the_day = award(session, cleaner, "21590350100017", DAY, "same-day")
    session.commit()

    f = dashboard.figures(session, event)
    assert f.registrations["buyer"]["accepted"] == 2
    assert f.registrations["enterprise"]["accepted"] == 2
    assert f.requests == {
        "sent": 4,
        "accepted": 2,
        "declined": 1,
        "expired": 0,
        "pending": 1,
        "cancelled": 0,
    }
    assert f.answered == 3 and f.acceptance_rate == 2 / 3
    assert (f.accepted_pairs, f.mutual_pairs, f.suggested) == (1, 1, 1)
    assert f.meetings == 1
    assert f.per_participant == {"min": 0, "median": 0.5, "max": 1}
    unmet = next(p for p in event.participants if p.kind == "buyer" and p.id != met.id)
    idle = enterprise_participant_of(event, _enterprise(session, "41234567000019"))
    assert {p.id for p in f.without_meeting} == {unmet.id, idle.id}
    assert (f.checked_in, f.no_shows) == (1, 0)
    assert (f.useful, f.not_useful) == (1, 1)
    assert f.next_steps == {"quote": 1, "visit": 1, "joint_bid": 0, "other": 0}
    # Matched by SIRET (no enterprise link) or by enterprise; notified on or after the day.
    assert [o.award.id for o in f.outcomes] == [on_the_day.id, after.id]
    assert all(o.buyer.id == met.id and o.enterprise.id == supplier.id for o in f.outcomes)


def test_dashboard_page_in_words(client, session, make_user):
    event, cleaner, _supplier, _met = build(session, make_user)
    award(session, cleaner, "21590350100017", date(2027, 6, 1), "a1")
    session.commit()
    organiser = make_user("facilitator", network=event.network)
    sign_in(client, organiser)
    page = client.get(f"/evenements/{event.id}/tableau-de-bord")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "acceptées sur les 3 demandes qui ont reçu une réponse" in text
    assert "expirées : aucun" in text
    assert "Nettoyage des écoles" in text and "Propreté Lilloise" in text
    assert "Jardins du Nord" in text  # without a meeting
    sign_in(client, make_user("buyer"))
    assert client.get(f"/evenements/{event.id}/tableau-de-bord").status_code == 403
