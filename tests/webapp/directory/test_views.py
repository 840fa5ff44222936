"""The directory: the enterprise list with filters and pagination, the profile, 404."""

from __future__ import annotations

import pytest


def test_list_paginates_and_filters_by_kind_departement_and_sector(client, enterprises):
    html = client.get("/entreprises/").get_data(as_text=True)
    assert "3 entreprises" in html
    assert "Baluchon" in html and "La Collecterie" in html

    html = client.get("/entreprises/?kind=ACI").get_data(as_text=True)
    assert "1 entreprise" in html and "La Collecterie" in html and "Baluchon" not in html

    html = client.get("/entreprises/?departement=59").get_data(as_text=True)
    assert "NETTOYAGE DU NORD" in html and "Baluchon" not in html

    # 81.21Z (cleaning of premises) suggests a cleaning sector for the Lille enterprise only.
    html = client.get("/entreprises/?sector=nettoyage-de-locaux").get_data(as_text=True)
    assert "NETTOYAGE DU NORD" in html and "La Collecterie" not in html


def test_invalid_filters_show_field_errors_not_a_crash(client, enterprises):
    page = client.get("/entreprises/?kind=ZZ&departement=<script>&page=abc&sector=%27;DROP%00")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "<script>" not in html
    assert html.count("is-invalid") == 2  # the département and sector selects
    assert "n&#39;est pas un choix valide" in html or "not a valid choice" in html
    assert "3 entreprises" in html  # invalid filters are ignored, not applied


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "0", "10001"])
def test_any_page_number_gives_a_page(client, enterprises, page):
    assert client.get(f"/entreprises/?page={page}").status_code == 200


def test_pagination_keeps_the_filters(client, enterprises, app):
    app.config["ENTERPRISES_PER_PAGE"] = 1
    try:
        html = client.get("/entreprises/?departement=93").get_data(as_text=True)
    finally:
        app.config["ENTERPRISES_PER_PAGE"] = 5
    assert "page 1 sur 2" in html
    assert "departement=93" in html and "page=2" in html


def test_profile_of_a_real_siret_shows_identity_kind_sectors_zone_capacity(client, enterprises):
    page = client.get("/entreprises/80746931700018")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Baluchon-À table citoyens" in html
    assert "Entreprise d&#39;insertion" in html or "Entreprise d'insertion" in html
    assert "56.21Z" in html
    assert "suggéré" in html and "code NAF" in html
    assert "Seine-Saint-Denis" in html  # the derived département zone, named
    assert "déduite" in html
    assert "50 à 99 salariés" in html
    assert "data-map" in html and "48.88053" in html
    assert "adresse (coordonnées de la source)" in html


def test_profile_accepts_a_siret_written_with_spaces(client, enterprises):
    assert client.get("/entreprises/807 469 317 00018").status_code == 200


@pytest.mark.parametrize("siret", ["80746931700019", "00000000000000", "abc", "8" * 200])
def test_unknown_or_malformed_siret_is_a_404_page(client, enterprises, siret):
    page = client.get(f"/entreprises/{siret}")
    assert page.status_code == 404
    assert "Page introuvable" in page.get_data(as_text=True)


def test_profile_map_outlines_the_departement_zone(client, enterprises):
    import json
    import re

    html = client.get("/entreprises/80746931700018").get_data(as_text=True)
    (south, west), (north, east) = json.loads(re.search(r"data-area='([^']+)'", html).group(1))
    # Seine-Saint-Denis: a few km across, around Romainville (48.885, 2.435).
    assert south < 48.885 < north and west < 2.435 < east
    assert 0.05 < north - south < 0.3 and 0.05 < east - west < 0.4
