"""Incoming text is cleaned once at the import boundary (``domain.text.clean_text``): every
cell of an imported file (``importers.tabular``) and every string of a DECP file. NUL, the
other control characters and lone surrogates go; tabs and line breaks stay."""

from __future__ import annotations

import io

from openpyxl import Workbook

from importers.decp import parse_decp
from importers.intentions import parse_intentions
from importers.places import PlaceReader
from tests.factories import CONTROLS, CONTROLS_AND_SURROGATE
from tests.importers.factories import (
    BALUCHON,
    SIAE_HEADER,
    TEMPLATE_ROW,
    decp_file,
    esat_demo_rows,
    parse_esat_rows,
    parse_siae_text,
    read_table,
    v2_contract,
    write_template,
)


def test_a_csv_cell_is_cleaned_and_keeps_its_line_breaks():
    data = f'siret,na{CONTROLS}me,description\n1,"Atelier{CONTROLS}","ligne 1\nligne\t2"\n'
    header, rows = read_table(data.encode())
    assert header == ["siret", "name", "description"]
    assert rows[0].error is None
    assert rows[0].values == {"siret": "1", "name": "Atelier", "description": "ligne 1\nligne\t2"}


def test_a_csv_row_with_undecodable_bytes_is_still_refused():
    _header, rows = read_table("siret,name\n1,Caf\xe9\n".encode("latin-1"))
    assert rows[0].error == "invalid utf-8 bytes in column(s) name"


def test_an_xlsx_cell_is_cleaned():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["siret", "name"])
    # XML holds no C0 control but tab and line breaks; DEL it does.
    sheet.append(["1", "Atelier\x7f du Nord"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _header, rows = read_table(buffer.getvalue())
    assert rows[0].values["name"] == "Atelier du Nord"


def test_a_template_row_is_cleaned(session, tmp_path):
    path = write_template(tmp_path, TEMPLATE_ROW | {"titre": f"Nettoyage{CONTROLS} de la mairie"})
    parsed = parse_intentions(path, session)
    assert not parsed.rejected
    assert parsed.records[0].title == "Nettoyage de la mairie"


def test_enterprise_list_rows_are_cleaned_not_refused():
    # A NUL used to reject the row (PostgreSQL refuses it); it is now cleaned on reading.
    siae = parse_siae_text(
        SIAE_HEADER + BALUCHON.replace("Rue Madeleine Odru", "Rue\x00 Madeleine\x01 Odru")
    )
    assert not siae.rejected and siae.records[0].address == "Rue Madeleine Odru"
    row = next(r for r in esat_demo_rows() if r["et_finess"] == "010787141")
    esat = parse_esat_rows(row | {"et_name": "ESAT\x00 LA\x1f FRETA"})
    assert not esat.rejected and esat.records[0].name == parse_esat_rows(row).records[0].name


def test_a_decp_string_is_cleaned(session):
    contract = v2_contract(
        objet=f"Nettoyage{CONTROLS_AND_SURROGATE} des locaux", id="2024\x00-NET-01"
    )
    parsed = parse_decp(decp_file(contract), PlaceReader(session))
    [record] = parsed.records
    assert record.object == "Nettoyage des locaux"
    assert "\x00" not in record.external_id
