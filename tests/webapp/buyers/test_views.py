"""Buyers' pages: shortlists and their exports, the contact form, saved searches and the
alerts command."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import csrf_token, make_enterprise, post_form, sign_in
from webapp import mail
from webapp.indexing.sync import sync_outbox
from webapp.models import (
    ContactMessage,
    EnterpriseMembership,
    SavedSearch,
    SearchOutbox,
    Shortlist,
    ShortlistEntry,
)

SIRET_A = "44306184100013"
SIRET_B = "44306185800017"
SIRET_C = "44306186600010"
LISTS = "/espace/acheteur/listes"


def post(client, path, data, token_page=LISTS):
    return post_form(client, path, data, token_page)


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def buyer(client, make_user):
    user = make_user("buyer")
    sign_in(client, user)
    return user


@pytest.fixture
def enterprise(session):
    return make_enterprise(session, SIRET_A, name="Menuiserie Solidaire", commune_insee="93063")


# --- Shortlists ---------------------------------------------------------------------------


def test_shortlists_page_requires_sign_in_and_the_buyer_role(client, make_user):
    response = client.get(LISTS)
    assert response.status_code == 302 and "/compte/connexion" in response.location
    sign_in(client, make_user("enterprise"))
    assert client.get(LISTS).status_code == 403
    assert client.post(f"{LISTS}/nouvelle", data={"name": "x"}).status_code in (400, 403)


def test_create_rename_and_delete_a_shortlist(client, session, buyer):
    response = post(client, f"{LISTS}/nouvelle", {"name": "  Marché espaces verts  "})
    assert response.status_code == 302
    shortlist = session.scalar(select(Shortlist).where(Shortlist.owner_id == buyer.id))
    assert shortlist.name == "Marché espaces verts"
    assert "Marché espaces verts" in html(client.get(LISTS))

    page = f"{LISTS}/{shortlist.id}"
    response = post(client, f"{page}/renommer", {"name": "Nettoyage 2025"}, page)
    assert response.status_code == 302
    session.refresh(shortlist)
    assert shortlist.name == "Nettoyage 2025"

    response = post(client, f"{page}/supprimer", {}, page)
    assert response.status_code == 302
    assert session.get(Shortlist, shortlist.id) is None


def test_invalid_names_are_refused_with_the_field_error(client, session, buyer):
    response = post(client, f"{LISTS}/nouvelle", {"name": "   "})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html(response)
    response = post(client, f"{LISTS}/nouvelle", {"name": "x" * 121})
    assert response.status_code == 400
    assert session.scalar(select(Shortlist).where(Shortlist.owner_id == buyer.id)) is None


def test_add_from_profile_note_remove_and_export(client, session, buyer, enterprise):
    other = make_enterprise(session, SIRET_B, name='=HYPERLINK("http://x")', website="@SUM(1+1)")
    profile = html(client.get(f"/entreprises/{SIRET_A}"))
    assert "Ajouter à une liste" in profile and "ajouter-a-une-liste" in profile

    # A new list, created from the profile.
    response = post(
        client,
        f"/entreprises/{SIRET_A}/ajouter-a-une-liste",
        {"liste-shortlist": "new", "liste-new_name": "Menuiseries"},
        f"/entreprises/{SIRET_A}",
    )
    assert response.status_code == 302
    shortlist = session.scalar(select(Shortlist).where(Shortlist.owner_id == buyer.id))
    assert shortlist.name == "Menuiseries"
    # An existing list, then the same enterprise again (no duplicate).
    for siret in (SIRET_B, SIRET_B):
        response = post(
            client,
            f"/entreprises/{siret}/ajouter-a-une-liste",
            {"liste-shortlist": str(shortlist.id)},
            f"/entreprises/{siret}",
        )
        assert response.status_code == 302
    session.refresh(shortlist)
    assert [e.enterprise.siret for e in shortlist.entries] == [SIRET_A, SIRET_B]

    # "new" without a name: the field error, nothing created.
    response = post(
        client,
        f"/entreprises/{SIRET_A}/ajouter-a-une-liste",
        {"liste-shortlist": "new", "liste-new_name": ""},
        f"/entreprises/{SIRET_A}",
    )
    assert response.status_code == 400
    assert "Donnez un nom à la nouvelle liste." in html(response)

    page = f"{LISTS}/{shortlist.id}"
    shown = html(client.get(page))
    assert "Menuiserie Solidaire" in shown and "Romainville" in shown

    entry = shortlist.entries[0]
    response = post(
        client,
        f"{page}/entreprises/{entry.id}/note",
        {f"e{entry.id}-note": "Rappeler en mars"},
        page,
    )
    assert response.status_code == 302
    session.refresh(entry)
    assert entry.note == "Rappeler en mars"
    response = post(
        client, f"{page}/entreprises/{entry.id}/note", {f"e{entry.id}-note": "x" * 2001}, page
    )
    assert response.status_code == 400
    session.refresh(entry)
    assert entry.note == "Rappeler en mars"

    response = client.get(f"{page}/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "SIRET" and rows[0][-1] == "Note"
    assert rows[1][0] == SIRET_A and rows[1][1] == "Menuiserie Solidaire"
    assert rows[1][4] == "Romainville" and rows[1][-1] == "Rappeler en mars"
    assert rows[2][1] == '\'=HYPERLINK("http://x")' and rows[2][6] == "'@SUM(1+1)"

    sheet = load_workbook(io.BytesIO(client.get(f"{page}/export.xlsx").get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == SIRET_A and values[1][-1] == "Rappeler en mars"
    assert values[2][1] == '=HYPERLINK("http://x")'
    assert sheet.cell(row=3, column=2).data_type == "s"  # text, not a formula

    other_entry = shortlist.entries[1]
    response = post(client, f"{page}/entreprises/{other_entry.id}/retirer", {}, page)
    assert response.status_code == 302
    assert session.get(ShortlistEntry, other_entry.id) is None
    assert other.id is not None  # the enterprise itself stays


def test_another_buyers_list_does_not_exist_for_me(client, session, make_user, enterprise):
    owner = make_user("buyer")
    shortlist = Shortlist(owner_id=owner.id, name="Privée")
    shortlist.entries.append(ShortlistEntry(enterprise=enterprise, note="secret"))
    session.add(shortlist)
    session.commit()
    entry_id = shortlist.entries[0].id
    sign_in(client, make_user("buyer"))
    page = f"{LISTS}/{shortlist.id}"
    assert client.get(page).status_code == 404
    assert client.get(f"{page}/export.csv").status_code == 404
    assert client.get(f"{page}/export.xlsx").status_code == 404
    token = csrf_token(client, LISTS)
    for path, data in [
        (f"{page}/renommer", {"name": "volée"}),
        (f"{page}/supprimer", {}),
        (f"{page}/entreprises/{entry_id}/note", {f"e{entry_id}-note": "x"}),
        (f"{page}/entreprises/{entry_id}/retirer", {}),
        (f"/entreprises/{SIRET_A}/ajouter-a-une-liste", {"liste-shortlist": str(shortlist.id)}),
    ]:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code in (400, 404), path
    session.refresh(shortlist)
    assert shortlist.name == "Privée" and len(shortlist.entries) == 1
    assert shortlist.entries[0].note == "secret"


def test_non_buyers_do_not_see_the_add_form(client, make_user, enterprise):
    assert "ajouter-a-une-liste" not in html(client.get(f"/entreprises/{SIRET_A}"))
    sign_in(client, make_user("user"))
    page = html(client.get(f"/entreprises/{SIRET_A}"))
    assert "ajouter-a-une-liste" not in page and "/contact" in page
    token = csrf_token(client, "/compte/")
    response = client.post(
        f"/entreprises/{SIRET_A}/ajouter-a-une-liste",
        data={"csrf_token": token, "liste-shortlist": "new", "liste-new_name": "x"},
    )
    assert response.status_code == 403


# --- Contact ------------------------------------------------------------------------------


def test_contact_requires_sign_in(client, enterprise):
    page = html(client.get(f"/entreprises/{SIRET_A}"))
    assert "Connectez-vous pour contacter" in page
    response = client.get(f"/entreprises/{SIRET_A}/contact")
    assert response.status_code == 302 and "/compte/connexion" in response.location


def test_contact_is_stored_and_mailed_to_members_and_contact_address(
    client, session, make_user, enterprise
):
    enterprise.contact_email = "accueil@menuiserie.example"
    member = make_user("enterprise", enterprise=enterprise)
    buyer = make_user("buyer")
    buyer.full_name = "Claire Acheteuse"
    session.commit()
    sign_in(client, buyer)
    page = f"/entreprises/{SIRET_A}/contact"
    form_page = html(client.get(page))
    assert "accueil@menuiserie.example" not in form_page and member.email not in form_page

    response = post(
        client,
        page,
        {"subject": "Devis menuiserie", "message": "Bonjour, pourriez-vous nous faire un devis ?"},
        page,
    )
    assert response.status_code == 302
    stored = session.scalar(
        select(ContactMessage).where(ContactMessage.enterprise_id == enterprise.id)
    )
    assert stored.sender_id == buyer.id and stored.subject == "Devis menuiserie"
    [message] = mail.outbox()
    assert sorted(message.recipients) == sorted([member.email, "accueil@menuiserie.example"])
    assert message.reply_to == buyer.email  # the enterprise answers with "Reply"
    assert "Devis menuiserie" in message.subject
    assert buyer.email in message.body and "Claire Acheteuse" in message.body
    assert "pourriez-vous nous faire un devis" in message.body


def test_invalid_contact_is_refused_with_field_errors(client, session, make_user, enterprise):
    make_user("enterprise", enterprise=enterprise)
    sign_in(client, make_user("user"))
    page = f"/entreprises/{SIRET_A}/contact"
    response = post(client, page, {"subject": "", "message": "court"}, page)
    assert response.status_code == 400
    assert html(response).count('aria-invalid="true"') == 2
    assert session.scalar(select(ContactMessage)) is None
    assert mail.outbox() == []
    assert client.get("/entreprises/00000000000000/contact").status_code == 404


def test_enterprise_without_any_address_cannot_be_contacted(client, session, make_user, enterprise):
    sign_in(client, make_user("user"))
    page = f"/entreprises/{SIRET_A}/contact"
    assert "pas encore d'adresse de contact" in html(client.get(page))
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, "/compte/"),
            "subject": "Bonjour",
            "message": "x" * 30,
        },
    )
    assert response.status_code == 200
    assert session.scalar(select(ContactMessage)) is None


def test_contact_is_rate_limited_per_user(app, client, session, make_user, enterprise):
    enterprise.contact_email = "accueil@menuiserie.example"
    sign_in(client, make_user("buyer"))
    page = f"/entreprises/{SIRET_A}/contact"
    data = {"subject": "Devis", "message": "Bonjour, un devis pour des étagères ?"}
    previous = app.config["CONTACT_RATE_LIMIT"]
    app.config["CONTACT_RATE_LIMIT"] = "2 per hour"
    try:
        token = csrf_token(client, page)
        statuses = [
            client.post(page, data={"csrf_token": token, **data}).status_code for _ in range(3)
        ]
    finally:
        app.config["CONTACT_RATE_LIMIT"] = previous
    assert statuses == [302, 302, 429]
    assert len(mail.outbox()) == 2
    assert len(session.scalars(select(ContactMessage)).all()) == 2


# --- Saved searches and alerts ------------------------------------------------------------


def index(session, backend, *enterprises) -> None:
    for enterprise in enterprises:
        session.add(SearchOutbox(enterprise_id=enterprise.id))
    session.flush()
    sync_outbox(session, backend)


def test_saved_searches_page_requires_sign_in(client):
    response = client.get("/espace/recherches")
    assert response.status_code == 302 and "/compte/connexion" in response.location


def test_save_a_search_then_rename_toggle_and_delete(
    client, session, make_user, search_backend, enterprise
):
    index(session, search_backend, enterprise)
    user = make_user("user")
    sign_in(client, user)
    search_page = html(client.get("/recherche?q=menuiserie"))
    assert "Enregistrer cette recherche" in search_page
    response = post(
        client,
        "/espace/recherches/nouvelle",
        {"query_string": "q=menuiserie&page=2&partial=1&serves_commune=", "name": ""},
        "/recherche?q=menuiserie",
    )
    assert response.status_code == 302
    saved = session.scalar(select(SavedSearch).where(SavedSearch.owner_id == user.id))
    assert saved.query_string == "q=menuiserie"
    assert saved.name == "menuiserie" and saved.alerts is True
    assert json.loads(saved.known_sirets) == [SIRET_A]

    listing = html(client.get("/espace/recherches"))
    assert "/recherche?q=menuiserie" in listing

    page = "/espace/recherches"
    base = f"{page}/{saved.id}"
    assert (
        post(client, f"{base}/renommer", {f"s{saved.id}-name": "Menuisiers"}, page).status_code
        == 302
    )
    response = post(client, f"{base}/renommer", {f"s{saved.id}-name": " "}, page)
    assert response.status_code == 400 and 'aria-invalid="true"' in html(response)
    assert post(client, f"{base}/alertes", {}, page).status_code == 302
    session.refresh(saved)
    assert saved.name == "Menuisiers" and saved.alerts is False
    assert post(client, f"{base}/alertes", {"alerts": "y"}, page).status_code == 302
    session.refresh(saved)
    assert saved.alerts is True

    sign_in(client, make_user("user"))
    assert post(client, f"{base}/supprimer", {}, page).status_code == 404
    sign_in(client, user)
    assert post(client, f"{base}/supprimer", {}, page).status_code == 302
    assert session.get(SavedSearch, saved.id) is None


def test_alerts_mail_new_matches_once(runner, session, make_user, search_backend, enterprise):
    index(session, search_backend, enterprise)
    user = make_user("buyer")
    saved = SavedSearch(
        owner_id=user.id,
        name="Menuisiers",
        query_string="q=menuiserie",
        known_sirets=json.dumps([SIRET_A]),
    )
    quiet = SavedSearch(owner_id=user.id, name="Off", query_string="q=menuiserie", alerts=False)
    session.add_all([saved, quiet])
    session.commit()

    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert mail.outbox() == []  # nothing new

    newcomer = make_enterprise(session, SIRET_C, name="Menuiserie du Canal", commune_insee="93063")
    make_enterprise(session, SIRET_B, name="Traiteur solidaire")
    session.commit()
    index(session, search_backend, newcomer)

    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    [message] = mail.outbox()
    assert message.recipients == [user.email]
    assert "Menuisiers" in message.subject
    assert "Menuiserie du Canal (Romainville)" in message.body
    assert f"http://localhost/entreprises/{SIRET_C}" in message.body
    assert "Menuiserie Solidaire" not in message.body  # already known
    session.refresh(saved)
    assert set(json.loads(saved.known_sirets)) == {SIRET_A, SIRET_C}
    assert saved.last_alert_at is not None
    session.refresh(quiet)
    assert quiet.last_alert_at is None

    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0
    assert len(mail.outbox()) == 1  # rerun: nothing new, nothing sent


def test_members_of_the_enterprise_receive_contact_only_when_active(
    client, session, make_user, enterprise
):
    member = make_user("enterprise", enterprise=enterprise)
    member.is_active_account = False
    other = make_user("enterprise", enterprise=enterprise)
    session.commit()
    sign_in(client, make_user("user"))
    page = f"/entreprises/{SIRET_A}/contact"
    post(client, page, {"subject": "Hello", "message": "Un message assez long pour partir."}, page)
    [message] = mail.outbox()
    assert message.recipients == [other.email]
    assert (
        session.scalar(
            select(EnterpriseMembership).where(EnterpriseMembership.user_id == member.id)
        )
        is not None
    )


def test_profile_link_in_alert_is_absolute(app):
    with app.app_context():
        assert re.match(r"http://localhost/", mail.external_url("main.home"))
