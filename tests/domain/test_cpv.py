"""CPV codes (``domain.cpv``): normalising one, reading several, the CPV 2008 nomenclature.

A buyer who types "9091 0000" means 90910000; "00000000" (a placeholder of the DECP) and
a CPV 2003 code are not CPV codes."""

from __future__ import annotations

import pytest

from domain.cpv import CpvError, default_nomenclature, normalise_cpv, read_cpv_codes
from domain.text import fold


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


def test_several_codes_in_one_cell():
    reading = read_cpv_codes("90910000-9, 77310000;98310000-9 | 90910000")
    assert reading.codes == ("90910000", "77310000", "98310000")
    assert reading.errors == ()
    reading = read_cpv_codes("90910000 nettoyage")
    assert reading.codes == ("90910000",) and "nettoyage" in str(reading.errors[0])


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


# --- One reading, however the code is written ------------------------------------------

# What a buyer may write for one code, and the code meant.
ONE_CODE = [
    ("90910000", "90910000"),
    ("90910000-9", "90910000"),
    ("9091 0000", "90910000"),  # grouped as on a printed notice
    (" 9091 0000-9 ", "90910000"),
    ("9091.0000", "90910000"),
    ("9091\u00a00000", "90910000"),  # a non-breaking space pasted from a document
    ("909100009", "90910000"),  # the check digit without its dash
    ("90910000 - 9", "90910000"),
    ("90910000–9", "90910000"),  # an en dash, as a word processor writes the hyphen
    ("90910000 — 9", "90910000"),  # an em dash
    ("90910000‑9", "90910000"),  # a non-breaking hyphen
    ("90 91 00 00", "90910000"),  # grouped by two
    ("90.91.00.00-9", "90910000"),
]
# Not CPV codes: placeholders, CPV 2003 codes, dates, fragments, words.
NOT_A_CODE = ["00000000", "00000000-1", "74000000", "20190128", "9091", "90910000-99", "nettoyage"]
# Several codes in one text, however separated.
SEVERAL = [
    ("90910000 77310000", ["90910000", "77310000"]),
    ("90910000-9, 77310000;98310000-9 | 90910000", ["90910000", "77310000", "98310000"]),
    ("9091 0000, 7731 0000", ["90910000", "77310000"]),
    ("9091 0000 7731 0000", ["90910000", "77310000"]),
    ("90910000\n77310000", ["90910000", "77310000"]),
    ("90910000|77310000", ["90910000", "77310000"]),
    ("90910000,77310000;98310000", ["90910000", "77310000", "98310000"]),
    ("9091 0000 7731 0000", ["90910000", "77310000"]),
    ("90910000–9 77310000—9", ["90910000", "77310000"]),
]


@pytest.mark.parametrize(("text", "code"), ONE_CODE)
def test_one_code_however_written(text, code):
    assert normalise_cpv(text) == code
    assert read_cpv_codes(text).codes == (code,)
    assert read_cpv_codes([text]).codes == (code,)


@pytest.mark.parametrize("text", NOT_A_CODE)
def test_not_a_code_is_an_error_of_its_own(text):
    with pytest.raises(CpvError):
        normalise_cpv(text)
    reading = read_cpv_codes(f"77310000 {text}")
    assert reading.codes == ("77310000",)
    assert len(reading.errors) == 1 and reading.errors[0].text in text


@pytest.mark.parametrize(("text", "codes"), SEVERAL)
def test_several_codes_in_one_text(text, codes):
    assert read_cpv_codes(text).codes == tuple(codes)
    assert not read_cpv_codes(text).errors
    with pytest.raises(CpvError, match="several"):
        normalise_cpv(text)


def test_a_list_is_read_item_by_item_and_odd_items_are_errors():
    reading = read_cpv_codes(["9091 0000", 77310000, None, {"code": 1}, "", "00000000"])
    assert reading.codes == ("90910000", "77310000")
    assert [e.text for e in reading.errors] == ["None", "{'code': 1}", "00000000"]
    assert read_cpv_codes(None) == read_cpv_codes("") == read_cpv_codes([])
    assert not read_cpv_codes(None).codes and not read_cpv_codes(None).errors


def test_errors_say_why():
    reading = read_cpv_codes("00000000 9091 nettoyage")
    assert [str(e) for e in reading.errors] == [
        "'00000000' is not a code of the CPV 2008 nomenclature",
        "'9091' is not a CPV code (8 digits, optionally -check digit)",
        "'nettoyage' is not a CPV code (8 digits, optionally -check digit)",
    ]


# A gap anywhere but between the groups of a printed notice: what was written, piece by
# piece, each an error — never a code made up by gluing the pieces together.
MISPLACED_GAPS = [
    ("9091000 0", ["9091000", "0"]),
    ("9 7731000", ["9", "7731000"]),
    ("909 10000", ["909", "10000"]),
    ("90 9100 00", ["90", "9100", "00"]),
    ("9091 00009", ["9091", "00009"]),  # the dashless check digit only after 8 in a row
    ("9091  0000", ["9091", "0000"]),  # one space, not two
]


@pytest.mark.parametrize(("text", "pieces"), MISPLACED_GAPS)
def test_a_gap_inside_a_group_is_no_code(text, pieces):
    reading = read_cpv_codes(text)
    assert reading.codes == ()
    assert [e.text for e in reading.errors] == pieces


def test_a_stray_digit_between_codes_loses_neither_code():
    # It used to start a code of its own ("9 7731000", then "0" as its check digit).
    reading = read_cpv_codes("90910000 9 77310000")
    assert reading.codes == ("90910000", "77310000")
    assert [e.text for e in reading.errors] == ["9"]


def test_a_code_search_reads_the_dash_variants_too():
    assert [c.code for c in default_nomenclature().search("90911200–8")] == ["90911200"]
