"""The search page: filters with counts, reasons in words, map, live fragment, errors,
hostile input, suggestions and exports, on real snapshot rows in the embedded index."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import BALUCHON_SIRET, HOSTILE_TEXT
from webapp.indexing.sync import sync_outbox
from webapp.models import Enterprise
from webapp.search_ui import export


def page(client, query: str = "", status: int = 200) -> str:
    response = client.get(f"/recherche{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def hit_names(html: str) -> list[str]:
    found = re.findall(r'<h3 class="h6 mb-1">\s*<a href="/entreprises/\d{14}">([^<]+)</a>', html)
    return [unescape(name) for name in found]


def markers(html: str) -> list[dict]:
    return json.loads(re.search(r"data-markers='([^']*)'", html).group(1))


# --- The page ------------------------------------------------------------------------------


def test_page_is_a_plain_get_form_with_results_and_reasons_in_french(client, indexed):
    html = page(client, "?q=nettoyage")
    assert '<form id="recherche" method="get" action="/recherche"' in html
    assert 'name="q" value="nettoyage"' in html and 'list="f-q-suggestions"' in html
    assert '<datalist id="f-q-suggestions">' in html
    assert "15 entreprises trouvées" in html
    assert "Pourquoi :</span> correspond à : " in html and "nettoyage" in html
    assert len(hit_names(html)) == 15
    # No inline script (a CSP will forbid them): every script is a file.
    assert html.count("<script") == html.count("<script src=")
    assert "/static/js/search.js" in html and "/static/js/map.js" in html


def test_navigation_links_to_the_search_page(client, indexed):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/recherche"' in html and "Rechercher" in html
    assert 'href="/recherche" aria-current="page"' in page(client)


def test_kind_filters_show_facet_counts_and_apply(client, indexed):
    html = page(client)
    assert "60 entreprises trouvées" in html
    assert re.search(r'for="f-kind-ACI">ACI — [^<]+ <span class="facet-count"[^>]*>\(25\)', html)
    assert re.search(r'for="f-kindgroup-insertion">Insertion <span [^>]*>\(60\)', html)
    # search.js refreshes these counts from the fragment's data-facets after a live update.
    assert 'data-facet="kind_group" data-value="insertion">(60)' in html
    facets = json.loads(unescape(re.search(r"data-facets='([^']*)'", html).group(1)))
    assert facets["kind"]["ACI"] == 25 and facets["kind_group"]["insertion"] == 60

    html = page(client, "?kind=EI")
    assert "13 entreprises trouvées" in html
    assert 'id="f-kind-EI" checked' in html
    assert "structure : Entreprise d&#39;insertion (EI)" in html

    html = page(client, "?kind=EI,ETTI")  # the API's comma form works on the page too
    assert "20 entreprises trouvées" in html
    assert "Aucune entreprise trouvée" in page(client, "?kind=disability")


def test_sector_group_label_and_network_filters_word_their_reasons(client, indexed):
    html = page(client, "?sector_group=restauration")
    assert "5 entreprises trouvées" in html
    assert "famille de secteurs : Restauration" in html

    html = page(client, "?sector=nettoyage-de-locaux")
    assert "15 entreprises trouvées" in html and "secteur : Nettoyage de locaux" in html
    assert re.search(
        r'<option value="nettoyage-de-locaux" selected[^>]*>Nettoyage de locaux \(15\)', html
    )

    html = page(client, "?label=rfar&network=coorace")
    assert hit_names(html) == ["Baluchon-À table citoyens"]
    assert "label : RFAR" in html and "réseau : Coorace" in html


def test_capacity_and_reservation_filters(client, indexed):
    html = page(client, "?min_employees=50&min_turnover=1000000&min_contract=150000")
    assert hit_names(html) == ["Baluchon-À table citoyens"]
    assert "effectif : 60 salariés" in html
    assert "chiffre d&#39;affaires : 1\u202f500\u202f000 €" in html
    assert "plus gros marché accepté : 200\u202f000 €" in html

    html = page(client, "?reservation=L2113-13&kind=ETTI")
    assert "7 entreprises trouvées" in html
    assert "éligible aux marchés réservés (L2113-13)" in html


def test_serves_a_departement_says_how_the_zone_covers_it(client, indexed):
    html = page(client, "?serves=departement:93")
    # The three based there (zone derived from their address).
    assert sorted(hit_names(html)) == [
        "Baluchon-À table citoyens",
        "Initiatives solidaires",
        "La Collecterie",
    ]
    assert (
        html.count("intervient sur tout le département Seine-Saint-Denis (zone départementale)")
        == 3
    )
    assert '<option value="departement:93" selected>93 — Seine-Saint-Denis</option>' in html


def test_serves_a_region_finds_the_zones_on_its_departements_as_a_part(
    client, indexed, snapshot_head
):
    html = page(client, "?serves=region:32&per_page=100")
    # Those based in its départements (35 in the Pas-de-Calais, 2 in the Nord), whose zones
    # (their département, derived from the address) lie in Hauts-de-France.
    hauts_de_france = {"02", "59", "60", "62", "80"}
    based = [r for r in snapshot_head.records if r.departement_code in hauts_de_france]
    assert len(based) == 37
    assert f"{len(based)} entreprises trouvées" in html
    part = "intervient sur une partie de la région Hauts-de-France (zone départementale)"
    assert html.count(part) == len(based)
    assert 'name="cover" value="all" id="f-cover">' in html  # offered, not ticked

    # The strict reading: no zone of these holds the whole région.
    html = page(client, "?serves=region:32&cover=all")
    assert "Aucune entreprise trouvée" in html
    assert 'name="cover" value="all" id="f-cover" checked>' in html


def test_serves_in_english_says_all_or_part(client, indexed):
    client.get("/langue/en", headers={"Referer": "http://localhost/recherche"})
    html = page(client, "?serves=region:32&per_page=1")
    assert "works in part of the région Hauts-de-France (departmental area)" in html
    html = page(client, "?serves=departement:62&per_page=1")
    assert "works in the whole département Pas-de-Calais (departmental area)" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?cover=all", "Choisissez d&#39;abord un territoire"),
        ("?serves=region:32&cover=most", "Choix inconnu"),
    ],
)
def test_a_bad_cover_is_reported_on_its_field(client, indexed, query, message):
    html = page(client, query, 400)
    assert 'data-error-for="cover"' in html
    assert message in html


def test_serves_a_commune_from_the_commune_field_or_a_shared_url(client, indexed):
    html = page(client, "?serves_commune=93048")  # Montreuil: covered by zones on the 93
    assert "3 entreprises trouvées" in html
    assert "intervient sur la commune Montreuil (zone départementale)" in html
    assert "export.csv?serves=commune:93048" in html  # the export links speak the API's language

    # A value the select does not list is kept as a chosen option, so a submit keeps it.
    html = page(client, "?serves=commune:93048")
    assert '<option value="commune:93048" selected>commune:93048</option>' in html


def test_near_a_commune_gives_distances_a_circle_and_sorts_by_distance(client, indexed):
    html = page(client, "?near=93230+Romainville&radius_km=10&sort=distance")
    assert hit_names(html) == [
        "Baluchon-À table citoyens",
        "La Collecterie",
        "Initiatives solidaires",
    ]
    distances = [float(d.replace(",", ".")) for d in re.findall(r"à (\d+,\d) km", html)]
    assert distances == sorted(distances) and distances[0] < 1 and distances[-1] < 10
    circle = json.loads(re.search(r"data-circle='([^']*)'", html).group(1))
    assert circle["radius_km"] == 10 and abs(circle["lat"] - 48.88) < 0.05


def test_sort_by_name(client, indexed):
    names = hit_names(page(client, "?kind=ETTI&sort=name"))
    assert len(names) == 7
    assert names == sorted(names, key=str.casefold)


def test_map_shows_the_results_of_the_page(client, indexed):
    html = page(client, "?q=nettoyage")
    found = markers(html)
    assert len(found) == 15
    assert all({"lat", "lon", "label", "url"} <= set(m) for m in found)
    assert {m["label"] for m in found} == set(hit_names(html))
    assert "data-map" in html and "leaflet.js" in html


def test_pagination_keeps_the_criteria(client, indexed):
    html = page(client, "?kind=insertion&per_page=5&partial=1&serves_commune=")
    assert "page 1 sur 12" in html
    assert len(hit_names(html)) == 5
    links = re.findall(r'href="(/recherche\?[^"]*)"', html)
    assert any("page=2" in link for link in links)
    assert all("kind=insertion" in link and "per_page=5" in link for link in links)
    assert not any("partial" in link or "serves_commune" in link for link in links)

    second = page(client, "?kind=insertion&per_page=5&page=2")
    assert not set(hit_names(second)) & set(hit_names(html))


def test_partial_returns_only_the_results_fragment(client, indexed):
    html = page(client, "?q=nettoyage&partial=1")
    assert "<html" not in html and "<form" not in html
    assert 'role="status" aria-live="polite" data-search-status>15 entreprises trouvées' in html
    assert "data-search-body" in html and "data-markers" in html
    assert "partial" not in html  # no link carries it


# --- Invalid and hostile input -----------------------------------------------------------------


def test_invalid_parameters_are_field_errors_with_a_400_and_valid_ones_still_apply(client, indexed):
    html = page(client, "?q=nettoyage&min_employees=abc&kind=ZZ&near=Nulle-part-sur-terre", 400)
    assert "15 entreprises trouvées" in html  # the text still filters
    for name in ("min_employees", "kind", "near"):
        assert f'data-error-for="{name}"' in html
        assert f'href="#f-{name}"' in html  # the error summary links to the field
    assert 'id="f-min_employees" name="min_employees" value="abc" aria-describedby' in html
    assert "Indiquez un nombre positif." in html
    assert "Type de structure inconnu." in html
    assert "Lieu introuvable" in html
    assert html.count('aria-invalid="true"') == 2  # the two text fields (kind: a fieldset)


def test_distance_sort_without_a_place_is_explained(client, indexed):
    html = page(client, "?sort=distance", 400)
    assert "Le tri par distance demande un lieu" in html
    assert "60 entreprises trouvées" in html


def test_a_bad_commune_code_is_reported_on_the_commune_field(client, indexed):
    html = page(client, "?serves_commune=99999", 400)
    assert 'data-error-for="serves_commune"' in html
    assert "Code de commune inconnu" in html


def test_partial_with_errors_is_a_400_fragment_listing_them(client, indexed):
    html = page(client, "?radius_km=5&partial=1", 400)
    assert 'data-invalid-fields="radius_km"' in html
    assert "Rayon (km)" in html and "60 entreprises trouvées" in html


@pytest.mark.parametrize(
    "query",
    [
        {"q": HOSTILE_TEXT},
        {"q": "x" * 10_000},
        {"q": "net\x00toyage"},
        {"q": "<script>alert(1)</script>"},
        {"near": "\x00" * 50, "radius_km": "1e309"},
        {"near": "y" * 10_000},
        {"serves": "departement:\x00"},
        {"serves": "departement:93' OR 1=1 --"},
        {"serves_commune": "<script>"},
        {"kind": "\x00", "sort": "<script>"},
        {"page": "99999999999999999999999", "per_page": "-1"},
        {"min_turnover": "NaN", "min_contract": "inf"},
        {"sector": "x" * 10_000, "label": "\x00"},
        {"unknown": "ignored", "partial": "1"},
        {"q": "nettoyage", "endpoint": "x", "_anchor": "y", "_method": "z", "_scheme": "w"},
        {"q": "１２３４５６７８９"},  # full-width digits: text, not a SIREN
        {"q": "١٢٣٤٥٦٧٨٩ ٠١٢٣٤"},
    ],
)
def test_hostile_input_never_breaks_the_page(client, indexed, query):
    response = client.get("/recherche", query_string=query)
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and 'value="<script>' not in html
    assert "\x00" not in html
    assert "entreprise" in html
    assert len(html) < 200_000  # 10 kB of input is never echoed wholesale


# --- Suggestions -------------------------------------------------------------------------------


def test_suggestions_are_json_for_the_datalist(client, indexed):
    response = client.get("/recherche/suggestions?q=balu")
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == {"q": "balu", "suggestions": ["Baluchon-À table citoyens"]}
    assert client.get("/recherche/suggestions").get_json()["suggestions"] == []
    assert client.get("/recherche/suggestions?q=b").get_json()["suggestions"] == []


def test_without_javascript_the_datalist_is_filled_by_the_server(client, indexed):
    html = page(client, "?q=balu")
    assert '<option value="Baluchon-À table citoyens">' in html


@pytest.mark.parametrize("q", [HOSTILE_TEXT, "z" * 10_000, "\x00\x00", "**", '"'])
def test_suggestions_survive_hostile_prefixes(client, indexed, q):
    response = client.get("/recherche/suggestions", query_string={"q": q})
    assert response.status_code == 200
    assert isinstance(response.get_json()["suggestions"], list)


# --- Exports -----------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_export_of_the_current_results(client, indexed):
    response = client.get("/recherche/export.csv?q=nettoyage&page=2")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "SIRET",
        "Nom",
        "Type",
        "Secteurs",
        "Commune",
        "Département",
        "Distance (km)",
        "Site web",
    ]
    assert len(rows) == 1 + 15  # every result, whatever the page shown
    assert all(re.fullmatch(r"\d{14}", row[0]) for row in rows[1:])


def test_csv_export_has_distances_with_a_decimal_comma_and_websites(client, indexed):
    rows = csv_rows(client.get("/recherche/export.csv?near=Romainville&radius_km=10&sort=distance"))
    baluchon = rows[1]
    assert baluchon[0] == BALUCHON_SIRET
    assert baluchon[1:6] == [
        "Baluchon-À table citoyens",
        "EI",
        baluchon[3],
        "Romainville",
        "93",
    ]
    assert re.fullmatch(r"\d+,\d", baluchon[6])
    assert baluchon[7] == "http://www.baluchon.fr"


def test_xlsx_export_of_the_current_results(client, indexed):
    response = client.get("/recherche/export.xlsx?serves=departement:93&sort=distance")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "SIRET" and rows[0][6] == "Distance (km)"
    assert len(rows) == 1 + 3
    assert all(isinstance(row[6], int | float) for row in rows[1:])  # numbers, not text


def test_exports_defuse_formulas(client, session, indexed):
    baluchon = session.scalar(select(Enterprise).where(Enterprise.siret == BALUCHON_SIRET))
    baluchon.brand = '=HYPERLINK("http://evil.example","x")'
    baluchon.website = "@SUM(1+1)"
    session.flush()
    from webapp.models import SearchOutbox

    session.add(SearchOutbox(enterprise_id=baluchon.id))
    session.flush()
    sync_outbox(session, indexed)

    row = csv_rows(client.get(f"/recherche/export.csv?q={BALUCHON_SIRET}"))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[7] == "'@SUM(1+1)"

    sheet = load_workbook(
        io.BytesIO(client.get(f"/recherche/export.xlsx?q={BALUCHON_SIRET}").get_data())
    ).active
    cells = {cell.value: cell.data_type for cell in sheet[2]}
    assert cells['=HYPERLINK("http://evil.example","x")'] == "s"  # text, not a formula
    assert cells["@SUM(1+1)"] == "s"


def test_export_is_capped_and_pages_through_the_backend(client, indexed, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_LIMIT", 10)
    monkeypatch.setattr(export, "MAX_PER_PAGE", 4)  # three backend pages for ten rows
    rows = csv_rows(client.get("/recherche/export.csv?kind=insertion&sort=name"))[1:]
    assert len(rows) == 10 and len({row[0] for row in rows}) == 10
    names = [row[1] for row in rows]
    assert names == sorted(names, key=str.casefold)
    html = page(client, "?kind=insertion")
    assert "(les 10 premiers)" in html


def test_export_with_invalid_parameters_is_a_400(client, indexed):
    assert client.get("/recherche/export.csv?min_employees=abc").status_code == 400
    assert client.get("/recherche/export.xlsx?kind=ZZ").status_code == 400


# --- Accessibility ---------------------------------------------------------------------------


class _Audit(HTMLParser):
    """Controls, labels, fieldsets and headings of a page, for the checks below."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.headings: list[int] = []
        self.fieldsets = 0
        self.legends = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append(attributes)
        elif tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1


