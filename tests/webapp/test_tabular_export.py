"""The one spreadsheet writer (``webapp.tabular_export``) and the two exports written by it
(search results, shortlists): the bytes of the CSV, the cells and types of the XLSX,
formulas defused, what XML refuses cleaned."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from webapp import tabular_export
from webapp.buyers import exports
from webapp.search_ui import export

HEADERS = ["SIRET", "Nom", "Distance (km)"]
ROWS = [
    ["80746931700018", "Baluchon", 12.5],
    ["1", '=HYPERLINK("http://x")', None],
    ["2", "Atelier\x01 du Nord", 3],
]


def test_csv_bytes():
    assert (
        tabular_export.to_csv(HEADERS, ROWS, decimal_comma=True)
        == (
            "\ufeffSIRET;Nom;Distance (km)\r\n"
            "80746931700018;Baluchon;12,5\r\n"
            '1;"\'=HYPERLINK(""http://x"")";\r\n'
            "2;Atelier\x01 du Nord;3\r\n"
        ).encode()
    )
    english = tabular_export.to_csv(HEADERS, ROWS[:1], decimal_comma=False)
    assert english.endswith(b"80746931700018;Baluchon;12.5\r\n")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_a_formula_start_is_defused_with_a_quote(value):
    assert tabular_export.defuse(value) == "'" + value
    assert tabular_export.defuse("Nettoyage = propreté") == "Nettoyage = propreté"
    row = tabular_export.to_csv(["a"], [[value]], decimal_comma=True).decode("utf-8-sig")
    assert row.split("\r\n")[1].strip('"').startswith("'")


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_xlsx_cells_types_and_layout():
    sheet = read_xlsx(
        tabular_export.to_xlsx(
            HEADERS, ROWS, title="Traiteurs [Nord]: 2026/?", fallback_title="Liste", widths=(16, 40)
        )
    )
    assert sheet.title == "Traiteurs Nord 2026"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        HEADERS,
        ["80746931700018", "Baluchon", 12.5],
        ["1", '=HYPERLINK("http://x")', None],
        ["2", "Atelier du Nord", 3],  # openpyxl would refuse the control character
    ]
    assert sheet.cell(row=3, column=2).data_type == "s"  # text, not a formula
    assert sheet.cell(row=2, column=3).data_type == "n"
    assert sheet.freeze_panes == "A2"
    assert [sheet.column_dimensions[c].width for c in "AB"] == [16, 40]


def test_a_title_with_nothing_valid_left_takes_the_fallback():
    assert tabular_export.sheet_title("[]:*?/\\") == ""
    assert tabular_export.sheet_title("x" * 40) == "x" * 31
    data = tabular_export.to_xlsx(["a"], [], title="[]:*", fallback_title="Liste", widths=())
    assert read_xlsx(data).title == "Liste"


SEARCH_ROW = ("80746931700018", "=1+1", "EI", "Nettoyage", "Romainville", "93", 12.3, "@x")
LIST_ROW = ["80746931700018", "-1", "EI", "Nettoyage", "Romainville", "93", "", "+note"]


def test_both_exports_are_the_writer_s_bytes(app):
    with app.test_request_context():
        assert export.to_csv([SEARCH_ROW]) == tabular_export.to_csv(
            export.headers(), [SEARCH_ROW], decimal_comma=True
        )
        assert exports.to_csv([LIST_ROW]) == tabular_export.to_csv(
            exports.headers(), [LIST_ROW], decimal_comma=True
        )
        search_csv = export.to_csv([SEARCH_ROW]).decode("utf-8-sig").splitlines()[1]
        assert search_csv == "80746931700018;'=1+1;EI;Nettoyage;Romainville;93;12,3;'@x"
        list_csv = exports.to_csv([LIST_ROW]).decode("utf-8-sig").splitlines()[1]
        assert list_csv == "80746931700018;'-1;EI;Nettoyage;Romainville;93;;'+note"
        search_sheet = read_xlsx(export.to_xlsx([SEARCH_ROW]))
        list_sheet = read_xlsx(exports.to_xlsx([LIST_ROW], "Traiteurs"))
    assert [c.value for c in search_sheet[2]] == list(SEARCH_ROW)
    assert [c.value for c in list_sheet[2]] == [v or None for v in LIST_ROW]
    assert list_sheet.title == "Traiteurs"
    assert search_sheet.freeze_panes == list_sheet.freeze_panes == "A2"
