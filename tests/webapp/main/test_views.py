"""The home page, the about page and the language choice."""

from __future__ import annotations

import pytest


def test_home_counts_enterprises_by_kind(client, enterprises):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "3 entreprises inclusives actives" in html
    assert "/entreprises/?kind=EI" in html


def test_language_switch_to_english(client, enterprises):
    response = client.get("/langue/en", headers={"Referer": "http://localhost/entreprises/"})
    assert response.status_code == 302 and response.location.endswith("/entreprises/")
    html = client.get("/entreprises/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Inclusive enterprises" in html


@pytest.mark.parametrize(
    "referrer",
    ["https://evil.example/phish", "http://localhost//evil.example/x", "http://localhost/\\evil"],
)
def test_language_switch_never_redirects_off_site(client, referrer):
    response = client.get("/langue/fr", headers={"Referer": referrer})
    assert response.location == "/"


def test_about_page_names_the_data_sources(client):
    html = client.get("/a-propos").get_data(as_text=True)
    assert "GeoNames" in html and "Licence Ouverte" in html


def test_home_search_form_leads_to_the_search_page(client, enterprises):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/recherche"' in html
    assert '<option value="departement:93">93 — Seine-Saint-Denis</option>' in html
