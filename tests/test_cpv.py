"""CPV codes: normalising them and the sectors of data/mappings/cpv_sectors.csv."""

from __future__ import annotations

import contextlib
import csv
import json

import pytest

from domain.cpv import CpvError, default_nomenclature, normalise_cpv, read_cpv_codes
from domain.text import fold
from importers.cpv import MAPPING_FILE, default_mapping, load_mapping, sectors_for_cpv
from tests.conftest import SHARED_DATA

DECP_SAMPLE = SHARED_DATA / "decp" / "decp_sample_pes_2019.json"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("90910000-9", "90910000"),
        ("90910000", "90910000"),
        (" 9091 0000-9 ", "90910000"),
        ("909100009", "90910000"),
        ("77310000-6", "77310000"),
    ],
)
def test_normalise_accepts_codes_with_or_without_check_digit(text, code):
    assert normalise_cpv(text) == code


@pytest.mark.parametrize("text", ["", "9091", "90910000-99", "ABCDEFGH", "00000000-1", "20190128"])
def test_normalise_rejects_malformed_codes(text):
    with pytest.raises(CpvError):
        normalise_cpv(text)


def test_longest_prefix_wins():
    assert sectors_for_cpv("90910000-9") == [("Nettoyage de locaux", 0.9)]
    # 90914 (car parks) has its own row, longer than 9091.
    assert sectors_for_cpv("90914000")[0][0].startswith("Nettoyage spécifique")
    assert sectors_for_cpv("77310000")[0] == ("Création et entretien des espaces verts", 0.9)
    assert sectors_for_cpv("55520000")[0] == ("Restauration collective", 0.8)
    assert sectors_for_cpv("45310000")[0] == ("Electricité", 0.9)
    # Fuels name no trade of the taxonomy: nothing, rather than a guess.
    assert sectors_for_cpv("09134100") == []


def test_several_codes_in_one_cell():
    reading = read_cpv_codes("90910000-9, 77310000;98310000-9 | 90910000")
    assert reading.codes == ("90910000", "77310000", "98310000")
    assert reading.errors == ()
    reading = read_cpv_codes("90910000 nettoyage")
    assert reading.codes == ("90910000",) and "nettoyage" in str(reading.errors[0])


def test_mapping_is_versioned_and_every_sector_exists():
    mapping = default_mapping()
    assert mapping.version
    assert len(mapping.rules) > 100


def test_a_bad_mapping_row_is_named(tmp_path):
    bad = tmp_path / "cpv.csv"
    bad.write_text(
        "# version: x\ncpv_prefix,sector,confidence,note\n9091,Nettoyage imaginaire,0.9,x\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 3: unknown sector"):
        load_mapping(bad)


def test_mapping_file_is_well_formed():
    with MAPPING_FILE.open(encoding="utf-8") as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    assert rows[0] == ["cpv_prefix", "sector", "confidence", "note"]


@pytest.mark.skipif(not DECP_SAMPLE.exists(), reason=f"DECP sample absent: {DECP_SAMPLE}")
def test_share_of_the_real_decp_sample_that_gets_a_sector():
    contracts = json.loads(DECP_SAMPLE.read_text(encoding="utf-8"))["marches"]
    mapped = 0
    for contract in contracts:
        with contextlib.suppress(CpvError):
            mapped += bool(sectors_for_cpv(contract["codeCPV"]))
    # 803 of 1148 (70 %) when written; vehicles, insurance, engineering get none on purpose.
    assert mapped / len(contracts) >= 0.65


# --- The CPV 2008 nomenclature ---------------------------------------------------------


def test_the_nomenclature_is_shipped_with_its_french_labels():
    nomenclature = default_nomenclature()
    assert len(nomenclature) == 9454
    assert nomenclature.label("90911200") == "Services de nettoyage de bâtiments"
    assert nomenclature.get("90911200").check_digit == "8"
    assert nomenclature.label("75231240") == "Services de réinsertion"


