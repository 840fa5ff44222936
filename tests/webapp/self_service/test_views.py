"""Enterprise self-service pages: who may use them, and what each section saves."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import IN_LILLE, csrf_token, make_enterprise, post_form, sign_in
from webapp.models import (
    AuditEvent,
    ClientReference,
    EnterpriseSector,
    InterventionZone,
    Label,
    LabelDeclaration,
    Network,
    NetworkMembershipRequest,
    Offer,
    Sector,
    ZoneDivision,
)

SIRET = "73282932000074"
OTHER_SIRET = "80746931700018"
BASE = f"/espace/entreprises/{SIRET}"
OTHER_BASE = f"/espace/entreprises/{OTHER_SIRET}"

GET_PAGES = [
    "/",
    "/identite",
    "/presentation",
    "/offres",
    "/offres/nouvelle",
    "/zone",
    "/zone/divisions?q=Nord",
    "/capacite",
    "/labels",
    "/reseaux",
    "/references",
    "/references/nouvelle",
    "/secteurs",
]


@pytest.fixture
def enterprise(session):
    return make_enterprise(
        session,
        SIRET,
        name="Les Jardins du Nord",
        **IN_LILLE,
    )


@pytest.fixture
def member(make_user, enterprise):
    return make_user("enterprise", enterprise=enterprise)


@pytest.fixture
def signed_in(client, member):
    sign_in(client, member)
    return client


def post(client, path: str, data: dict | None = None, token_page: str | None = None):
    """POST ``data`` to ``BASE + path`` with a valid CSRF token."""
    return post_form(client, BASE + path, data, BASE + (token_page or "/identite"))


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-erreur"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error shown for {field_id}"
    return match.group(1)


IDENTITY = {
    "name": "Les Jardins du Nord",
    "brand": "",
    "legal_form": "Association",
    "address": "3 rue des Arts",
    "post_code": "59000",
    "city": "Lille",
    "website": "",
    "contact_name": "",
    "contact_email": "",
    "contact_phone": "",
}


# --- Access ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GET_PAGES)
def test_a_member_opens_every_page(signed_in, path):
    assert signed_in.get(BASE + path).status_code == 200


@pytest.mark.parametrize("path", ["/", "/identite", "/zone/divisions?q=Nord"])
def test_anonymous_visitors_are_sent_to_sign_in(client, enterprise, path):
    response = client.get(BASE + path)
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize("role", ["user", "buyer", "facilitator"])
def test_people_without_an_enterprise_are_refused(client, make_user, enterprise, role):
    sign_in(client, make_user(role))
    assert client.get(BASE + "/").status_code == 403


@pytest.mark.parametrize("path", GET_PAGES)
def test_a_member_cannot_open_another_enterprises_pages(signed_in, session, path):
    make_enterprise(session, OTHER_SIRET)
    assert signed_in.get(OTHER_BASE + path).status_code == 403


def test_a_member_cannot_change_another_enterprise(signed_in, session):
    other = make_enterprise(session, OTHER_SIRET, description="Original")
    offer = Offer(enterprise=other, title="Nettoyage", presta_type="service")
    session.add(offer)
    session.commit()
    token = csrf_token(signed_in, BASE + "/presentation")
    for path, data in [
        ("/presentation", {"description": "Piraté"}),
        ("/identite", IDENTITY | {"name": "Piraté"}),
        (f"/offres/{offer.id}", {"title": "Piraté", "presta_type": "service", "sector": ""}),
        (f"/offres/{offer.id}/supprimer", {}),
        ("/zone", {"kind": "national"}),
    ]:
        response = signed_in.post(OTHER_BASE + path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
    session.expire_all()
    assert other.description == "Original" and other.name == f"Entreprise {OTHER_SIRET}"
    assert [o.title for o in other.offers] == ["Nettoyage"] and other.zone is None


def test_an_offer_of_another_enterprise_is_not_found_through_ones_own(signed_in, session):
    other = make_enterprise(session, OTHER_SIRET)
    offer = Offer(enterprise=other, title="Nettoyage", presta_type="service")
    session.add(offer)
    session.commit()
    assert signed_in.get(f"{BASE}/offres/{offer.id}").status_code == 404
    assert post(signed_in, f"/offres/{offer.id}/supprimer").status_code == 404
    assert session.get(Offer, offer.id) is not None


def test_an_administrator_manages_any_enterprise(client, make_user, enterprise):
    sign_in(client, make_user("admin"))
    assert client.get(BASE + "/").status_code == 200


def test_an_unknown_siret_is_a_404(signed_in):
    assert signed_in.get("/espace/entreprises/35600000000048/").status_code in (403, 404)
    assert signed_in.get("/espace/entreprises/pas-un-siret/").status_code in (403, 404)


def test_an_admin_gets_404_for_an_unknown_siret(client, make_user):
    sign_in(client, make_user("admin"))
    assert client.get("/espace/entreprises/35600000000048/").status_code == 404


def test_a_post_without_csrf_token_is_refused(signed_in, enterprise, session):
    response = signed_in.post(BASE + "/presentation", data={"description": "Sans jeton"})
    assert response.status_code == 400
    session.expire_all()
    assert enterprise.description is None


def test_every_self_service_view_declares_the_manage_action(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("self_service.")
    }
    assert len(endpoints) >= 18
    for endpoint in endpoints:
        assert app.view_functions[endpoint].permission == "manage_enterprise", endpoint


# --- Dashboard ---------------------------------------------------------------------------


def test_dashboard_shows_score_next_step_sections_and_history(signed_in, session, enterprise):
    post(signed_in, "/presentation", {"description": "Nous jardinons."})
    html = signed_in.get(BASE + "/").get_data(as_text=True)
    assert "Fiche complète à 10 %" in html
    assert "Confirmez ou ajoutez vos secteurs d&#39;activité" in html
    for endpoint in (
        "/identite",
        "/offres",
        "/zone",
        "/capacite",
        "/labels",
        "/reseaux",
        "/references",
        "/secteurs",
        "/presentation",
    ):
        assert f'href="{BASE}{endpoint}"' in html
    assert "Présentation modifiée" in html
    assert 'aria-current="page"' in html


def test_the_account_page_links_to_the_dashboard(signed_in):
    html = signed_in.get("/compte/").get_data(as_text=True)
    assert f'href="{BASE}/"' in html


# --- Identity ----------------------------------------------------------------------------


def test_identity_saves_fields_and_audits(signed_in, session, enterprise, member):
    response = post(
        signed_in,
        "/identite",
        IDENTITY
        | {
            "brand": "Jardins Nord",
            "website": "https://jardins.example.org",
            "contact_name": "Camille Martin",
            "contact_email": "camille@jardins.example.org",
            "contact_phone": "03 20 00 00 00",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert (enterprise.brand, enterprise.website) == ("Jardins Nord", "https://jardins.example.org")
    assert enterprise.contact_email == "camille@jardins.example.org"
    assert enterprise.siret == SIRET and enterprise.kind == "EI"
    [event] = events(session, "identity")
    assert event.changes["brand"] == [None, "Jardins Nord"]
    assert event.actor == f"user:{member.id} {member.email}"


def test_identity_ignores_siret_and_kind(signed_in, session, enterprise):
    post(signed_in, "/identite", IDENTITY | {"siret": OTHER_SIRET, "kind": "ESAT"})
    session.expire_all()
    assert (enterprise.siret, enterprise.kind) == (SIRET, "EI")


def test_a_new_city_is_resolved_to_its_commune(signed_in, session, enterprise):
    response = post(signed_in, "/identite", IDENTITY | {"post_code": "59800", "city": "Lille"})
    assert response.status_code == 302
    response = post(signed_in, "/identite", IDENTITY | {"post_code": "62000", "city": "Arras"})
    assert response.status_code == 302
    session.expire_all()
    assert (enterprise.commune_insee, enterprise.departement_code) == ("62041", "62")
    assert enterprise.latitude == pytest.approx(50.29, abs=0.05)
    [_, moved] = sorted(events(session, "identity"), key=lambda e: e.id)
    assert moved.changes["commune_insee"] == ["59350", "62041"]


def test_an_unknown_commune_is_a_field_error(signed_in, session, enterprise):
    response = post(signed_in, "/identite", IDENTITY | {"post_code": "59000", "city": "Atlantide"})
    assert response.status_code == 400
    assert "Aucune commune de ce nom" in field_error(response.get_data(as_text=True), "city")
    session.expire_all()
    assert (enterprise.city, enterprise.commune_insee) == ("Lille", "59350")
    assert events(session, "identity") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("post_code", "5900"),
        ("website", "javascript:alert(1)"),
        ("contact_email", "pas-une-adresse"),
        ("contact_phone", "appelez-moi"),
        ("name", "x" * 300),
    ],
)
def test_invalid_identity_is_a_400_with_the_field_error(
    signed_in, session, enterprise, field, value
):
    response = post(signed_in, "/identite", IDENTITY | {field: value})
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), field)
    assert events(session, "identity") == []


# --- Description -------------------------------------------------------------------------


def test_description_is_saved_and_shown_as_safe_markdown(signed_in, client, session, enterprise):
    text = "## Nos métiers\n\n**Maraîchage** bio <script>alert(1)</script> [x](javascript:alert(2))"
    assert post(signed_in, "/presentation", {"description": text}).status_code == 302
    session.expire_all()
    assert enterprise.description == text
    [event] = events(session, "description")
    assert event.changes["description"] == [None, text]
    html = client.get(f"/entreprises/{SIRET}").get_data(as_text=True)
    assert "<strong>Maraîchage</strong>" in html and "<h4>Nos métiers</h4>" in html
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html


def test_an_unchanged_description_records_nothing(signed_in, session, enterprise):
    post(signed_in, "/presentation", {"description": "Bonjour"})
    post(signed_in, "/presentation", {"description": "Bonjour"})
    assert len(events(session, "description")) == 1


def test_a_too_long_description_is_refused(signed_in, session, enterprise):
    response = post(signed_in, "/presentation", {"description": "a" * 10_001})
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), "description")


# --- Offers ------------------------------------------------------------------------------


def test_offers_are_created_edited_and_deleted(signed_in, session, enterprise):
    sector = session.scalars(select(Sector).order_by(Sector.id)).first()
    response = post(
        signed_in,
        "/offres/nouvelle",
        {
            "title": "Entretien d'espaces verts",
            "description": "Tonte, taille",
            "presta_type": "service",
            "sector": str(sector.id),
        },
    )
    assert response.status_code == 302
    [offer] = session.scalars(select(Offer).where(Offer.enterprise_id == enterprise.id)).all()
    assert (offer.title, offer.sector_id, offer.presta_type) == (
        "Entretien d'espaces verts",
        sector.id,
        "service",
    )
    assert "Entretien d&#39;espaces" in signed_in.get(f"{BASE}/offres").get_data(as_text=True)

    response = post(
        signed_in,
        f"/offres/{offer.id}",
        {
            "title": "Espaces verts",
            "description": "",
            "presta_type": "supply",
            "sector": "",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert (offer.title, offer.presta_type, offer.sector_id, offer.description) == (
        "Espaces verts",
        "supply",
        None,
        None,
    )
    [update] = events(session, "offer_update")
    assert update.changes["offer"][0]["title"] == "Entretien d'espaces verts"

    assert post(signed_in, f"/offres/{offer.id}/supprimer").status_code == 302
    session.expire_all()
    assert session.get(Offer, offer.id) is None
    assert [e.changes["offer"][1] for e in events(session, "offer_delete")] == [None]
    assert len(events(session, "offer_create")) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "presta_type": "service", "sector": ""}, "title"),
        ({"title": "Offre", "presta_type": "magie", "sector": ""}, "presta_type"),
        ({"title": "Offre", "presta_type": "service", "sector": "999999"}, "sector"),
        ({"title": "Offre", "presta_type": "service", "sector": "abc"}, "sector"),
    ],
)
def test_an_invalid_offer_is_a_400(signed_in, session, enterprise, data, field):
    response = post(signed_in, "/offres/nouvelle", data)
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), field)
    assert session.scalars(select(Offer)).all() == []


# --- Zone --------------------------------------------------------------------------------


def test_a_derived_zone_becomes_declared_divisions(signed_in, session, enterprise):
    session.add(
        InterventionZone(
            enterprise=enterprise, kind="national", derived=True, derivation="address_departement"
        )
    )
    session.commit()
    response = post(
        signed_in,
        "/zone",
        {
            "kind": "divisions",
            "divisions": "departement:59, commune:62041;region:32, dep:59",
            "radius_km": "",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    zone = enterprise.zone
    assert (zone.kind, zone.derived, zone.derivation) == ("divisions", False, None)
    assert {(d.division_type, d.code) for d in zone.divisions} == {
        ("departement", "59"),
        ("commune", "62041"),
        ("region", "32"),
    }
    [event] = events(session, "zone")
    assert event.changes["zone"][0]["derived"] is True
    assert signed_in.get(BASE + "/zone").get_data(as_text=True).count("departement:59") >= 1


def test_radius_and_national_zones(signed_in, session, enterprise):
    assert post(signed_in, "/zone", {"kind": "radius", "radius_km": "40"}).status_code == 302
    session.expire_all()
    assert (enterprise.zone.kind, enterprise.zone.radius_km) == ("radius", 40)
    assert post(signed_in, "/zone", {"kind": "national", "radius_km": "40"}).status_code == 302
    session.expire_all()
    assert (enterprise.zone.kind, enterprise.zone.radius_km) == ("national", None)
    assert session.scalars(select(ZoneDivision)).all() == []
    assert len(events(session, "zone")) == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "divisions", "divisions": ""}, "divisions"),
        ({"kind": "divisions", "divisions": "departement:999"}, "divisions"),
        ({"kind": "divisions", "divisions": "planete:terre"}, "divisions"),
        ({"kind": "divisions", "divisions": "59"}, "divisions"),
        ({"kind": "radius", "radius_km": ""}, "radius_km"),
        ({"kind": "radius", "radius_km": "0"}, "radius_km"),
        ({"kind": "radius", "radius_km": "5000"}, "radius_km"),
        ({"kind": "radius", "radius_km": "dix"}, "radius_km"),
        ({"kind": "lune"}, "kind"),
    ],
)
def test_an_invalid_zone_is_a_400(signed_in, session, enterprise, data, field):
    response = post(signed_in, "/zone", data)
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), field)
    session.expire_all()
    assert enterprise.zone is None


def test_a_radius_needs_a_located_address(signed_in, session, enterprise):
    enterprise.latitude = enterprise.longitude = None
    session.commit()
    response = post(signed_in, "/zone", {"kind": "radius", "radius_km": "30"})
    assert response.status_code == 400
    assert "pas localisée" in field_error(response.get_data(as_text=True), "radius_km")


def test_division_suggestions(signed_in):
    found = signed_in.get(BASE + "/zone/divisions?q=Nord").get_json()
    assert {"value": "departement:59", "label": "Département : Nord (59)"} in found
    by_code = signed_in.get(BASE + "/zone/divisions?q=59350").get_json()
    assert any(item["value"] == "commune:59350" for item in by_code)
    assert signed_in.get(BASE + "/zone/divisions?q=%25").get_json() == []
    assert signed_in.get(BASE + "/zone/divisions?q=a").get_json() == []


# --- Capacity ----------------------------------------------------------------------------


def test_capacity_is_saved(signed_in, session, enterprise):
    response = post(
        signed_in,
        "/capacite",
        {
            "headcount_total": "42",
            "headcount_inclusion": "30",
            "turnover_eur": "1200000",
            "turnover_year": "2023",
            "largest_contract_eur": "150000",
            "volumes": "200 repas/jour",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    c = enterprise.capacity
    assert (
        c.headcount_total,
        c.headcount_inclusion,
        c.turnover_eur,
        c.turnover_year,
        c.largest_contract_eur,
        c.volumes,
    ) == (42, 30, 1_200_000, 2023, 150_000, "200 repas/jour")
    [event] = events(session, "capacity")
    assert event.changes["headcount_total"] == [None, 42]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"headcount_total": "-1"}, "headcount_total"),
        ({"headcount_total": "10", "headcount_inclusion": "11"}, "headcount_inclusion"),
        ({"turnover_eur": "1000"}, "turnover_year"),
        ({"turnover_eur": "1000", "turnover_year": "3000"}, "turnover_year"),
        ({"largest_contract_eur": "1" + "0" * 15}, "largest_contract_eur"),
        ({"headcount_total": "beaucoup"}, "headcount_total"),
    ],
)
def test_invalid_capacity_is_a_400(signed_in, session, enterprise, data, field):
    response = post(signed_in, "/capacite", data)
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), field)
    session.expire_all()
    assert enterprise.capacity is None


# --- Labels and networks -----------------------------------------------------------------


def label(session, slug: str) -> Label:
    return session.scalar(select(Label).where(Label.slug == slug))


def test_a_declared_label_waits_for_verification(signed_in, session, enterprise):
    esus = label(session, "esus")
    response = post(
        signed_in,
        "/labels",
        {"label": str(esus.id), "evidence_url": "https://example.org/esus"},
        token_page="/labels",
    )
    assert response.status_code == 302
    [declaration] = session.scalars(select(LabelDeclaration)).all()
    assert (declaration.label_id, declaration.verified) == (esus.id, False)
    session.expire_all()
    assert enterprise.labels == []  # only an administrator's verification publishes it
    html = signed_in.get(BASE + "/labels").get_data(as_text=True)
    assert "en attente de vérification" in html
    assert len(events(session, "label_declare")) == 1

    # Declared once: it is no longer offered, and posting it again is a field error.
    again = post(signed_in, "/labels", {"label": str(esus.id)}, token_page="/labels")
    assert again.status_code == 400
    field_error(again.get_data(as_text=True), "label")


def test_withdrawing_a_verified_label_removes_it_from_the_profile(signed_in, session, enterprise):
    esus = label(session, "esus")
    declaration = LabelDeclaration(enterprise=enterprise, label=esus, verified=True)
    session.add(declaration)
    enterprise.labels.append(esus)
    session.commit()
    assert "vérifié" in signed_in.get(BASE + "/labels").get_data(as_text=True)
    response = post(signed_in, f"/labels/{declaration.id}/retirer", token_page="/labels")
    assert response.status_code == 302
    session.expire_all()
    assert enterprise.labels == [] and session.scalars(select(LabelDeclaration)).all() == []
    [event] = events(session, "label_withdraw")
    assert event.changes["labels"] == [["esus"], []]


def test_another_enterprises_label_declaration_cannot_be_withdrawn(signed_in, session):
    other = make_enterprise(session, OTHER_SIRET)
    declaration = LabelDeclaration(enterprise=other, label=label(session, "esus"))
    session.add(declaration)
    session.commit()
    assert post(signed_in, f"/labels/{declaration.id}/retirer").status_code == 404
    assert session.get(LabelDeclaration, declaration.id) is not None


def network(session, slug: str) -> Network:
    return session.scalar(select(Network).where(Network.slug == slug))


def test_network_membership_is_requested_once_then_left(signed_in, session, enterprise):
    coorace = network(session, "coorace")
    response = post(signed_in, "/reseaux", {"network": str(coorace.id)}, token_page="/reseaux")
    assert response.status_code == 302
    [request] = session.scalars(select(NetworkMembershipRequest)).all()
    assert (request.status, request.network_id) == ("pending", coorace.id)
    assert enterprise.networks == []
    again = post(signed_in, "/reseaux", {"network": str(coorace.id)}, token_page="/reseaux")
    assert again.status_code == 400
    assert len(session.scalars(select(NetworkMembershipRequest)).all()) == 1
    assert "en attente" in signed_in.get(BASE + "/reseaux").get_data(as_text=True)

    # The facilitator approves (helper B's side), then the enterprise leaves.
    request.status = "approved"
    enterprise.networks.append(coorace)
    session.commit()
    response = post(signed_in, f"/reseaux/{coorace.id}/quitter", token_page="/reseaux")
    assert response.status_code == 302
    session.expire_all()
    assert enterprise.networks == []
    [event] = events(session, "network_leave")
    assert event.changes["networks"] == [["coorace"], []]


def test_a_pending_request_can_be_cancelled(signed_in, session, enterprise):
    coorace = network(session, "coorace")
    post(signed_in, "/reseaux", {"network": str(coorace.id)}, token_page="/reseaux")
    request = session.scalars(select(NetworkMembershipRequest)).one()
    response = post(signed_in, f"/reseaux/demandes/{request.id}/annuler", token_page="/reseaux")
    assert response.status_code == 302
    session.expire_all()
    assert request.status == "cancelled"


def test_leaving_a_network_one_is_not_in_is_a_404(signed_in, session, enterprise):
    coorace = network(session, "coorace")
    assert post(signed_in, f"/reseaux/{coorace.id}/quitter").status_code == 404


# --- Client references -------------------------------------------------------------------


def test_references_are_created_edited_and_deleted(signed_in, session, enterprise):
    response = post(
        signed_in,
        "/references/nouvelle",
        {
            "client_name": "Ville de Lille",
            "description": "Entretien des parcs",
            "year": "2022",
            "amount_eur": "80000",
        },
    )
    assert response.status_code == 302
    [ref] = session.scalars(select(ClientReference)).all()
    assert (ref.client_name, ref.year, ref.amount_eur) == ("Ville de Lille", 2022, 80_000)
    response = post(
        signed_in,
        f"/references/{ref.id}",
        {
            "client_name": "Métropole de Lille",
            "description": "",
            "year": "2023",
            "amount_eur": "",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert (ref.client_name, ref.year, ref.amount_eur, ref.description) == (
        "Métropole de Lille",
        2023,
        None,
        None,
    )
    assert post(signed_in, f"/references/{ref.id}/supprimer").status_code == 302
    assert session.scalars(select(ClientReference)).all() == []
    assert [len(events(session, f"reference_{a}")) for a in ("create", "update", "delete")] == [
        1,
        1,
        1,
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"client_name": ""}, "client_name"),
        ({"client_name": "X", "year": "1800"}, "year"),
        ({"client_name": "X", "amount_eur": "-5"}, "amount_eur"),
    ],
)
def test_an_invalid_reference_is_a_400(signed_in, session, enterprise, data, field):
    response = post(signed_in, "/references/nouvelle", data)
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), field)
    assert session.scalars(select(ClientReference)).all() == []


# --- Sectors -----------------------------------------------------------------------------


def test_suggested_sectors_are_confirmed_or_rejected_and_declared_ones_added(
    signed_in, session, enterprise
):
    first, second, third = session.scalars(select(Sector).order_by(Sector.id).limit(3))
    for sector in (first, second):
        session.add(
            EnterpriseSector(
                enterprise=enterprise,
                sector=sector,
                source="naf",
                confidence=0.6,
                status="suggested",
                evidence="81.30Z",
            )
        )
    session.commit()
    html = signed_in.get(BASE + "/secteurs").get_data(as_text=True)
    assert f'action="{BASE}/secteurs/{first.id}/confirmer"' in html and "suggéré" in html
    assert post(signed_in, f"/secteurs/{first.id}/confirmer").status_code == 302
    assert post(signed_in, f"/secteurs/{second.id}/ecarter").status_code == 302
    assert (
        post(signed_in, "/secteurs", {"sector": str(third.id)}, token_page="/secteurs").status_code
        == 302
    )
    session.expire_all()
    rows = {row.sector_id: row for row in enterprise.sectors}
    assert rows[first.id].status == "confirmed" and rows[first.id].source == "naf"
    assert rows[second.id].status == "rejected"
    assert (rows[third.id].source, rows[third.id].status, rows[third.id].confidence) == (
        "declared",
        "confirmed",
        1.0,
    )
    assert [
        len(events(session, a)) for a in ("sector_confirm", "sector_reject", "sector_declare")
    ] == [1, 1, 1]
    assert events(session, "sector_reject")[0].changes == {
        f"sector:{second.slug}": ["suggested", "rejected"]
    }


def test_sector_errors(signed_in, session, enterprise):
    assert post(signed_in, "/secteurs/999999/confirmer").status_code == 404
    response = post(signed_in, "/secteurs", {"sector": ""}, token_page="/secteurs")
    assert response.status_code == 400
    field_error(response.get_data(as_text=True), "sector")


# --- The public profile ------------------------------------------------------------------


def test_the_contact_person_is_shown_to_signed_in_people_only(
    client, make_user, session, enterprise
):
    enterprise.contact_name, enterprise.contact_email = "Camille Martin", "camille@example.org"
    session.commit()
    anonymous = client.get(f"/entreprises/{SIRET}").get_data(as_text=True)
    assert "Camille Martin" not in anonymous and "camille@example.org" not in anonymous
    assert "Connectez-vous pour voir la personne à contacter" in anonymous
    sign_in(client, make_user("buyer"))
    html = client.get(f"/entreprises/{SIRET}").get_data(as_text=True)
    assert "Camille Martin" in html and "mailto:camille@example.org" in html
    assert "Gérer cette fiche" not in html


def test_the_profile_links_its_managers_to_their_space(signed_in, enterprise):
    html = signed_in.get(f"/entreprises/{SIRET}").get_data(as_text=True)
    assert f'href="{BASE}/"' in html and "Gérer cette fiche" in html


def test_hostile_text_never_causes_a_500(signed_in, session, enterprise):
    response = post(signed_in, "/presentation", {"description": "Bon\x00jour"})
    assert response.status_code == 302
    session.expire_all()
    assert enterprise.description == "Bonjour"
    for query in ("%00", "%27%3B--", "a" * 500, "%5C%25_"):
        response = signed_in.get(f"{BASE}/zone/divisions?q={query}")
        assert response.status_code == 200 and isinstance(response.get_json(), list)
    response = post(signed_in, "/zone", {"kind": "divisions", "divisions": "commune:\x00"})
    assert response.status_code == 400
    response = post(signed_in, "/labels", {"label": "abc"}, token_page="/labels")
    assert response.status_code == 400
