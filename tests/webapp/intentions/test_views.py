"""Purchase intentions: buyers create, edit, publish and close them; everyone lists the
published ones with filters; the page shows the matcher's verdicts and groups; the
sourcing report is the owner's."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import (
    CLEANING,
    GREEN,
    NEW_INTENTION,
    SIRETS,
    csrf_token,
    intention,
    intention_form,
    organisation_of,
    sector,
    sign_in,
    supplier,
)
from webapp.matching import staleness, store
from webapp.models import (
    MatchCandidate,
    MatchRun,
    PurchaseIntention,
)

# --- Buyers ------------------------------------------------------------------------------------


def test_buyer_creates_a_draft_with_lots_then_publishes_it(client, session, make_user):
    buyer = make_user("buyer")
    sign_in(client, buyer)
    supplier(session, SIRETS[0], CLEANING)
    supplier(session, SIRETS[1], GREEN)
    session.commit()
    cleaning, green = sector(session, CLEANING), sector(session, GREEN)
    response = client.post(
        NEW_INTENTION,
        data=intention_form(
            client,
            NEW_INTENTION,
            sectors=[str(cleaning.id), str(green.id)],
            **{
                "lot_1-title": "Nettoyage",
                "lot_1-amount": "120000",
                "lot_1-sectors": str(cleaning.id),
                "lot_3-title": "Espaces verts",
                "lot_3-sectors": str(green.id),
            },
        ),
    )
    assert response.status_code == 302
    row = session.scalar(select(PurchaseIntention))
    assert response.headers["Location"].endswith(f"/intentions/{row.id}")
    assert row.status == "draft" and row.source == "web" and row.created_by_id == buyer.id
    assert row.cpv_codes == "90910000 77310000"
    assert row.place_label == "Lille (59)"
    assert row.buyer_organisation_id == organisation_of(buyer).id
    assert row.buyer_name == organisation_of(buyer).name
    assert row.buyer_type == "pouvoir_adjudicateur"
    assert row.launch_date == date(2027, 3, 1)
    assert [(lot.number, lot.title, lot.amount) for lot in row.lots] == [
        (1, "Nettoyage", 120000),
        (2, "Espaces verts", None),
    ]
    assert [s.slug for s in row.lots[1].sectors] == [GREEN]
    # Matched on save: the stored result is there and current.
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == row.id))
    assert stored is not None and staleness.is_current(session, row, stored)
    assert session.scalar(select(MatchCandidate).where(MatchCandidate.intention_id == row.id))

    # A draft: invisible to others, listed for its owner.
    assert "Nettoyage et espaces verts" in client.get("/espace/acheteur/intentions").get_data(
        as_text=True
    )
    page = f"/intentions/{row.id}"
    response = client.post(f"{page}/publier", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    session.refresh(row)
    assert row.status == "published" and row.published_at is not None


def test_edit_replaces_fields_and_lots(client, session, make_user):
    buyer = make_user("buyer")
    row = intention(session, organisation_of(buyer), status="draft", sectors=[CLEANING])
    session.commit()
    sign_in(client, buyer)
    path = f"/intentions/{row.id}/modifier"
    form = client.get(path).get_data(as_text=True)
    assert 'value="Entretien des écoles"' in form
    response = client.post(
        path,
        data=intention_form(
            client,
            path,
            title="Entretien révisé",
            place_kind="departement",
            place_code="59",
            publish="Enregistrer et publier",
            save=None,
            **{"lot_1-title": "Lot unique", "lot_1-amount": "5000"},
        ),
    )
    assert response.status_code == 302
    session.refresh(row)
    assert row.title == "Entretien révisé" and row.status == "published"
    assert (row.place_kind, row.place_code, row.place_label) == ("departement", "59", "Nord (59)")
    assert [lot.title for lot in row.lots] == ["Lot unique"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", None),
        ({"cpv_codes": "9091 abc"}, "cpv_codes", "Codes CPV non reconnus"),
        ({"place_code": "99999"}, "place_code", "aucun lieu"),
        ({"place_kind": "departement", "place_code": ""}, "place_code", "Indiquez le code"),
        ({"amount_total": "-5"}, "amount_total", None),
        ({"duration_months": "601"}, "duration_months", None),
        ({"duration_months": "douze"}, "duration_months", None),
        ({"launch_date": "2027-13-45"}, "launch_date", None),
        ({"lot_2-amount": "100"}, "lot_2-title", "intitulé"),
    ],
)
def test_invalid_intention_is_refused_with_the_field_error(
    client, session, make_user, fields, field, message
):
    sign_in(client, make_user("buyer"))
    response = client.post(NEW_INTENTION, data=intention_form(client, NEW_INTENTION, **fields))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-erreur"' in page
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag
    if message:
        assert message in page
    assert session.scalar(select(PurchaseIntention)) is None


def test_national_place_needs_no_code(client, session, make_user):
    sign_in(client, make_user("buyer"))
    response = client.post(
        NEW_INTENTION,
        data=intention_form(client, NEW_INTENTION, place_kind="national", place_code=""),
    )
    assert response.status_code == 302
    row = session.scalar(select(PurchaseIntention))
    assert (row.place_kind, row.place_code, row.place_label) == ("national", None, "France")


def test_another_organisation_cannot_touch_an_intention(client, session, make_user):
    owner, other = make_user("buyer"), make_user("buyer")
    published = intention(session, organisation_of(owner))
    draft = intention(session, organisation_of(owner), status="draft", title="Brouillon")
    session.commit()
    sign_in(client, other)
    token = csrf_token(client, NEW_INTENTION)
    assert client.get(f"/intentions/{published.id}/modifier").status_code == 403
    assert client.get(f"/intentions/{published.id}/rapport").status_code == 403
    assert (
        client.post(f"/intentions/{published.id}/cloturer", data={"csrf_token": token}).status_code
        == 403
    )
    for path in ("", "/modifier", "/rapport"):
        assert client.get(f"/intentions/{draft.id}{path}").status_code == 404
    assert (
        client.post(f"/intentions/{draft.id}/publier", data={"csrf_token": token}).status_code
        == 404
    )
    assert "Brouillon" not in client.get("/espace/acheteur/intentions").get_data(as_text=True)
    session.refresh(published)
    session.refresh(draft)
    assert (published.status, draft.status) == ("published", "draft")


def test_roles_without_intentions_are_refused(client, session, make_user):
    assert "/compte/connexion" in client.get(NEW_INTENTION).headers["Location"]
    sign_in(client, make_user("enterprise"))
    assert client.get(NEW_INTENTION).status_code == 403
    assert client.get("/espace/acheteur/intentions").status_code == 403


def test_admin_manages_any_intention_and_closing_hides_nothing(client, session, make_user):
    owner = make_user("buyer")
    row = intention(session, organisation_of(owner))
    session.commit()
    sign_in(client, make_user("admin"))
    page = f"/intentions/{row.id}"
    assert client.get(f"{page}/modifier").status_code == 200
    response = client.post(f"{page}/cloturer", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    session.refresh(row)
    assert row.status == "closed"
    assert "Clôturée" in client.get(page).get_data(as_text=True)


def test_account_page_links_the_buyer_to_their_intentions(client, make_user):
    sign_in(client, make_user("buyer"))
    assert "/espace/acheteur/intentions" in client.get("/compte/").get_data(as_text=True)


# --- Public list -------------------------------------------------------------------------------


def titles(response) -> list[str]:
    return re.findall(
        r'data-intention="\d+">\s*<div[^>]*>\s*<a[^>]*>([^<]+)</a>', response.get_data(as_text=True)
    )


def test_anonymous_lists_published_and_forecast_intentions_only(client, session):
    intention(session, title="Publiée")
    intention(session, title="Prévue", forecast=True, source="decp")
    intention(session, title="Brouillon", status="draft")
    intention(session, title="Close", status="closed")
    session.commit()
    response = client.get("/intentions/")
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Prévue", "Publiée"]
    assert "prévision" in response.get_data(as_text=True)
    draft = session.scalar(select(PurchaseIntention).where(PurchaseIntention.title == "Brouillon"))
    assert client.get(f"/intentions/{draft.id}").status_code == 404
    assert "/compte/connexion" in client.get(f"/intentions/{draft.id}/rapport").headers["Location"]


def test_list_filters(client, session):
    intention(session, title="Lille nettoyage", sectors=[CLEANING], launch_date=date(2027, 2, 1))
    intention(
        session,
        title="Nord verts",
        place_kind="departement",
        place_code="59",
        sectors=[GREEN],
        launch_date=date(2027, 6, 1),
    )
    intention(session, title="MEL", place_kind="epci", place_code="200093201", source="import")
    intention(session, title="Paris", place_kind="commune", place_code="75056", sectors=[CLEANING])
    intention(session, title="Hauts-de-France", place_kind="region", place_code="32")
    session.commit()

    def listed(query):
        response = client.get(f"/intentions/?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return sorted(titles(response))

    assert listed("place=departement:59") == ["Lille nettoyage", "MEL", "Nord verts"]
    assert listed("place=region:32") == ["Hauts-de-France", "Lille nettoyage", "MEL", "Nord verts"]
    assert listed("place=epci:200093201") == ["Lille nettoyage", "MEL"]
    assert listed("place=commune:59350") == ["Lille nettoyage"]
    assert listed(f"sector={CLEANING}") == ["Lille nettoyage", "Paris"]
    assert listed("launch_from=2027-03-01") == ["Nord verts"]
    assert listed("launch_to=2027-03-01") == ["Lille nettoyage"]
    assert listed("source=import") == ["MEL"]
    assert listed(f"sector={CLEANING}&place=departement:59") == ["Lille nettoyage"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sector=pas-un-secteur", "sector"),
        ("place=departement:999", "place"),
        ("place=nowhere", "place"),
        ("launch_from=demain", "launch_from"),
        ("launch_from=2027-05-01&launch_to=2027-01-01", "launch_to"),
        ("reservation=L9999", "reservation"),
    ],
)
def test_bad_filters_answer_400_with_the_field_error(client, session, query, field):
    response = client.get(f"/intentions/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-erreur"' in page


def test_list_paginates(client, session):
    for n in range(23):
        intention(session, title=f"Achat {n:02d}", launch_date=date(2027, 1, 1 + n))
    session.commit()
    first, second = client.get("/intentions/"), client.get("/intentions/?page=2")
    assert len(titles(first)) == 20 and titles(second) == ["Achat 20", "Achat 21", "Achat 22"]
    assert 'aria-current="page"' in second.get_data(as_text=True)
    assert client.get("/intentions/?page=zero").status_code == 400


# --- The matcher on the page -------------------------------------------------------------------


@pytest.fixture
def complementary(session, make_user):
    """Two insertion enterprises of the Nord, one cleaning, one green spaces, and a buyer's
    intention in Lille needing both: only a group of the two answers it."""
    buyer = make_user("buyer")
    cleaner = supplier(session, SIRETS[0], CLEANING, name="Net'Nord Insertion")
    gardener = supplier(session, SIRETS[1], GREEN, name="Jardins du Nord")
    row = intention(session, organisation_of(buyer), sectors=[CLEANING, GREEN])
    session.flush()
    store.run(session, row)  # as the intention service does on every write
    session.commit()
    return buyer, row, cleaner, gardener


def test_intention_page_shows_verdicts_ranked_enterprises_and_the_group(
    client, session, complementary
):
    buyer, row, cleaner, gardener = complementary
    response = client.get(f"/intentions/{row.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for article in ("L2113-12", "L2113-13", "L2113-14", "L2113-15"):
        assert f'<th scope="row">{article}</th>' in page
    assert "data-recommendation=" in page
    group = page[page.index('id="groupements"') :]
    assert "Net&#39;Nord Insertion" in group and "Jardins du Nord" in group
    assert "mandataire" in group and "cotraitant" in group
    assert "réservation L2113-13" in group
    assert f'href="/entreprises/{cleaner.siret}"' in page
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == row.id))
    assert {m["siret"] for m in stored.result["groups"][0]["members"]} == {
        cleaner.siret,
        gardener.siret,
    }
    # Reachable by a group: the list's filter finds it, and the report shows it.
    assert titles(client.get("/intentions/?group=true")) == ["Entretien des écoles"]


def test_group_filter_excludes_intentions_one_enterprise_answers(client, session):
    supplier(session, SIRETS[0], CLEANING)
    row = intention(session, sectors=[CLEANING])
    session.commit()
    store.run(session, row)
    session.commit()
    assert titles(client.get("/intentions/")) == ["Entretien des écoles"]
    assert titles(client.get("/intentions/?group=true")) == []


def test_reservation_filter_reads_the_recommendation(client, session):
    for n, siret in enumerate(SIRETS):
        supplier(session, siret, CLEANING, name=f"Insertion {n}")
    reserved = intention(session, title="Réservable", sectors=[CLEANING])
    other = intention(
        session, title="Hors zone", sectors=[CLEANING], place_code="75056", place_label="Paris"
    )
    session.commit()
    store.run_all(session, [reserved, other])
    session.commit()
    result = session.scalar(select(MatchRun).where(MatchRun.intention_id == reserved.id)).result
    assert result["reservations"]["L2113-13"]["recommendation"] == "reserve_whole"
    assert titles(client.get("/intentions/?reservation=L2113-13")) == ["Réservable"]
    assert titles(client.get("/intentions/?reservation=L2113-12")) == []


def test_sourcing_report_renders_for_the_owner(client, session, complementary):
    buyer, row, cleaner, _ = complementary
    sign_in(client, buyer)
    response = client.get(f"/intentions/{row.id}/rapport")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Rapport de sourcing" in page and "Entretien des écoles" in page
    assert "css/report-print.css" in page and 'media="print"' in page
    assert "<script>" not in page and "style=" not in page
    assert "version 2026" in page  # the rules version
    assert "Net&#39;Nord Insertion" in page and "mandataire" in page
    assert "L2113-13" in page


def test_the_matcher_speaks_the_reader_s_language(client, session, complementary):
    """Reasons, verdicts and groups are stored in French and shown in English to a
    reader who chose English; French readers see the stored text."""
    buyer, row, cleaner, gardener = complementary
    french = client.get(f"/intentions/{row.id}").get_data(as_text=True)
    assert "Fiche complète à" in french and "Groupement de 2" in french
    client.get("/langue/en")
    english = client.get(f"/intentions/{row.id}").get_data(as_text=True)
    assert "Profile " in english and "% complete" in english
    assert "Group of 2:" in english and "Together they cover every sector" in english
    assert "Reservation under L2113-15 impossible" in english or "Only 0" in english
    for french_only in ("Fiche complète à", "Groupement de 2", "Ensemble, ils couvrent"):
        assert french_only not in english
    # Stored and served by the API in French.
    matches = client.get(f"/api/v1/intentions/{row.id}/matches").get_json()
    assert matches["groups"][0]["explanation"].startswith("Groupement de 2")
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == row.id))
    assert stored.result["groups"][0]["explanation"].startswith("Groupement de 2")


def test_an_edit_keeps_a_forecast_a_forecast(client, session, make_user):
    owner = make_user("buyer")
    row = intention(session, organisation_of(owner), source="decp", forecast=True)
    session.commit()
    sign_in(client, make_user("admin"))
    path = f"/intentions/{row.id}/modifier"
    response = client.post(path, data=intention_form(client, path, title="Renouvellement revu"))
    assert response.status_code == 302
    session.refresh(row)
    assert (row.title, row.forecast) == ("Renouvellement revu", True)


def test_the_service_s_refusal_is_shown_in_french_on_the_form(client, session, make_user):
    # An administrator moves an intention to an organisation where its external id is
    # already another's: only the service knows, and the page must say it in French.
    first, second = organisation_of(make_user("buyer")), organisation_of(make_user("buyer"))
    intention(session, first, source="api", external_id="ACH-1")
    moved = intention(session, second, source="api", external_id="ACH-1")
    session.commit()
    sign_in(client, make_user("admin"))
    path = f"/intentions/{moved.id}/modifier"
    response = client.post(path, data=intention_form(client, path, organisation=str(first.id)))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Cet identifiant externe est déjà utilisé par une autre intention." in page
    assert "already used" not in page
    session.refresh(moved)
    assert moved.buyer_organisation_id == second.id
