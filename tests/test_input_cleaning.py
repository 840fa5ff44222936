"""Incoming text is cleaned once at each boundary (``domain.text.clean_text``): every form
field, query argument, JSON string and URL value of a request (``webapp.input_cleaning``),
every cell of an imported file (``importers.tabular``, the DECP reader). NUL, the other
control characters and lone surrogates go; tabs and line breaks of multi-line fields
stay; nothing answers 500."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from domain.text import clean_data, clean_text
from importers.decp import parse_decp
from importers.intentions import parse_intentions
from importers.places import PlaceReader
from importers.tabular import read_rows
from tests.conftest import csrf_token, make_enterprise, sign_in
from tests.test_api_intentions import API, body, token_for
from tests.test_decp import as_file, v2_contract
from tests.test_enterprise_parsing import BALUCHON, HEADER, parse_text
from tests.test_esat_import import demo_rows, parse
from tests.test_import_intentions import BASE, write
from tests.test_intentions import NEW, form_data
from webapp.models import PurchaseIntention

# Every C0 control but tab, line feed and carriage return, and DEL: what a file may hold.
CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
# And a lone surrogate, which a JSON string may carry ("\ud800") but no URL, form, file
# or database.
HOSTILE = CONTROLS + "\ud800"


# --- The one cleaning ------------------------------------------------------------------------


def test_clean_text_removes_controls_and_keeps_what_text_means():
    assert clean_text(f"Net{HOSTILE}toyage") == "Nettoyage"
    kept = "Ligne 1\r\nLigne\t2\n« é – \u00a0 🙂 »"
    assert clean_text(kept) == kept
    # C1 controls stay: the trace of a Windows-1252 byte that text repair reads back.
    assert clean_text("Prestations \x96 nettoyage") == "Prestations \x96 nettoyage"


def test_clean_data_reaches_every_string_of_a_document():
    document = {"ti\x00tle": ["a\x00", {"b": "c\x1f"}], "n": 1, "none": None, "ok": True}
    assert clean_data(document) == {"title": ["a", {"b": "c"}], "n": 1, "none": None, "ok": True}


# --- The request boundary --------------------------------------------------------------------


def test_a_form_field_is_cleaned_and_keeps_its_line_breaks(client, session, make_user):
    sign_in(client, make_user("buyer"))
    description = "Entretien des écoles :\r\n\t- cours\r\n\t- préaux"
    response = client.post(
        NEW,
        data=form_data(
            client,
            NEW,
            title=f"Nettoyage{CONTROLS} des écoles",
            description=description.replace(":", f":{CONTROLS}"),
        ),
    )
    assert response.status_code == 302
    row = session.scalar(select(PurchaseIntention))
    assert row.title == "Nettoyage des écoles"
    assert row.description == description


def test_a_query_argument_is_cleaned(client, search_backend):
    page = client.get("/recherche", query_string={"q": f"net{CONTROLS}toyage"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="nettoyage"' in html
    assert not any(ch in html for ch in CONTROLS)


def test_a_json_string_is_cleaned_keys_included(client, session, make_user):
    headers = token_for(session, make_user("buyer"))
    sent = body(
        title=f"Nettoyage{HOSTILE} des écoles",
        description="Lot 1 :\n\tnettoyage",
        lots=[{"title": f"Lot{HOSTILE} A", "sectors": []}],
    )
    response = client.post(API, json=sent, headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["title"] == "Nettoyage des écoles"
    assert data["description"] == "Lot 1 :\n\tnettoyage"
    assert [lot["title"] for lot in data["lots"]] == ["Lot A"]
    # A field name with a control character is the field itself.
    renamed = {"descr\x00iption" if k == "description" else k: v for k, v in sent.items()}
    response = client.post(API, json=renamed | {"external_id": "ACH-2"}, headers=headers)
    assert response.status_code == 201, response.get_json()


def test_a_url_value_is_cleaned(client, session):
    enterprise = make_enterprise(session)
    siret = enterprise.siret
    assert client.get(f"/entreprises/{siret[:5]}%00{siret[5:]}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/recherche",
        "/recherche/suggestions",
        "/intentions/",
        "/api/v1/enterprises",
        "/api/v1/intentions",
        "/api/v1/cpv",
        "/admin/utilisateurs",
        "/admin/journal",
    ],
)
def test_no_server_error_on_any_control_character(client, session, make_user, path):
    sign_in(client, make_user("admin"))
    for ch in CONTROLS:
        response = client.get(path, query_string={"q": f"a{ch}b", "actor": ch, "kind": ch})
        assert response.status_code < 500, (path, hex(ord(ch)))


def test_no_server_error_on_a_hostile_json_body(client, session, make_user):
    headers = token_for(session, make_user("buyer"))
    raw = json.dumps(body(title="a\ud800\x00b", external_id="\x00")).encode()
    response = client.post(API, data=raw, headers=headers, content_type="application/json")
    assert response.status_code in (201, 400)


def test_a_form_post_with_every_control_character_is_no_server_error(client, session):
    data = {"csrf_token": csrf_token(client), "email": f"a{CONTROLS}@x.fr", "password": CONTROLS}
    assert client.post("/compte/connexion", data=data).status_code in (200, 400, 401)


# --- The import boundary ---------------------------------------------------------------------


def rows_of(data: bytes):
    header, rows = read_rows(io.BytesIO(data))
    return header, list(rows)


def test_a_csv_cell_is_cleaned_and_keeps_its_line_breaks():
    data = f'siret,na{CONTROLS}me,description\n1,"Atelier{CONTROLS}","ligne 1\nligne\t2"\n'
    header, rows = rows_of(data.encode())
    assert header == ["siret", "name", "description"]
    assert rows[0].error is None
    assert rows[0].values == {"siret": "1", "name": "Atelier", "description": "ligne 1\nligne\t2"}


def test_a_csv_row_with_undecodable_bytes_is_still_refused():
    _header, rows = rows_of("siret,name\n1,Caf\xe9\n".encode("latin-1"))
    assert rows[0].error == "invalid utf-8 bytes in column(s) name"


def test_an_xlsx_cell_is_cleaned():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["siret", "name"])
    # XML holds no C0 control but tab and line breaks; DEL it does.
    sheet.append(["1", "Atelier\x7f du Nord"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _header, rows = rows_of(buffer.getvalue())
    assert rows[0].values["name"] == "Atelier du Nord"


def test_a_template_row_is_cleaned(session, tmp_path):
    path = write(tmp_path, BASE | {"titre": f"Nettoyage{CONTROLS} de la mairie"})
    parsed = parse_intentions(path, session)
    assert not parsed.rejected
    assert parsed.records[0].title == "Nettoyage de la mairie"


def test_enterprise_list_rows_are_cleaned_not_refused():
    # A NUL used to reject the row (PostgreSQL refuses it); it is now cleaned on reading.
    siae = parse_text(HEADER + BALUCHON.replace("Rue Madeleine Odru", "Rue\x00 Madeleine\x01 Odru"))
    assert not siae.rejected and siae.records[0].address == "Rue Madeleine Odru"
    row = next(r for r in demo_rows() if r["et_finess"] == "010787141")
    esat = parse(row | {"et_name": "ESAT\x00 LA\x1f FRETA"})
    assert not esat.rejected and esat.records[0].name == parse(row).records[0].name


def test_a_decp_string_is_cleaned(session):
    contract = v2_contract(objet=f"Nettoyage{HOSTILE} des locaux", id="2024\x00-NET-01")
    parsed = parse_decp(as_file(contract), PlaceReader(session))
    [record] = parsed.records
    assert record.object == "Nettoyage des locaux"
    assert "\x00" not in record.external_id
