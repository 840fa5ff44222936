"""In a real Chromium: an enterprise member signs in, edits its offers and zone; a buyer
then finds the change in search."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.factories import IN_LILLE, PASSWORD
from webapp.extensions import db
from webapp.indexing.engine import get_backend
from webapp.indexing.sync import reindex
from webapp.models import (
    BuyerMembership,
    BuyerOrganisation,
    Enterprise,
    EnterpriseMembership,
    InterventionZone,
    User,
    ZoneDivision,
)
from webapp.security import hash_password

SIRET = "73282932000074"
MEMBER, BUYER = "membre@jardins-du-nord.example", "acheteuse@region.example"


@pytest.fixture(scope="module")
def people(live_app):
    """An enterprise of Lille whose zone is its département (59), its member, a buyer."""
    with live_app.app_context():
        enterprise = Enterprise(
            siret=SIRET,
            siren=SIRET[:9],
            name="Les Jardins du Nord",
            kind="ACI",
            source="test",
            **IN_LILLE,
            zone=InterventionZone(kind="national"),
        )
        enterprise.zone.kind = "divisions"
        enterprise.zone.divisions.append(ZoneDivision(division_type="departement", code="59"))
        confirmed = datetime.now(UTC)
        member = User(
            email=MEMBER,
            full_name="Martin Membre",
            email_confirmed_at=confirmed,
            password_hash=hash_password(PASSWORD),
        )
        buyer = User(
            email=BUYER,
            full_name="Claire Acheteuse",
            email_confirmed_at=confirmed,
            password_hash=hash_password(PASSWORD),
        )
        organisation = BuyerOrganisation(name="Région", buyer_type="pouvoir_adjudicateur")
        db.session.add_all(
            [
                enterprise,
                member,
                buyer,
                EnterpriseMembership(user=member, enterprise=enterprise),
                BuyerMembership(user=buyer, organisation=organisation),
            ]
        )
        db.session.commit()
        reindex(db.session, get_backend(live_app))
        db.session.remove()


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/compte/")


def sign_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()


def result_names(page) -> list[str]:
    return [name.strip() for name in page.locator("#resultats h3, #resultats h2").all_inner_texts()]


def test_member_edits_offer_and_zone_then_buyer_finds_it(people, page, server_url):
    base = server_url
    # Before: the buyer searching Pas-de-Calais for steam cleaning finds nobody.
    sign_in(page, base, BUYER)
    page.goto(f"{base}/recherche?q=vapeur&serves=departement:62")
    assert "Les Jardins du Nord" not in page.content()
    sign_out(page)

    # The member adds an offer and widens the zone to the Pas-de-Calais.
    sign_in(page, base, MEMBER)
    page.goto(f"{base}/espace/entreprises/{SIRET}/offres/nouvelle")
    page.get_by_label("Intitulé").fill("Nettoyage à la vapeur des serres")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(rf".*/espace/entreprises/{SIRET}/offres$"))
    assert "Nettoyage à la vapeur des serres" in page.content()

    page.goto(f"{base}/espace/entreprises/{SIRET}/zone")
    page.get_by_label("Des territoires").check()
    page.get_by_label("Territoires", exact=True).fill("departement:59, departement:62")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert "Pas-de-Calais" in page.content() or "62" in page.content()
    sign_out(page)

    # The buyer now finds it, with the offer's words among the reasons.
    sign_in(page, base, BUYER)
    page.goto(f"{base}/recherche")
    page.locator("#f-q").fill("vapeur")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "Les Jardins du Nord" in page.content()
    page.goto(f"{base}/recherche?q=vapeur&serves=departement:62")
    assert "Les Jardins du Nord" in page.content()
