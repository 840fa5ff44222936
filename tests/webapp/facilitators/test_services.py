"""The facilitators' writes (webapp/facilitators/services.py): each is one transaction
holding the change and its audit event (and, for a change to an enterprise, its search
outbox row), then published; a write refused writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from importers.tabular import ImportFileError
from tests.factories import make_enterprise
from tests.recording import first_commit
from webapp.facilitators import services
from webapp.facilitators.forms import DEFAULT_MAPPING
from webapp.mail import outbox
from webapp.models import AuditEvent, Enterprise, Network, NetworkMembershipRequest, SearchOutbox

SIRET = "73282932000074"
NEW_SIRET = "80746931700018"


@pytest.fixture
def network(session) -> Network:
    return session.scalar(select(Network).order_by(Network.id))


@pytest.fixture
def facilitator(make_user, network):
    return make_user("facilitator", network=network)


def _request(session, network) -> NetworkMembershipRequest:
    request = NetworkMembershipRequest(
        enterprise=make_enterprise(session, SIRET), network=network, status="pending"
    )
    session.add(request)
    session.commit()
    return request


@pytest.mark.parametrize(
    ("approve", "status", "action", "indexed"),
    [(True, "approved", "network_confirmed", 1), (False, "refused", "network_refused", 0)],
)
def test_a_decision_is_one_audited_transaction_and_an_approval_is_published(
    session, network, facilitator, search_backend, approve, status, action, indexed
):
    request = _request(session, network)
    with first_commit() as held:
        services.decide_membership(session, facilitator, request, approve=approve)
    # An approval changes what the search shows: its outbox row goes with it.
    assert held == [([action], indexed)]
    session.expire_all()
    assert (request.status, request.decided_by_id) == (status, facilitator.id)
    assert (network in request.enterprise.networks) is approve
    assert session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert search_backend.count() == indexed


def test_an_invitation_is_audited_committed_then_mailed(app, session, network, facilitator):
    make_enterprise(session, SIRET, networks=[network])
    session.commit()
    with app.test_request_context(), first_commit() as held:
        email = services.invite(session, facilitator, network, SIRET, " Dir@Atelier.FR ")
    assert email == "dir@atelier.fr"
    assert held == [(["invite"], 0)]
    [message] = outbox()
    assert message.recipients == [email]


def test_no_invitation_for_an_enterprise_outside_the_network(app, session, network, facilitator):
    make_enterprise(session, SIRET)
    session.commit()
    with app.test_request_context(), pytest.raises(services.NotInNetwork):
        services.invite(session, facilitator, network, SIRET, "dir@atelier.fr")
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    assert outbox() == []


def test_a_member_list_is_imported_audited_and_indexed_in_one_transaction(
    app, session, network, facilitator, search_backend
):
    make_enterprise(session, SIRET, name="Ancien nom", post_code="93230", city="Romainville")
    session.commit()
    content = (
        "siret,name,post_code,city\n"
        f"{NEW_SIRET},Atelier adapté,93230,Romainville\n"
        f"{SIRET},Nouveau nom,93230,Romainville\n"
    ).encode()
    with app.test_request_context(), first_commit() as held:
        report = services.import_members(
            session, facilitator, network, content, DEFAULT_MAPPING, "EA"
        )
    assert (report.created, report.updated) == (1, 1)
    [(actions, queued)] = held
    assert sorted(actions) == ["create", "update"] and queued == 2
    assert session.scalar(select(func.count(SearchOutbox.id))) == 0
    assert search_backend.count() == 2
    joined = session.scalars(select(Enterprise).where(Enterprise.networks.contains(network)))
    assert {e.siret for e in joined} == {SIRET, NEW_SIRET}


def test_an_unreadable_member_list_writes_nothing(app, session, network, facilitator):
    broken = f'siret,name,post_code,city\n{NEW_SIRET},"Atelier,93230,Romainville\n'.encode()
    with app.test_request_context(), pytest.raises(ImportFileError):
        services.import_members(session, facilitator, network, broken, DEFAULT_MAPPING, "EA")
    assert session.scalar(select(func.count(Enterprise.id))) == 0
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
