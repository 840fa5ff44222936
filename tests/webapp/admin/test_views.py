"""Administration: access, users, claims, label verification, merges, the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.factories import make_enterprise, post_form, sign_in
from webapp.mail import outbox
from webapp.models import (
    AuditEvent,
    BuyerOrganisation,
    Claim,
    ClientReference,
    ContactMessage,
    Enterprise,
    EnterpriseMembership,
    EnterpriseSector,
    Label,
    LabelDeclaration,
    Network,
    NetworkFacilitator,
    Offer,
    SearchOutbox,
    Sector,
    Shortlist,
    ShortlistEntry,
    User,
)
from webapp.services import audit

KEPT = "73282932000074"
DUPLICATE = "35600000000048"
THIRD = "55208131766522"

PAGES = [
    "/admin/",
    "/admin/utilisateurs",
    "/admin/revendications",
    "/admin/labels",
    "/admin/fusion",
    "/admin/journal",
]


@pytest.mark.parametrize("role", ["user", "buyer", "enterprise", "facilitator"])
def test_non_admins_are_refused(client, session, make_user, role):
    sign_in(client, make_user(role))
    for path in PAGES:
        assert client.get(path).status_code == 403, path


def test_anonymous_is_sent_to_sign_in(client, session):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302
        assert "/compte/connexion" in response.headers["Location"]


def test_admin_sees_every_page_and_the_counts(client, session, make_user):
    enterprise = make_enterprise(session, KEPT)
    requester = make_user("user")
    session.add(Claim(enterprise=enterprise, user=requester, method="administrator"))
    session.commit()
    sign_in(client, make_user("admin"))
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    page = client.get("/admin/").get_data(as_text=True)
    assert "Revendications en attente</a> : 1" in page


def post(client, path: str, form_page: str = "/admin/", **data):
    return post_form(client, path, data, form_page)


def test_users_search_activate_admin_and_facilitator(client, session, make_user):
    admin = make_user("admin")
    target = make_user("user", email="camille@ville.fr")
    target.full_name = "Camille Durand"
    make_user("user", email="autre@exemple.fr")
    sign_in(client, admin)

    page = client.get("/admin/utilisateurs?q=durand").get_data(as_text=True)
    assert "camille@ville.fr" in page and "autre@exemple.fr" not in page

    version = target.session_version
    post(client, f"/admin/utilisateurs/{target.id}/actif")
    session.refresh(target)
    assert target.is_active_account is False and target.session_version == version + 1
    post(client, f"/admin/utilisateurs/{target.id}/actif")
    session.refresh(target)
    assert target.is_active_account is True

    post(client, f"/admin/utilisateurs/{target.id}/admin")
    session.refresh(target)
    assert target.is_admin is True

    network = session.scalars(select(Network).order_by(Network.id)).first()
    post(client, f"/admin/utilisateurs/{target.id}/animateur", network=network.slug)
    role = session.scalar(select(NetworkFacilitator).where(NetworkFacilitator.user_id == target.id))
    assert role.network_id == network.id
    assert (
        post(
            client, f"/admin/utilisateurs/{target.id}/animateur", network="pas-un-reseau"
        ).status_code
        == 400
    )
    post(client, f"/admin/utilisateurs/{target.id}/animateur/{network.id}/retirer")
    assert session.scalar(select(func.count()).select_from(NetworkFacilitator)) == 0

    # An administrator cannot lock themselves out; a missing CSRF token changes nothing.
    post(client, f"/admin/utilisateurs/{admin.id}/actif")
    post(client, f"/admin/utilisateurs/{admin.id}/admin")
    session.refresh(admin)
    assert admin.is_active_account and admin.is_admin
    assert client.post(f"/admin/utilisateurs/{target.id}/admin").status_code == 400
    assert client.post("/admin/utilisateurs/999999/admin").status_code in (400, 404)


def test_admin_decides_pending_claims(client, session, make_user):
    enterprise = make_enterprise(session, KEPT)
    requester = make_user("user")
    claim = Claim(enterprise=enterprise, user=requester, method="administrator")
    session.add(claim)
    session.commit()
    sign_in(client, make_user("admin"))
    page = client.get("/admin/revendications").get_data(as_text=True)
    assert requester.email in page

    response = post(client, f"/admin/revendications/{claim.id}", decision="approve")

    assert response.status_code == 302
    session.refresh(claim)
    assert claim.status == "approved"
    assert session.scalar(
        select(EnterpriseMembership).where(EnterpriseMembership.user_id == requester.id)
    )
    assert outbox()[-1].recipients == [requester.email]
    assert post(client, f"/admin/revendications/{claim.id}", decision="x").status_code == 400


def test_label_verification_and_refusal(client, session, make_user, search_backend):
    enterprise = make_enterprise(session, KEPT)
    member = make_user("enterprise", enterprise=enterprise)
    esus, rge = (session.scalar(select(Label).where(Label.slug == s)) for s in ("esus", "rge"))
    good = LabelDeclaration(enterprise=enterprise, label=esus, evidence_url="https://x.fr/a.pdf")
    bad = LabelDeclaration(enterprise=enterprise, label=rge)
    session.add_all([good, bad])
    session.commit()
    admin = make_user("admin")
    sign_in(client, admin)
    page = client.get("/admin/labels").get_data(as_text=True)
    assert "ESUS" in page and "https://x.fr/a.pdf" in page

    post(client, f"/admin/labels/{good.id}", decision="approve")
    post(client, f"/admin/labels/{bad.id}", decision="refuse")

    session.expire_all()
    assert good.verified and good.verified_by_id == admin.id and good.verified_at is not None
    assert [label.slug for label in enterprise.labels] == ["esus"]
    assert session.get(LabelDeclaration, bad.id) is None
    events = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.enterprise_id == enterprise.id)
        .order_by(AuditEvent.id)
    ).all()
    assert events == ["label_verified", "label_refused"]
    assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert [m.recipients for m in outbox()] == [[member.email], [member.email]]


def test_merge_moves_everything_and_deletes_the_duplicate(
    client, session, make_user, search_backend
):
    network = session.scalars(select(Network).order_by(Network.id)).first()
    esus = session.scalar(select(Label).where(Label.slug == "esus"))
    sector_a, sector_b = session.scalars(select(Sector).order_by(Sector.id).limit(2))
    kept = make_enterprise(session, KEPT, name="Atelier (fiche gardée)")
    duplicate = make_enterprise(
        session, DUPLICATE, name="Atelier (doublon)", networks=[network], labels=[esus]
    )
    kept_member = make_user("enterprise", enterprise=kept)
    dup_member = make_user("enterprise", enterprise=duplicate)
    both = make_user("enterprise", enterprise=kept)
    session.add(EnterpriseMembership(user=both, enterprise=duplicate))
    buyer = make_user("buyer")
    claimant = make_user("user")
    shortlist = Shortlist(owner=buyer, name="Traiteurs")
    with session.no_autoflush:
        session.add_all(
            [
                Offer(enterprise=duplicate, title="Traiteur"),
                ClientReference(enterprise=duplicate, client_name="Ville de Lyon"),
                LabelDeclaration(enterprise=duplicate, label=esus, verified=True),
                Claim(enterprise=duplicate, user=claimant, method="members"),
                ShortlistEntry(shortlist=shortlist, enterprise=duplicate),
                ContactMessage(enterprise=duplicate, sender=buyer, subject="Devis", body="Bonjour"),
                EnterpriseSector(
                    enterprise=kept,
                    sector_id=sector_a.id,
                    source="naf",
                    confidence=0.5,
                    status="suggested",
                ),
                EnterpriseSector(
                    enterprise=duplicate,
                    sector_id=sector_a.id,
                    source="naf",
                    confidence=0.5,
                    status="confirmed",
                ),
                EnterpriseSector(
                    enterprise=duplicate,
                    sector_id=sector_b.id,
                    source="declared",
                    confidence=1.0,
                    status="confirmed",
                ),
            ]
        )
    audit.record(session, duplicate, "test", "create", {"name": "x"})
    session.commit()
    duplicate_id = duplicate.id
    admin = make_user("admin")
    sign_in(client, admin)

    preview = post(
        client, "/admin/fusion", "/admin/fusion", kept=KEPT, duplicate=DUPLICATE, step="preview"
    )
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Fusionner et supprimer le doublon" in text
    assert session.get(Enterprise, duplicate_id) is not None  # a preview changes nothing

    response = post(
        client, "/admin/fusion", "/admin/fusion", kept=KEPT, duplicate=DUPLICATE, step="merge"
    )

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Enterprise, duplicate_id) is None
    kept = session.scalar(select(Enterprise).where(Enterprise.siret == KEPT))
    assert [o.title for o in kept.offers] == ["Traiteur"]
    assert [r.client_name for r in kept.client_references] == ["Ville de Lyon"]
    assert kept.networks == [network] and kept.labels == [esus]
    members = session.scalars(
        select(EnterpriseMembership.user_id).where(EnterpriseMembership.enterprise_id == kept.id)
    ).all()
    assert sorted(members) == sorted([kept_member.id, dup_member.id, both.id])
    assert session.scalar(select(LabelDeclaration.enterprise_id)) == kept.id
    assert session.scalar(select(Claim.enterprise_id)) == kept.id
    assert session.scalar(select(ShortlistEntry.enterprise_id)) == kept.id
    assert session.scalar(select(ContactMessage.enterprise_id)) == kept.id
    sectors = {(s.sector_id, s.status) for s in kept.sectors}
    assert sectors == {(sector_a.id, "confirmed"), (sector_b.id, "confirmed")}
    merge_event = session.scalar(select(AuditEvent).where(AuditEvent.action == "merge"))
    assert merge_event.enterprise_id == kept.id
    assert merge_event.changes["merged_siret"] == DUPLICATE
    assert merge_event.changes["offers"] == 1
    # The duplicate's own trail outlives it, by SIRET.
    old = session.scalar(select(AuditEvent).where(AuditEvent.siret == DUPLICATE))
    assert old.action == "create" and old.enterprise_id is None
    # Both reached the index: the kept one indexed, the duplicate removed.
    assert session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert search_backend.count() == 1


def test_merge_refuses_bad_input(client, session, make_user):
    make_enterprise(session, KEPT)
    sign_in(client, make_user("admin"))
    response = post(
        client, "/admin/fusion", "/admin/fusion", kept=KEPT, duplicate=KEPT, step="merge"
    )
    assert response.status_code == 400
    assert "deux fiches différentes" in response.get_data(as_text=True)
    response = post(
        client, "/admin/fusion", "/admin/fusion", kept=KEPT, duplicate=THIRD, step="merge"
    )
    assert response.status_code == 400
    assert "Aucune entreprise n&#39;a ce SIRET" in response.get_data(as_text=True)
    response = post(client, "/admin/fusion", "/admin/fusion", kept="123", duplicate=KEPT)
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 1


def test_audit_trail_filters_and_pages(client, session, make_user):
    first = make_enterprise(session, KEPT)
    second = make_enterprise(session, DUPLICATE)
    for n in range(55):
        audit.record(session, first, "user:1 alice@x.fr", "update", {"n": n})
    audit.record(session, second, "import:asp", "create", {"name": "b"})
    session.commit()
    sign_in(client, make_user("admin"))

    page = client.get(f"/admin/journal?siret={DUPLICATE}").get_data(as_text=True)
    assert "import:asp" in page and "alice@x.fr" not in page
    page = client.get("/admin/journal?actor=ALICE&action=update").get_data(as_text=True)
    assert "55 événement(s)" in page and "import:asp" not in page
    assert "actor=ALICE" in page and "page=2" in page  # filters kept across pages
    page2 = client.get("/admin/journal?actor=alice&page=2").get_data(as_text=True)
    assert page2.count("alice@x.fr") == 5
    page = client.get("/admin/journal?action=create").get_data(as_text=True)
    assert "1 événement(s)" in page
    assert client.get("/admin/journal?page=999").status_code == 200
    assert client.get("/admin/journal?page=abc").status_code == 200


def test_utc_dates_render(client, session, make_user):
    """A declaration's date shows on the label page whatever the database returns."""
    enterprise = make_enterprise(session, KEPT)
    label = session.scalars(select(Label)).first()
    session.add(
        LabelDeclaration(
            enterprise=enterprise, label=label, created_at=datetime(2025, 3, 4, tzinfo=UTC)
        )
    )
    session.commit()
    sign_in(client, make_user("admin"))
    assert "04/03/2025" in client.get("/admin/labels").get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User)) == 1


