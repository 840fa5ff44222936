"""Regression tests for the security and correctness review of the accounts, roles and
self-service code. Each test names the problem it guards against."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import (
    PASSWORD,
    csrf_token,
    make_enterprise,
    post_form,
    sign_in,
    submit_sign_in,
)
from webapp import mail
from webapp.models import (
    ApiToken,
    Capacity,
    Claim,
    ContactMessage,
    Enterprise,
    EnterpriseMembership,
    InterventionZone,
    Label,
    LabelDeclaration,
    Network,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
    User,
)

KEPT = "73282932000074"
DUPLICATE = "35600000000048"
LISTS = "/espace/acheteur/listes"


# --- Open redirect after sign-in ------------------------------------------------------------


def test_login_next_with_control_characters_does_not_leave_the_site(client, make_user):
    """Browsers drop tabs and newlines from URLs: "/\\t/evil.example" becomes
    "//evil.example", another site."""
    user = make_user("user")
    for target in ("/\t/evil.example", "/\r/evil.example", "/ /evil.example"):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        response = submit_sign_in(client, user.email, query_string={"next": target})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "evil.example" not in location, (target, location)
        client.post("/compte/deconnexion", data={"csrf_token": csrf_token(client, "/compte/")})


def test_login_next_with_a_newline_is_not_a_server_error(client, make_user):
    """A newline in the Location header made Werkzeug raise (500) after signing in."""
    user = make_user("user")
    response = submit_sign_in(client, user.email, query_string={"next": "/\n/evil.example"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_login_next_backslash_anywhere_is_refused(client, make_user):
    user = make_user("user")
    response = submit_sign_in(client, user.email, query_string={"next": "/\\\\evil.example"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


# --- Timing: registering an existing address --------------------------------------------------


def test_registering_an_existing_address_hashes_a_password_too(client, make_user, monkeypatch):
    """A new address costs a scrypt hash; an existing one must cost the same, or the
    response time tells which addresses have an account."""
    from webapp.auth import services

    existing = make_user("user")
    calls = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda p: calls.append(p) or real(p))
    response = post_form(
        client,
        "/compte/inscription",
        {
            "full_name": "Quelqu'un",
            "email": existing.email,
            "password": "0123456789abc",
            "password_again": "0123456789abc",
            "account_kind": "other",
        },
        "/compte/inscription",
    )
    assert response.status_code == 302
    assert len(calls) == 1


# --- E-mail subjects built from user text -----------------------------------------------------


def test_mail_subject_never_carries_a_newline(app, session):
    with app.test_request_context():
        message = mail.send(
            ["a@example.org"],
            "Bonjour\r\nBcc: victim@example.org",
            "contact",
            enterprise=None,
            sender=None,
            message=None,
            profile_url="",
        )
    assert "\n" not in message.subject and "\r" not in message.subject
    assert not message.has_bad_headers()


def test_contact_subject_with_a_newline_is_sent_on_one_line(client, session, make_user):
    enterprise = make_enterprise(session, KEPT, contact_email="contact@atelier.fr")
    buyer = make_user("buyer")
    sign_in(client, buyer)
    path = f"/entreprises/{enterprise.siret}/contact"
    response = post_form(
        client,
        path,
        {"subject": "Devis\nBcc: victim@example.org", "message": "Bonjour, " + "x" * 30},
        path,
    )
    assert response.status_code == 302
    (sent,) = mail.outbox()
    assert "\n" not in sent.subject
    assert not sent.has_bad_headers()


def test_enterprise_name_with_a_newline_does_not_break_claim_mail(client, session, make_user):
    enterprise = make_enterprise(session, KEPT, name="Atelier\nBcc: victim@example.org")
    make_user("admin")
    sign_in(client, make_user("user"))
    path = f"/entreprises/{enterprise.siret}/revendiquer"
    response = post_form(client, path, {"message": "Je suis la gérante"}, path)
    assert response.status_code == 302
    assert mail.outbox() and all(not m.has_bad_headers() for m in mail.outbox())


# --- NUL characters (PostgreSQL refuses them in text: a 500) ---------------------------------


def test_nul_in_login_email_is_not_a_server_error(client, session, make_user):
    make_user("user")
    response = client.post(
        "/compte/connexion",
        data={"csrf_token": csrf_token(client), "email": "a\x00@example.org", "password": "x"},
    )
    assert response.status_code in (400, 401)


def test_nul_in_registration_name_is_not_stored(client, session):
    response = post_form(
        client,
        "/compte/inscription",
        {
            "full_name": "Camille\x00 Durand",
            "email": "camille@ville.example",
            "password": "0123456789abc",
            "password_again": "0123456789abc",
            "account_kind": "buyer",
            "organisation_name": "Ville\x00 de X",
            "buyer_type": "pouvoir_adjudicateur",
        },
        "/compte/inscription",
    )
    assert response.status_code in (302, 400)
    user = session.scalar(select(User).where(User.email == "camille@ville.example"))
    if user is not None:
        assert "\x00" not in user.full_name
        assert all("\x00" not in o.name for o in user.organisations)


def test_nul_in_buyer_forms_is_not_stored(client, session, make_user):
    enterprise = make_enterprise(session, KEPT, contact_email="contact@atelier.fr")
    buyer = make_user("buyer")
    sign_in(client, buyer)
    assert post_form(client, f"{LISTS}/nouvelle", {"name": "Trai\x00teurs"}, LISTS).status_code in (
        302,
        400,
    )
    post_form(
        client,
        f"/entreprises/{enterprise.siret}/ajouter-a-une-liste",
        {"liste-shortlist": "new", "liste-new_name": "Nou\x00velle"},
        LISTS,
    )
    for shortlist in session.scalars(select(Shortlist)):
        assert "\x00" not in shortlist.name
    entry = session.scalar(select(ShortlistEntry))
    post_form(
        client,
        f"{LISTS}/{entry.shortlist_id}/entreprises/{entry.id}/note",
        {f"e{entry.id}-note": "No\x00te"},
        LISTS,
    )
    session.expire_all()
    assert "\x00" not in (session.get(ShortlistEntry, entry.id).note or "")
    path = f"/entreprises/{enterprise.siret}/contact"
    post_form(client, path, {"subject": "De\x00vis", "message": "Bonjour\x00 " + "x" * 30}, path)
    for message in session.scalars(select(ContactMessage)):
        assert "\x00" not in message.subject and "\x00" not in message.body
    post_form(
        client,
        "/espace/recherches/nouvelle",
        {"name": "Re\x00cherche", "query_string": ""},
        "/espace/recherches",
    )
    post_form(
        client,
        "/espace/recherches/nouvelle",
        {"name": "", "query_string": "q=Tra%00iteur"},
        "/espace/recherches",
    )
    searches = session.scalars(select(SavedSearch)).all()
    assert searches
    for search in searches:
        assert "\x00" not in search.name


def test_nul_in_token_name_is_not_stored(client, session, make_user):
    sign_in(client, make_user("user"))
    response = post_form(
        client, "/compte/jetons", {"name": "Scr\x00ipt", "scopes": "read"}, "/compte/jetons"
    )
    assert response.status_code in (200, 400)
    for token in session.scalars(select(ApiToken)):
        assert "\x00" not in token.name


def test_nul_in_claim_message_is_not_stored(client, session, make_user):
    enterprise = make_enterprise(session, KEPT)
    make_user("admin")
    sign_in(client, make_user("user"))
    path = f"/entreprises/{enterprise.siret}/revendiquer"
    response = post_form(client, path, {"message": "Gé\x00rante"}, path)
    assert response.status_code in (302, 400)
    for claim in session.scalars(select(Claim)):
        assert "\x00" not in (claim.message or "")


def test_nul_in_network_slug_or_admin_search_is_not_a_server_error(client, session, make_user):
    sign_in(client, make_user("admin"))
    assert client.get("/espace/reseaux/a%00b/").status_code == 404
    assert client.get("/admin/utilisateurs", query_string={"q": "a\x00b"}).status_code == 200
    response = client.get(
        "/admin/journal", query_string={"actor": "\x00", "action": "\x00", "siret": "\x00"}
    )
    assert response.status_code == 200


# --- Merging duplicates -----------------------------------------------------------------------


def _merge(client, session, make_user):
    sign_in(client, make_user("admin"))
    return post_form(
        client,
        "/admin/fusion",
        {"kept": KEPT, "duplicate": DUPLICATE, "step": "merge"},
        "/admin/fusion",
    )


def test_merge_of_enterprises_sharing_list_label_network_and_member(client, session, make_user):
    """Both in the same shortlist, both declaring the same label, both in the same
    network, one person managing both: the merge unites them without breaking a unique
    constraint, and the duplicate's shortlist note is not lost."""
    network = session.scalars(select(Network).order_by(Network.id)).first()
    esus = session.scalar(select(Label).where(Label.slug == "esus"))
    kept = make_enterprise(session, KEPT, networks=[network], labels=[esus])
    duplicate = make_enterprise(session, DUPLICATE, networks=[network], labels=[esus])
    person = make_user("enterprise", enterprise=kept)
    session.add(EnterpriseMembership(user=person, enterprise=duplicate))
    buyer = make_user("buyer")
    shortlist = Shortlist(owner=buyer, name="Traiteurs")
    session.add_all(
        [
            shortlist,
            ShortlistEntry(shortlist=shortlist, enterprise=kept),
            ShortlistEntry(shortlist=shortlist, enterprise=duplicate, note="Très réactifs"),
            LabelDeclaration(enterprise=kept, label=esus, verified=False),
            LabelDeclaration(enterprise=duplicate, label=esus, verified=True),
        ]
    )
    session.commit()

    response = _merge(client, session, make_user)

    assert response.status_code == 302
    session.expire_all()
    kept = session.scalar(select(Enterprise).where(Enterprise.siret == KEPT))
    assert session.scalar(select(Enterprise).where(Enterprise.siret == DUPLICATE)) is None
    assert kept.networks == [network] and kept.labels == [esus]
    (declaration,) = session.scalars(select(LabelDeclaration)).all()
    assert declaration.enterprise_id == kept.id and declaration.verified
    (entry,) = session.scalars(select(ShortlistEntry)).all()
    assert entry.enterprise_id == kept.id
    assert "Très réactifs" in (entry.note or "")
    (membership,) = session.scalars(select(EnterpriseMembership)).all()
    assert membership.enterprise_id == kept.id