def test_every_control_has_a_label_and_headings_are_in_order(client, indexed):
    audit = _Audit()
    audit.feed(page(client, "?q=nettoyage&min_employees=abc", 400))
    assert audit.controls
    unlabelled = [c for c in audit.controls if c.get("id") not in audit.label_for]
    assert unlabelled == []
    ids = [c["id"] for c in audit.controls]
    assert len(ids) == len(set(ids))
    assert audit.fieldsets == audit.legends >= 6
    assert audit.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(audit.headings, audit.headings[1:], strict=False))


def test_search_script_is_served(client):
    response = client.get("/static/js/search.js")
    assert response.status_code == 200
    assert b"history.replaceState" in response.get_data()
    response.close()


@pytest.mark.parametrize("path", ["/recherche", "/recherche/export.csv", "/recherche/export.xlsx"])
def test_parameters_named_like_url_for_keywords_are_dropped_from_links(client, indexed, path):
    response = client.get(path, query_string={"q": "nettoyage", "endpoint": "x", "_anchor": "y"})
    assert response.status_code == 200
    if not path.endswith(".xlsx"):
        assert "endpoint=" not in response.get_data(as_text=True)


def test_a_damaged_index_file_is_a_503_not_a_crash(client, app, tmp_path, session):
    damaged = tmp_path / "index.sqlite3"
    damaged.write_bytes(b"this is not an SQLite database" * 100)
    app.extensions.pop("search_backend", None)
    app.config["SEARCH_INDEX_PATH"] = str(damaged)
    try:
        assert client.get("/recherche?q=nettoyage").status_code == 503
        assert client.get("/api/v1/enterprises?q=nettoyage").status_code == 503
    finally:
        app.config["SEARCH_INDEX_PATH"] = ":memory:"


def test_the_ess_group_and_the_ess_kind_are_distinct_checkboxes(client, indexed):
    html = page(client, "?kind=ess")
    group = re.search(r'<input[^>]*value="ess"[^>]*>', html).group()
    kind = re.search(r'<input[^>]*value="ESS"[^>]*>', html).group()
    assert "checked" in group and "checked" not in kind


def test_a_saved_search_replays_serves_and_cover(client, indexed):
    from webapp.buyers.saved import matching_sirets, normalise_query_string

    kept = normalise_query_string("?serves=region:32&cover=all&page=2")
    assert kept == "serves=region%3A32&cover=all"
    assert matching_sirets(kept) == []  # no zone of these holds the whole région
    works_in = matching_sirets(normalise_query_string("?serves_commune=62041"))  # Arras
    assert len(works_in) == 35  # the Pas-de-Calais zones
