"""Claims on enterprise profiles: the three paths, decisions, refusals, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import csrf_token, make_enterprise, sign_in
from webapp.claims.services import email_domain_matches
from webapp.mail import outbox
from webapp.models import AuditEvent, Claim, EnterpriseMembership, Network

SIRET = "73282932000074"
OTHER_SIRET = "35600000000048"


def claim_url(siret: str = SIRET) -> str:
    return f"/entreprises/{siret}/revendiquer"


def post_claim(client, siret: str = SIRET, message: str = "Je suis la gérante."):
    token = csrf_token(client, claim_url(siret))
    return client.post(claim_url(siret), data={"csrf_token": token, "message": message})


def decide(client, claim_id: int, decision: str):
    path = f"/espace/revendications/{claim_id}"
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "decision": decision})


def actions(session, enterprise) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.enterprise_id == enterprise.id)
            .order_by(AuditEvent.id)
        )
    )


def is_member(session, user, enterprise) -> bool:
    return (
        session.scalar(
            select(EnterpriseMembership).where(
                EnterpriseMembership.user_id == user.id,
                EnterpriseMembership.enterprise_id == enterprise.id,
            )
        )
        is not None
    )


def first_network(session) -> Network:
    return session.scalars(select(Network).order_by(Network.id)).first()


def second_network(session) -> Network:
    return session.scalars(select(Network).order_by(Network.id).offset(1)).first()


@pytest.mark.parametrize(
    ("email", "website", "expected"),
    [
        ("jeanne@acme-insertion.fr", "https://www.acme-insertion.fr/contact", True),
        ("jeanne@acme-insertion.fr", "acme-insertion.fr", True),
        ("jeanne@ACME-insertion.fr", "http://WWW.acme-insertion.fr", True),
        ("jeanne@autre.fr", "https://www.acme-insertion.fr/", False),
        ("jeanne@gmail.com", "https://gmail.com", False),
        ("jeanne@hotmail.fr", "hotmail.fr", False),
        ("jeanne@acme-insertion.fr", None, False),
        ("jeanne@acme-insertion.fr", "http://[bad", False),
    ],
)
def test_email_domain_matching(email, website, expected):
    assert email_domain_matches(email, website) is expected


def test_anonymous_is_sent_to_sign_in(client, session):
    make_enterprise(session, SIRET)
    response = client.get(claim_url())
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_unknown_enterprise_is_404(client, session, make_user):
    sign_in(client, make_user("user"))
    assert client.get(claim_url(OTHER_SIRET)).status_code == 404
    assert client.get("/entreprises/abc/revendiquer").status_code == 404


def test_path_a_email_domain_is_approved_at_once(client, session, make_user):
    enterprise = make_enterprise(session, SIRET, website="https://www.acme-insertion.fr/")
    user = make_user("user", email="jeanne@acme-insertion.fr")
    sign_in(client, user)

    response = post_claim(client)

    assert response.status_code == 302
    claim = session.scalar(select(Claim).where(Claim.user_id == user.id))
    assert (claim.method, claim.status) == ("email_domain", "approved")
    assert is_member(session, user, enterprise)
    assert actions(session, enterprise) == ["claim_request", "claim_approved"]
    [message] = outbox()
    assert message.recipients == ["jeanne@acme-insertion.fr"]
    assert "acceptée" in message.subject


def test_path_a_webmail_is_not_enough(client, session, make_user):
    enterprise = make_enterprise(session, SIRET, website="https://gmail.com/")
    admin = make_user("admin")
    user = make_user("user", email="jeanne@gmail.com")
    sign_in(client, user)

    post_claim(client)

    claim = session.scalar(select(Claim).where(Claim.user_id == user.id))
    assert (claim.method, claim.status) == ("administrator", "pending")
    assert not is_member(session, user, enterprise)
    [message] = outbox()
    assert message.recipients == [admin.email]


def test_path_b_facilitator_decides(client, session, make_user):
    network = first_network(session)
    enterprise = make_enterprise(session, SIRET, networks=[network])
    facilitator = make_user("facilitator", network=network)
    stranger = make_user("facilitator", network=second_network(session))
    user = make_user("user")
    sign_in(client, user)

    post_claim(client, message="Directrice depuis 2019")

    claim = session.scalar(select(Claim).where(Claim.user_id == user.id))
    assert (claim.method, claim.status) == ("facilitator", "pending")
    [request_mail] = outbox()
    assert request_mail.recipients == [facilitator.email]
    assert "Directrice depuis 2019" in request_mail.body
    assert f"/espace/revendications/{claim.id}" in request_mail.body

    # A facilitator of another network may not decide, nor may the requester.
    sign_in(client, stranger)
    assert client.get(f"/espace/revendications/{claim.id}").status_code == 403
    sign_in(client, user)
    assert client.get(f"/espace/revendications/{claim.id}").status_code == 403

    # The network's page lists it; the facilitator approves.
    sign_in(client, facilitator)
    page = client.get(f"/espace/reseaux/{network.slug}/").get_data(as_text=True)
    assert user.email in page
    response = decide(client, claim.id, "approve")
    assert response.status_code == 302

    session.refresh(claim)
    assert (claim.status, claim.decided_by_id) == ("approved", facilitator.id)
    assert is_member(session, user, enterprise)
    assert actions(session, enterprise) == ["claim_request", "claim_approved"]
    decision_mail = outbox()[-1]
    assert decision_mail.recipients == [user.email]
    assert "acceptée" in decision_mail.subject


def test_path_b_without_facilitator_goes_to_administrators(client, session, make_user):
    enterprise = make_enterprise(session, SIRET)
    admin = make_user("admin")
    user = make_user("user")
    sign_in(client, user)

    post_claim(client)

    claim = session.scalar(select(Claim).where(Claim.user_id == user.id))
    assert claim.method == "administrator"
    assert outbox()[0].recipients == [admin.email]

    # A member of another enterprise is refused the decision page.
    sign_in(client, make_user("enterprise", enterprise=make_enterprise(session, OTHER_SIRET)))
    assert client.get(f"/espace/revendications/{claim.id}").status_code == 403

    sign_in(client, admin)
    assert decide(client, claim.id, "refuse").status_code == 302
    session.refresh(claim)
    assert claim.status == "refused"
    assert not is_member(session, user, enterprise)
    assert outbox()[-1].recipients == [user.email]
    assert "refusée" in outbox()[-1].subject


def test_path_c_members_decide(client, session, make_user):
    enterprise = make_enterprise(session, SIRET, website="https://acme-insertion.fr")
    member = make_user("enterprise", enterprise=enterprise)
    outsider = make_user("enterprise", enterprise=make_enterprise(session, OTHER_SIRET))
    # Even on the enterprise's own domain: a claimed profile is its members' call.
    user = make_user("user", email="paul@acme-insertion.fr")
    sign_in(client, user)

    post_claim(client)

    claim = session.scalar(select(Claim).where(Claim.user_id == user.id))
    assert (claim.method, claim.status) == ("members", "pending")
    assert not is_member(session, user, enterprise)
    [request_mail] = outbox()
    assert request_mail.recipients == [member.email]

    sign_in(client, outsider)
    assert client.get(f"/espace/revendications/{claim.id}").status_code == 403
    token = csrf_token(client, "/compte/")
    response = client.post(
        f"/espace/revendications/{claim.id}", data={"csrf_token": token, "decision": "approve"}
    )
    assert response.status_code == 403
    session.refresh(claim)
    assert claim.status == "pending"

    sign_in(client, member)
    inbox = client.get("/espace/revendications/").get_data(as_text=True)
    assert user.email in inbox
    assert decide(client, claim.id, "refuse").status_code == 302
    session.refresh(claim)
    assert (claim.status, claim.decided_by_id) == ("refused", member.id)
    assert not is_member(session, user, enterprise)
    assert actions(session, enterprise) == ["claim_request", "claim_refused"]
    assert outbox()[-1].recipients == [user.email]

    # A decided claim cannot be decided again.
    decide(client, claim.id, "approve")
    session.refresh(claim)
    assert claim.status == "refused"


def test_invalid_decision_is_400(client, session, make_user):
    enterprise = make_enterprise(session, SIRET)
    member = make_user("enterprise", enterprise=enterprise)
    user = make_user("user")
    claim = Claim(enterprise=enterprise, user=user, method="members")
    session.add(claim)
    session.commit()
    sign_in(client, member)
    assert decide(client, claim.id, "maybe").status_code == 400
    assert client.get("/espace/revendications/999999").status_code == 404


def test_one_pending_claim_per_person_and_members_cannot_claim(client, session, make_user):
    enterprise = make_enterprise(session, SIRET)
    make_user("admin")
    user = make_user("user")
    sign_in(client, user)
    post_claim(client)
    page = client.get(claim_url()).get_data(as_text=True)
    assert "attend une décision" in page
    post_claim(client)
    assert len(session.scalars(select(Claim).where(Claim.user_id == user.id)).all()) == 1

    member = make_user("enterprise", enterprise=enterprise)
    sign_in(client, member)
    assert client.get(claim_url()).status_code == 302
    token = csrf_token(client, "/compte/")
    client.post(claim_url(), data={"csrf_token": token, "message": ""})
    assert session.scalar(select(Claim).where(Claim.user_id == member.id)) is None


def test_overlong_message_is_400(client, session, make_user):
    make_enterprise(session, SIRET)
    sign_in(client, make_user("user"))
    response = post_claim(client, message="x" * 2001)
    assert response.status_code == 400
    assert "2000" in response.get_data(as_text=True)
    assert session.scalar(select(Claim)) is None


def test_profile_offers_the_claim_link_to_non_members(client, session, make_user):
    enterprise = make_enterprise(session, SIRET)
    link = claim_url()
    assert link not in client.get(f"/entreprises/{SIRET}").get_data(as_text=True)
    sign_in(client, make_user("user"))
    page = client.get(f"/entreprises/{SIRET}").get_data(as_text=True)
    assert link in page and "Revendiquer cette fiche" in page
    sign_in(client, make_user("enterprise", enterprise=enterprise))
    assert link not in client.get(f"/entreprises/{SIRET}").get_data(as_text=True)


def test_reminders_then_escalation(runner, session, make_user):
    network = first_network(session)
    enterprise = make_enterprise(session, SIRET, networks=[network])
    facilitator = make_user("facilitator", network=network)
    admin = make_user("admin")
    user = make_user("user")
    old = Claim(
        enterprise=enterprise,
        user=user,
        method="facilitator",
        created_at=datetime.now(UTC) - timedelta(days=5),
    )
    recent = Claim(
        enterprise=make_enterprise(session, OTHER_SIRET),
        user=user,
        method="administrator",
    )
    session.add_all([old, recent])
    session.commit()

    result = runner.invoke(args=["claims", "remind", "--after-days", "3", "--max", "1"])
    assert result.exit_code == 0, result.output
    assert "1 reminded, 0 escalated" in result.output
    [reminder] = outbox()
    assert reminder.recipients == [facilitator.email]
    assert "Rappel" in reminder.subject
    session.refresh(old)
    session.refresh(recent)
    assert (old.reminders_sent, recent.reminders_sent) == (1, 0)

    # Nothing new before another period has passed.
    runner.invoke(args=["claims", "remind", "--after-days", "3", "--max", "1"])
    assert len(outbox()) == 1

    old.last_reminded_at = datetime.now(UTC) - timedelta(days=4)
    session.commit()
    result = runner.invoke(args=["claims", "remind", "--after-days", "3", "--max", "1"])
    assert "0 reminded, 1 escalated" in result.output
    assert outbox()[-1].recipients == [admin.email]
    session.refresh(old)
    assert old.reminders_sent == 2
    assert actions(session, enterprise) == ["claim_reminder", "claim_escalated"]