@pytest.mark.parametrize(
    "text",
    ["00000000", "00000000-1", "11111111-1", "74000000-9", "74750000"],  # all in the 2019 sample
)
def test_a_code_outside_the_nomenclature_is_not_a_cpv_code(text):
    # 00000000 and 11111111 are placeholders, 74xxxxxx codes of the CPV 2003.
    with pytest.raises(CpvError, match="not a code of the CPV 2008 nomenclature"):
        normalise_cpv(text)
    reading = read_cpv_codes(f"90910000 {text}")
    assert reading.codes == ("90910000",) and len(reading.errors) == 1


def test_search_by_words_of_the_label_ignores_accents_and_case():
    nomenclature = default_nomenclature()
    found = [c.code for c in nomenclature.search("NETTOYAGE BATIMENTS", 20)]
    assert "90911200" in found
    # Each word starts a word of the label; labels that start with the query first.
    first = nomenclature.search("nettoy bât", 5)
    assert first and all("nettoy" in fold(c.label) and "bat" in fold(c.label) for c in first)
    assert nomenclature.search("débroussaillage") == nomenclature.search("debroussaillage")
    assert nomenclature.search("zzzz") == []


def test_search_by_code_prefix_and_the_limit():
    nomenclature = default_nomenclature()
    found = nomenclature.search("9091", 50)
    assert found and all(c.code.startswith("9091") for c in found)
    assert [c.code for c in nomenclature.search("90911200-8")] == ["90911200"]
    assert len(nomenclature.search("services", 3)) == 3
    assert len(nomenclature.search("services", 10_000)) == 50  # bounded


def test_cpv_endpoint(client):
    response = client.get("/api/v1/cpv?q=nettoyage%20de%20b%C3%A2timents&limit=5")
    assert response.status_code == 200
    body = response.get_json()
    assert {
        "code": "90911200",
        "check_digit": "8",
        "label": "Services de nettoyage de bâtiments",
    } in body["results"]
    assert len(body["results"]) <= 5
    for query in ("", "q=", "q=x&limit=0", "q=x&limit=abc", "q=x&foo=1", "q=x&limit=%C2%B2"):
        bad = client.get(f"/api/v1/cpv?{query}")
        assert bad.status_code == 400 and bad.get_json()["error"]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/cpv" in paths


def test_intention_page_and_api_show_cpv_labels_and_accept_no_sector(client, session):
    from webapp.models import PurchaseIntention

    row = PurchaseIntention(
        title="Chantiers Rebond Social : Prestations d'insertion sociale et professionnelle",
        cpv_codes="75231240 90911200",
        place_kind="commune",
        place_code="69123",
        place_label="Lyon",
        buyer_name="Ville de Lyon",
        status="published",
        forecast=True,
        source="decp",
    )
    session.add(row)
    session.commit()
    page = client.get(f"/intentions/{row.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '90911200 <span lang="fr">Services de nettoyage de bâtiments</span>' in html
    assert "Services de réinsertion" in html
    detail = client.get(f"/api/v1/intentions/{row.id}")
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["sectors"] == []
    assert {"code": "90911200", "label": "Services de nettoyage de bâtiments"} in body["cpv"]
    assert client.get(f"/api/v1/intentions/{row.id}/matches").status_code == 200
    assert client.get("/intentions/").status_code == 200


def test_the_form_offers_completion_and_still_refuses_non_codes(client, session, make_user):
    from tests.conftest import csrf_token, sign_in

    sign_in(client, make_user("buyer"))
    form = client.get("/intentions/nouvelle").get_data(as_text=True)
    assert 'data-cpv-complete="/api/v1/cpv"' in form and "js/cpv_complete.js" in form
    response = client.post(
        "/intentions/nouvelle",
        data={
            "csrf_token": csrf_token(client, "/intentions/nouvelle"),
            "title": "Nettoyage",
            "cpv_codes": "90911200 00000000",
            "place_kind": "national",
            "social_consideration": "unknown",
            "save": "Enregistrer",
        },
    )
    # Without JavaScript the words or placeholder codes are refused with the field's error.
    assert response.status_code == 400
    assert "Codes CPV non reconnus : 00000000" in response.get_data(as_text=True)