def test_merge_keeps_the_duplicates_capacity_and_zone_when_the_kept_one_has_none(
    client, session, make_user
):
    make_enterprise(session, KEPT)
    duplicate = make_enterprise(session, DUPLICATE)
    duplicate.capacity = Capacity(headcount_total=12, volumes="200 repas par jour")
    duplicate.zone = InterventionZone(kind="national")
    session.commit()

    response = _merge(client, session, make_user)

    assert response.status_code == 302
    session.expire_all()
    kept = session.scalar(select(Enterprise).where(Enterprise.siret == KEPT))
    assert kept.capacity is not None and kept.capacity.headcount_total == 12
    assert kept.zone is not None and kept.zone.kind == "national"


# --- A facilitator's member import and other people's enterprises ----------------------------


def test_facilitator_import_does_not_rewrite_an_enterprise_managed_outside_the_network(
    client, session, make_user
):
    """A member list names any SIRET: an enterprise whose own people manage its profile,
    and which is not in the facilitator's network, is neither rewritten nor joined to it
    (else the facilitator could deface it and route its claims to themselves)."""
    import io

    network = session.scalars(select(Network).order_by(Network.id)).first()
    managed = make_enterprise(
        session,
        KEPT,
        name="Nom choisi",
        website="https://atelier.fr",
        post_code="93230",
        city="Romainville",
    )
    make_user("enterprise", enterprise=managed)
    sign_in(client, make_user("facilitator", network=network))
    path = f"/espace/reseaux/{network.slug}/importer"
    content = (
        "siret,name,post_code,city,website\n"
        f"{KEPT},Nom imposé,93230,Romainville,https://pirate.example\n"
    ).encode()
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "kind": "EA",
            "file": (io.BytesIO(content), "membres.csv"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    assert "Rejetées : 1" in response.get_data(as_text=True)
    session.expire_all()
    managed = session.scalar(select(Enterprise).where(Enterprise.siret == KEPT))
    assert managed.name == "Nom choisi" and managed.website == "https://atelier.fr"
    assert network not in managed.networks


def test_a_website_set_by_a_person_does_not_approve_a_claim_by_domain(session, make_user):
    """A facilitator's import (or an admin) could set an unclaimed enterprise's website to
    their own domain, then claim it with an address there: such a website proves nothing."""
    from webapp.claims.services import submit_claim
    from webapp.services import audit

    trusted = make_enterprise(session, "73282932000074", website="https://jardins.example")
    planted = make_enterprise(session, "44306184100013", website="https://planted.example")
    audit.record(
        session,
        planted,
        "user:7 facilitator@x.example",
        "import",
        {"website": [None, "https://planted.example"]},
    )
    session.commit()
    assert (
        submit_claim(session, make_user("user", email="a@jardins.example"), trusted, None).method
        == "email_domain"
    )
    claim = submit_claim(session, make_user("user", email="b@planted.example"), planted, None)
    assert claim.method != "email_domain" and claim.status == "pending"


def test_registering_with_an_existing_buyer_siret_does_not_join_it(client, session, make_user):
    """Members of a buyer organisation publish its intentions: typing its SIRET at
    registration asks the administrators; only they attach the person."""
    from webapp.models import BuyerMembership, BuyerOrganisation, User

    admin = make_user("admin")
    region = BuyerOrganisation(
        name="Région Exemple",
        siret="23590001600009",
        buyer_type="pouvoir_adjudicateur",
        kind="region",
    )
    session.add(region)
    session.commit()
    response = post_form(
        client,
        "/compte/inscription",
        {
            "full_name": "Intrus",
            "email": "intrus@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "account_kind": "buyer",
            "organisation_name": "Région Exemple",
            "organisation_siret": "235 900 016 00009",
            "buyer_type": "pouvoir_adjudicateur",
        },
        "/compte/inscription",
    )
    assert response.status_code == 302
    intruder = session.scalar(select(User).where(User.email == "intrus@example.org"))
    assert intruder.buyer_memberships == []
    assert [m.recipients for m in mail.outbox() if "rattachement" in m.subject] == [[admin.email]]

    sign_in(client, admin)
    post_form(
        client,
        f"/admin/utilisateurs/{intruder.id}/acheteur",
        {"siret": "23590001600009"},
        "/admin/utilisateurs",
    )
    session.expire_all()
    assert (
        session.scalar(
            select(BuyerMembership.organisation_id).where(BuyerMembership.user_id == intruder.id)
        )
        == region.id
    )
