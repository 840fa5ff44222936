"""Reading CSV/XLSX files: line numbers, delimiters, encodings, malformed files."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from importers.tabular import ImportFileError
from tests.importers.factories import read_table


def test_multiline_quoted_fields_report_the_line_each_row_starts_on():
    data = b'siret,description\n1,"first\nsecond\nthird"\n2,plain\n'
    header, rows = read_table(data)
    assert header == ["siret", "description"]
    assert [(r.line, r.values["siret"]) for r in rows] == [(2, "1"), (5, "2")]
    assert rows[0].values["description"] == "first\nsecond\nthird"


def test_semicolon_delimiter_and_bom_are_recognised():
    header, rows = read_table("\ufeffSIRET;Nom\n123;Éco\n".encode())
    assert header == ["SIRET", "Nom"]
    assert rows[0].values == {"SIRET": "123", "Nom": "Éco"}


def test_quoted_header_with_commas_keeps_the_semicolon_delimiter():
    header, rows = read_table(b'"Nom, raison sociale";SIRET\n"Atelier, SAS";123\n')
    assert header == ["Nom, raison sociale", "SIRET"]
    assert rows[0].values == {"Nom, raison sociale": "Atelier, SAS", "SIRET": "123"}


def test_a_row_with_broken_encoding_is_flagged_alone():
    data = "siret,name\n1,Caf\xe9\n2,ok\n".encode("latin-1")
    _header, rows = read_table(data)
    assert rows[0].error == "invalid utf-8 bytes in column(s) name"
    assert rows[0].line == 2
    assert rows[1].error is None and rows[1].values["name"] == "ok"


def test_latin1_file_reads_with_its_encoding():
    data = "siret,name\n1,Café\n".encode("latin-1")
    _header, rows = read_table(data, encoding="latin-1")
    assert rows[0].values["name"] == "Café"


def test_wrong_column_count_rejects_the_row():
    _header, rows = read_table(b"a,b\n1,2,3\n4,5\n")
    assert rows[0].error == "expected 2 columns, found 3"
    assert rows[1].values == {"a": "4", "b": "5"}


def test_empty_file_and_duplicate_header_refuse_the_whole_file():
    with pytest.raises(ImportFileError, match="empty"):
        read_table(b"")
    with pytest.raises(ImportFileError, match="twice"):
        read_table(b"a,a\n1,2\n")


def test_xlsx_rows_keep_spreadsheet_line_numbers():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SIRET", "Nom", "CP"])
    sheet.append([80746931700018, "Baluchon", 93230])
    sheet.append([None, None, None])
    sheet.append(["75187049400026", "La Collecterie", "93100"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    header, rows = read_table(buffer.getvalue())
    assert header == ["SIRET", "Nom", "CP"]
    assert [(r.line, r.values["SIRET"]) for r in rows] == [
        (2, "80746931700018"),
        (4, "75187049400026"),
    ]


def test_corrupt_xlsx_is_refused():
    with pytest.raises(ImportFileError, match="XLSX"):
        read_table(b"PK\x03\x04not really a zip")
