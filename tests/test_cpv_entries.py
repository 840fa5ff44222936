"""One reading of CPV codes at every entry: the intention form, the API, the template
import and the DECP import give the same answer for the same text (``domain.cpv``).

A buyer who types "9091 0000" means 90910000; "00000000" (a placeholder of the DECP) and
a CPV 2003 code are not CPV codes, wherever they are written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.cpv import CpvError, normalise_cpv, read_cpv_codes
from importers.decp import parse_decp
from importers.intentions import parse_intentions
from importers.places import PlaceReader
from tests.conftest import sign_in
from tests.test_api_intentions import API, body, token_for
from tests.test_decp import as_file, v2_contract
from tests.test_import_intentions import BASE, write
from tests.test_intentions import NEW, form_data
from webapp.models import PurchaseIntention

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
]


# --- The one reading ---------------------------------------------------------------------------


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


# --- Every entry gives the same answer ---------------------------------------------------------


def by_form(client, session, make_user, text):
    sign_in(client, make_user("buyer"))
    response = client.post(NEW, data=form_data(client, NEW, cpv_codes=text))
    assert response.status_code in (302, 400)
    row = session.scalar(select(PurchaseIntention))
    return row.cpv_list if row else None


def by_api(client, session, make_user, text):
    user = make_user("buyer")
    response = client.post(API, json=body(cpv_codes=text), headers=token_for(session, user))
    assert response.status_code in (201, 400), response.get_json()
    return response.get_json()["cpv_codes"] if response.status_code == 201 else None


def by_template(client, session, make_user, text, tmp_path):
    parsed = parse_intentions(write(tmp_path, BASE | {"codes_cpv": text}), session)
    return parsed.records[0].cpv_codes if parsed.records else None


def by_decp(client, session, make_user, text):
    parsed = parse_decp(as_file(v2_contract(codeCPV=text)), PlaceReader(session))
    [contract] = parsed.records  # a contract with an unreadable code stays a track record
    return [contract.cpv] if contract.cpv else None


ENTRIES = {"form": by_form, "api": by_api, "template": by_template, "decp": by_decp}


def read_by(entry, client, session, make_user, tmp_path, text):
    if entry == "template":
        return by_template(client, session, make_user, text, tmp_path)
    return ENTRIES[entry](client, session, make_user, text)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("text", ["9091 0000", "90910000-9", "9091 0000-9"])
def test_every_entry_reads_a_grouped_code(client, session, make_user, tmp_path, entry, text):
    assert read_by(entry, client, session, make_user, tmp_path, text) == ["90910000"]


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("text", ["00000000", "74000000-9", "9091"])
def test_every_entry_refuses_what_is_not_a_code(client, session, make_user, tmp_path, entry, text):
    assert read_by(entry, client, session, make_user, tmp_path, text) is None


@pytest.mark.parametrize("entry", ["form", "api", "template"])
def test_every_list_entry_reads_several_codes_alike(client, session, make_user, tmp_path, entry):
    text = "9091 0000, 7731 0000 | 98310000-9"
    found = read_by(entry, client, session, make_user, tmp_path, text)
    assert found == ["90910000", "77310000", "98310000"]
