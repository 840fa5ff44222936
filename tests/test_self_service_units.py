"""Self-service building blocks: the Markdown sanitiser, the completeness score, the zone
parser, and edits reaching the search index at once."""

from __future__ import annotations

import dataclasses
import re

import pytest
from markupsafe import Markup
from sqlalchemy import select

from domain.completeness import ITEMS, ProfileFacts, completeness, facts_of
from tests.conftest import csrf_token, make_enterprise, sign_in
from webapp.markdown import ALLOWED_TAGS, render_markdown, sanitise_html
from webapp.models import Capacity, EnterpriseSector, InterventionZone, Offer, Sector
from webapp.self_service.divisions import parse_divisions

SIRET = "44306184100047"

# --- Markdown ----------------------------------------------------------------------------


def test_markdown_renders_the_usual_formatting():
    html = render_markdown(
        "# Titre\n\n**gras** *it* `code`\n\n- un\n- deux\n\n[site](https://e.org)"
    )
    assert isinstance(html, Markup)
    assert "<h3>Titre</h3>" in html  # moved under the page's own headings
    assert "<strong>gras</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert "<li>un</li>" in html
    assert '<a href="https://e.org" rel="nofollow noopener">site</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Avant <script src=https://evil.example/x.js></script> après",
        '<img src=x onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
        "![image](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_markdown_neutralises_hostile_input(text):
    html = str(render_markdown(text))
    for tag in re.finditer(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", html):
        name, attributes = tag.group(1).lower(), tag.group(2)
        assert name in ALLOWED_TAGS, html
        assert not re.search(r"\bon[a-z]+\s*=|style\s*=", attributes, re.I), html
        for url in re.findall(r'href="([^"]*)"', attributes):
            assert url.startswith(("http://", "https://", "mailto:")), html


def test_the_sanitiser_strips_tags_attributes_and_schemes_it_does_not_know():
    html = sanitise_html(
        '<a href="javascript:alert(1)" onclick="x()">a</a><img src=x onerror=alert(1)>'
        '<script>bad()</script><p style="color:red" class="x">p</p>'
        '<a href="https://e.org" target="_blank">b</a>'
    )
    assert "onclick" not in html and "onerror" not in html and "<img" not in html
    assert "<script" not in html and "bad()" not in html
    assert "javascript:" not in html and "style=" not in html and "class=" not in html
    assert '<a href="https://e.org" rel="nofollow noopener">b</a>' in html
    assert "<p>p</p>" in html


def test_empty_markdown_is_empty_markup():
    assert render_markdown(None) == Markup("") and render_markdown("  \n") == Markup("")


# --- Completeness ------------------------------------------------------------------------

NOTHING = ProfileFacts(**{field.name: False for field in dataclasses.fields(ProfileFacts)})
EVERYTHING = ProfileFacts(**{field.name: True for field in dataclasses.fields(ProfileFacts)})


def test_an_empty_profile_scores_zero_and_starts_with_sectors():
    result = completeness(NOTHING)
    assert result.score == 0
    assert result.next_step == "Confirmez ou ajoutez vos secteurs d'activité"
    assert len(result.missing) == len(ITEMS)


def test_a_full_profile_scores_100_with_nothing_next():
    result = completeness(EVERYTHING)
    assert (result.score, result.next_step, result.missing) == (100, None, ())


def test_each_item_adds_its_weight_and_the_next_step_moves_on():
    facts = dataclasses.replace(NOTHING, has_confirmed_sector=True, has_website=True)
    result = completeness(facts)
    assert result.score == 25
    assert result.next_step == "Indiquez votre zone d'intervention"
    assert "Ajoutez votre site web" not in result.missing


def test_facts_of_an_enterprise(app, session):
    enterprise = make_enterprise(session, SIRET, description="  ")
    facts = facts_of(enterprise)
    assert facts == NOTHING
    sector = session.scalars(select(Sector)).first()
    enterprise.sectors.append(
        EnterpriseSector(sector=sector, source="naf", confidence=0.5, status="suggested")
    )
    enterprise.zone = InterventionZone(kind="national", derived=True)
    enterprise.capacity = Capacity(headcount_bracket="10 à 19 salariés")
    enterprise.offers.append(Offer(title="Repas", presta_type="service"))
    enterprise.contact_phone = "0320000000"
    session.flush()
    facts = facts_of(enterprise)
    # A suggested sector and a derived zone are not the enterprise's word yet.
    assert not facts.has_confirmed_sector and not facts.has_declared_zone
    assert facts.has_capacity and facts.has_offer and facts.has_contact
    assert not facts.has_largest_contract
    enterprise.sectors[0].status = "confirmed"
    enterprise.zone.derived = False
    with app.test_request_context():
        assert completeness(facts_of(enterprise)).score == 20 + 15 + 15 + 10 + 10


# --- Zone parser -------------------------------------------------------------------------


def test_divisions_are_parsed_checked_and_deduplicated(app, session):
    with app.test_request_context():
        found, errors = parse_divisions(
            session, "departement:59, Département:2a; commune:59350\nepci:200093201, dep:59"
        )
    assert errors == []
    assert found == [
        ("departement", "59"),
        ("departement", "2A"),
        ("commune", "59350"),
        ("epci", "200093201"),
    ]


def test_unknown_or_malformed_divisions_are_named(app, session):
    with app.test_request_context():
        found, errors = parse_divisions(session, "departement:00, 59, pays:fr, commune:")
    assert found == [] and len(errors) == 4
    assert "departement:00" in errors[0] and "inconnu" in errors[0]


# --- Searchable at once ------------------------------------------------------------------


def search(client, q: str) -> list[str]:
    response = client.get(f"/api/v1/enterprises?q={q}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [result["siret"] for result in response.get_json()["results"]]


def test_an_edit_is_found_by_search_at_once(client, session, search_backend, make_user):
    enterprise = make_enterprise(
        session,
        SIRET,
        post_code="59000",
        city="Lille",
        commune_insee="59350",
        departement_code="59",
        latitude=50.63,
        longitude=3.06,
        position_precision="commune",
    )
    session.commit()
    sign_in(client, make_user("enterprise", enterprise=enterprise))
    base = f"/espace/entreprises/{SIRET}"
    assert search(client, "lombricompostage") == []

    token = csrf_token(client, base + "/presentation")
    response = client.post(
        base + "/presentation",
        data={"csrf_token": token, "description": "Collecte et lombricompostage des biodéchets."},
    )
    assert response.status_code == 302
    assert search(client, "lombricompostage") == [SIRET]

    response = client.post(
        base + "/offres/nouvelle",
        data={
            "csrf_token": token,
            "title": "Apiculture urbaine",
            "presta_type": "service",
            "sector": "",
        },
    )
    assert response.status_code == 302
    assert search(client, "apiculture") == [SIRET]
