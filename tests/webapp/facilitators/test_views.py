"""A facilitator's space: members, membership requests, invitations, member imports."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.factories import csrf_token, make_enterprise, sign_in
from webapp.mail import outbox
from webapp.models import (
    AuditEvent,
    Enterprise,
    EnterpriseMembership,
    Network,
    NetworkMembershipRequest,
    SearchOutbox,
)

SIRET = "73282932000074"
OTHER_SIRET = "35600000000048"
NEW_SIRET = "80746931700018"


def networks(session) -> tuple[Network, Network]:
    first, second = session.scalars(select(Network).order_by(Network.id).limit(2))
    return first, second


def base(network: Network) -> str:
    return f"/espace/reseaux/{network.slug}"


def test_network_page_lists_members_with_completeness_and_claim_state(client, session, make_user):
    network, _other = networks(session)
    claimed = make_enterprise(
        session,
        SIRET,
        name="Atelier Réservé",
        networks=[network],
        website="https://a.fr",
        description="Menuiserie solidaire",
        contact_email="contact@a.fr",
    )
    make_enterprise(session, OTHER_SIRET, name="Hors Réseau")
    make_user("enterprise", enterprise=claimed)
    facilitator = make_user("facilitator", network=network)
    sign_in(client, facilitator)

    response = client.get(base(network) + "/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Atelier Réservé" in page and "Hors Réseau" not in page
    assert "30 %" in page  # description 10, contact 10, website 5, network 5
    assert "oui" in page


def test_other_network_facilitator_and_plain_users_are_refused(client, session, make_user):
    network, other = networks(session)
    sign_in(client, make_user("facilitator", network=other))
    assert client.get(base(network) + "/").status_code == 403
    assert client.get(base(network) + "/inviter").status_code == 403
    assert client.get(base(network) + "/importer").status_code == 403
    sign_in(client, make_user("user"))
    assert client.get(base(network) + "/").status_code == 403
    sign_in(client, make_user("facilitator", network=other))
    assert client.get("/espace/reseaux/inconnu/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, session):
    network, _ = networks(session)
    response = client.get(base(network) + "/")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_confirm_and_refuse_membership_requests(client, session, make_user, search_backend):
    network, other = networks(session)
    joining = make_enterprise(session, SIRET, name="Régie Nord")
    refused = make_enterprise(session, OTHER_SIRET, name="Régie Sud")
    requester = make_user("enterprise", enterprise=joining)
    yes = NetworkMembershipRequest(enterprise=joining, network=network, requested_by=requester)
    no = NetworkMembershipRequest(enterprise=refused, network=network)
    elsewhere = NetworkMembershipRequest(enterprise=refused, network=other)
    session.add_all([yes, no, elsewhere])
    session.commit()
    facilitator = make_user("facilitator", network=network)
    sign_in(client, facilitator)
    page = client.get(base(network) + "/").get_data(as_text=True)
    assert "Régie Nord" in page and "Régie Sud" in page
    token = csrf_token(client, base(network) + "/")

    response = client.post(
        f"{base(network)}/adhesions/{yes.id}", data={"csrf_token": token, "decision": "approve"}
    )
    assert response.status_code == 302
    client.post(
        f"{base(network)}/adhesions/{no.id}", data={"csrf_token": token, "decision": "refuse"}
    )
    # Another network's request is not this facilitator's to decide.
    assert (
        client.post(
            f"{base(network)}/adhesions/{elsewhere.id}",
            data={"csrf_token": token, "decision": "approve"},
        ).status_code
        == 404
    )
    # Without a CSRF token nothing happens.
    assert (
        client.post(f"{base(network)}/adhesions/{no.id}", data={"decision": "approve"}).status_code
        == 400
    )

    session.expire_all()
    assert (yes.status, yes.decided_by_id) == ("approved", facilitator.id)
    assert network in joining.networks
    assert no.status == "refused" and network not in refused.networks
    assert elsewhere.status == "pending"
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.enterprise_id == joining.id))
        == "network_confirmed"
    )
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.enterprise_id == refused.id))
        == "network_refused"
    )
    # Published at once: the outbox is drained and the index knows the new network.
    assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert search_backend.count() >= 1


def test_invite_sends_the_claim_link_and_is_recorded(client, session, make_user):
    network, _ = networks(session)
    member = make_enterprise(session, SIRET, name="Atelier Membre", networks=[network])
    make_enterprise(session, OTHER_SIRET, name="Pas membre")
    facilitator = make_user("facilitator", network=network)
    sign_in(client, facilitator)
    path = base(network) + "/inviter"
    token = csrf_token(client, path)

    response = client.post(
        path, data={"csrf_token": token, "siret": SIRET, "email": "Dir@Atelier.FR"}
    )

    assert response.status_code == 302
    [message] = outbox()
    assert message.recipients == ["dir@atelier.fr"]
    assert f"/entreprises/{SIRET}/revendiquer" in message.body
    event = session.scalar(select(AuditEvent).where(AuditEvent.enterprise_id == member.id))
    assert event.action == "invite"
    assert event.changes == {"email": "dir@atelier.fr", "network": network.slug}


def test_invite_refuses_non_members_and_bad_input(client, session, make_user):
    network, _ = networks(session)
    make_enterprise(session, OTHER_SIRET, name="Pas membre")
    sign_in(client, make_user("facilitator", network=network))
    path = base(network) + "/inviter"
    token = csrf_token(client, path)

    response = client.post(
        path, data={"csrf_token": token, "siret": OTHER_SIRET, "email": "a@b.fr"}
    )
    assert response.status_code == 400
    assert "Aucune entreprise de votre réseau" in response.get_data(as_text=True)

    response = client.post(path, data={"csrf_token": token, "siret": "123", "email": "nope"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "SIRET n&#39;est pas valide" in page or "SIRET n'est pas valide" in page
    assert outbox() == []
    assert session.scalar(select(AuditEvent)) is None


def upload(client, network, content: bytes, name: str = "membres.csv", **fields):
    path = base(network) + "/importer"
    token = csrf_token(client, path)
    data = {"csrf_token": token, "file": (io.BytesIO(content), name), **fields}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_import_member_list(client, session, make_user, search_backend):
    network, _ = networks(session)
    existing = make_enterprise(
        session, SIRET, name="Ancien nom", post_code="93230", city="Romainville"
    )
    sign_in(client, make_user("facilitator", network=network))
    content = (
        "siret,name,post_code,city\n"
        f"{NEW_SIRET},Atelier adapté,93230,Romainville\n"
        f"{SIRET},Nouveau nom,93230,Romainville\n"
        "12345678901234,Mauvais SIRET,93230,Romainville\n"
    ).encode()

    response = upload(client, network, content, kind="EA")

    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    assert "Créées : 1" in page and "Mises à jour : 1" in page and "Rejetées : 1" in page
    assert '<th scope="row">4</th>' in page  # the rejected line
    session.expire_all()
    created = session.scalar(select(Enterprise).where(Enterprise.siret == NEW_SIRET))
    assert created.kind == "EA" and network in created.networks
    assert existing.name == "Nouveau nom" and network in existing.networks
    assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert search_backend.count() == 2


def test_malformed_member_list_imports_nothing(client, session, make_user):
    network, _ = networks(session)
    sign_in(client, make_user("facilitator", network=network))
    before = session.scalar(select(func.count()).select_from(Enterprise))

    # The default mapping names a "city" column this file lacks.
    response = upload(
        client, network, f"siret,name,post_code\n{NEW_SIRET},Atelier,93230\n".encode(), kind="EA"
    )
    assert response.status_code == 400
    assert "rien n&#39;a été importé" in response.get_data(as_text=True)

    # A broken quote: the whole file is refused, even its good first row.
    broken = (
        "siret,name,post_code,city\n"
        f"{NEW_SIRET},Atelier,93230,Romainville\n"
        f'{SIRET},"Atelier,93230,Romainville\n'
    ).encode()
    response = upload(client, network, broken, kind="EA")
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Enterprise)) == before

    # No file at all, or a bad mapping: field errors, 400.
    path = base(network) + "/importer"
    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token}).status_code == 400
    response = upload(client, network, b"a,b\n1,2\n", mapping="nonsense", kind="EA")
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(EnterpriseMembership)) == 0
