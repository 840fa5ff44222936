"""The self-service writes (webapp/self_service/services.py), called as the pages call
them: each commits its change with its audit event and its search outbox row in one
transaction, then publishes, so the index knows the enterprise at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import CLEANING, sector
from tests.recording import first_commit
from tests.webapp.self_service.factories import furnished_enterprise, networks
from webapp.models import (
    AuditEvent,
    Label,
    LabelDeclaration,
    NetworkMembershipRequest,
    SearchOutbox,
)
from webapp.self_service import services

ACTOR = "user:1 membre@example.org"


@pytest.fixture
def enterprise(session):
    """An enterprise with one of everything a write may change, committed, not indexed."""
    enterprise = furnished_enterprise(session)
    session.commit()
    return enterprise


# Each write as a page makes it (session, enterprise, its member), by the action it records.
WRITES = {
    "identity": lambda s, e, m: services.update_identity(
        s, e, ACTOR, {"name": "Jardins du Nord", "post_code": "59000", "city": "Lille"}
    ),
    "description": lambda s, e, m: services.update_description(s, e, ACTOR, "Espaces verts."),
    "offer_create": lambda s, e, m: services.save_offer(
        s, e, ACTOR, None, {"title": "Taille", "presta_type": "service", "sector_id": None}
    ),
    "offer_update": lambda s, e, m: services.save_offer(
        s, e, ACTOR, e.offers[0], {"title": "Élagage"}
    ),
    "offer_delete": lambda s, e, m: services.delete_offer(s, e, ACTOR, e.offers[0]),
    "reference_create": lambda s, e, m: services.save_reference(
        s, e, ACTOR, None, {"client_name": "Métropole", "year": 2024}
    ),
    "reference_update": lambda s, e, m: services.save_reference(
        s, e, ACTOR, e.client_references[0], {"client_name": "MEL"}
    ),
    "reference_delete": lambda s, e, m: services.delete_reference(
        s, e, ACTOR, e.client_references[0]
    ),
    "capacity": lambda s, e, m: services.update_capacity(
        s, e, ACTOR, {"headcount_total": 12, "volumes": None}
    ),
    "zone": lambda s, e, m: services.save_zone(s, e, ACTOR, "divisions", [("departement", "59")]),
    "label_declare": lambda s, e, m: services.declare_label(
        s, e, ACTOR, s.scalars(select(Label).order_by(Label.id.desc())).first(), None
    ),
    "label_withdraw": lambda s, e, m: services.withdraw_label(
        s, e, ACTOR, s.scalar(select(LabelDeclaration))
    ),
    "network_request": lambda s, e, m: services.request_membership(s, e, m, ACTOR, networks(s)[2]),
    "network_cancel": lambda s, e, m: services.cancel_request(
        s, e, ACTOR, s.scalar(select(NetworkMembershipRequest))
    ),
    "network_leave": lambda s, e, m: services.leave_network(s, e, ACTOR, e.networks[0]),
    "sector_confirm": lambda s, e, m: services.set_sector_status(
        s, e, ACTOR, e.sectors[0], "confirmed"
    ),
    "sector_reject": lambda s, e, m: services.set_sector_status(
        s, e, ACTOR, e.sectors[0], "rejected"
    ),
    "sector_declare": lambda s, e, m: services.declare_sector(s, e, ACTOR, sector(s, CLEANING)),
}


@pytest.mark.parametrize("action", WRITES)
def test_each_write_commits_its_audit_and_outbox_together_then_publishes(
    session, enterprise, make_user, search_backend, action
):
    member = make_user("enterprise", enterprise=enterprise)
    assert search_backend.count() == 0
    with first_commit() as held:
        WRITES[action](session, enterprise, member)

    [(actions, queued)] = held
    assert actions == [action] and queued == 1
    session.rollback()  # nothing is left for the caller to commit
    assert list(session.scalars(select(AuditEvent.action))) == [action]
    # Published: the outbox was drained into the index.
    assert session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert search_backend.count() == 1


def test_a_write_that_changes_nothing_records_nothing(session, enterprise, search_backend):
    services.update_description(session, enterprise, ACTOR, None)
    services.set_sector_status(session, enterprise, ACTOR, enterprise.sectors[0], "suggested")
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    assert search_backend.count() == 0


def test_an_unknown_commune_writes_nothing(session, enterprise):
    with pytest.raises(services.UnknownCommune):
        services.update_identity(
            session, enterprise, ACTOR, {"post_code": "59000", "city": "Nulle-Part-sur-Mer"}
        )
    session.rollback()
    assert enterprise.city == "Lille"
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