def _account_events(session, user) -> list[AuditEvent]:
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target == f"user:{user.id} {user.email}")
        .order_by(AuditEvent.id)
    ).all()


def test_a_role_change_leaves_an_audit_entry_naming_actor_target_before_and_after(
    client, session, make_user
):
    admin = make_user("admin")
    target = make_user("user", email="camille@ville.fr")
    sign_in(client, admin)

    post(client, f"/admin/utilisateurs/{target.id}/admin")
    [granted] = _account_events(session, target)
    assert granted.actor == f"user:{admin.id} {admin.email}"
    assert granted.action == "admin_grant" and granted.siret is None
    assert granted.changes == {"is_admin": [False, True]}

    post(client, f"/admin/utilisateurs/{target.id}/admin")
    post(client, f"/admin/utilisateurs/{target.id}/actif")
    network = session.scalars(select(Network).order_by(Network.id)).first()
    post(client, f"/admin/utilisateurs/{target.id}/animateur", network=network.slug)
    post(client, f"/admin/utilisateurs/{target.id}/animateur", network=network.slug)  # again
    organisation = BuyerOrganisation(
        name="Ville de Roubaix", siret=THIRD, buyer_type="pouvoir_adjudicateur"
    )
    session.add(organisation)
    session.commit()
    post(client, f"/admin/utilisateurs/{target.id}/acheteur", siret=organisation.siret)
    post(client, f"/admin/utilisateurs/{target.id}/animateur/{network.id}/retirer")
    events = [(e.action, e.changes) for e in _account_events(session, target)[1:]]
    assert events == [
        ("admin_revoke", {"is_admin": [True, False]}),
        ("account_deactivate", {"is_active_account": [True, False]}),
        ("facilitator_add", {"networks": [[], [network.slug]]}),  # once: the second was no change
        ("buyer_attach", {"organisations": [[], [f"{THIRD} Ville de Roubaix"]]}),
        ("facilitator_remove", {"networks": [[network.slug], []]}),
    ]

    # Refused on one's own account: nothing changes, nothing is recorded.
    post(client, f"/admin/utilisateurs/{admin.id}/admin")
    assert _account_events(session, admin) == []

    journal = client.get("/admin/journal?action=admin_grant").get_data(as_text=True)
    assert f"user:{target.id} camille@ville.fr" in journal
