"""One reading of CPV codes at every entry: the intention form, the API, the template
import and the DECP import give the same answer for the same text (``domain.cpv``, whose
own tests are in tests/domain/test_cpv.py): "9091 0000" is 90910000, and "00000000" or a
CPV 2003 code is no CPV code, wherever it is written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from importers.decp import parse_decp
from importers.intentions import parse_intentions
from importers.places import PlaceReader
from tests.factories import (
    API_INTENTIONS,
    NEW_INTENTION,
    intention_body,
    intention_form,
    sign_in,
    token_for,
)
from tests.importers.factories import TEMPLATE_ROW, decp_file, v2_contract, write_template
from webapp.models import PurchaseIntention


def by_form(client, session, make_user, text):
    sign_in(client, make_user("buyer"))
    response = client.post(
        NEW_INTENTION, data=intention_form(client, NEW_INTENTION, cpv_codes=text)
    )
    assert response.status_code in (302, 400)
    row = session.scalar(select(PurchaseIntention))
    return row.cpv_list if row else None


def by_api(client, session, make_user, text):
    user = make_user("buyer")
    response = client.post(
        API_INTENTIONS, json=intention_body(cpv_codes=text), headers=token_for(session, user)
    )
    assert response.status_code in (201, 400), response.get_json()
    return response.get_json()["cpv_codes"] if response.status_code == 201 else None


def by_template(client, session, make_user, text, tmp_path):
    parsed = parse_intentions(write_template(tmp_path, TEMPLATE_ROW | {"codes_cpv": text}), session)
    return parsed.records[0].cpv_codes if parsed.records else None


def by_decp(client, session, make_user, text):
    parsed = parse_decp(decp_file(v2_contract(codeCPV=text)), PlaceReader(session))
    [contract] = parsed.records  # a contract with an unreadable code stays a track record
    return [contract.cpv] if contract.cpv else None


ENTRIES = {"form": by_form, "api": by_api, "template": by_template, "decp": by_decp}


def read_by(entry, client, session, make_user, tmp_path, text):
    if entry == "template":
        return by_template(client, session, make_user, text, tmp_path)
    return ENTRIES[entry](client, session, make_user, text)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    "text", ["9091 0000", "90910000-9", "9091 0000-9", "90910000\u20139", "90 91 00 00"]
)
def test_every_entry_reads_a_grouped_code(client, session, make_user, tmp_path, entry, text):
    assert read_by(entry, client, session, make_user, tmp_path, text) == ["90910000"]


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("text", ["00000000", "74000000-9", "9091", "9091000 0"])
def test_every_entry_refuses_what_is_not_a_code(client, session, make_user, tmp_path, entry, text):
    assert read_by(entry, client, session, make_user, tmp_path, text) is None


@pytest.mark.parametrize("entry", ["form", "api", "template"])
def test_every_list_entry_reads_several_codes_alike(client, session, make_user, tmp_path, entry):
    text = "9091 0000, 7731 0000 | 98310000-9"
    found = read_by(entry, client, session, make_user, tmp_path, text)
    assert found == ["90910000", "77310000", "98310000"]
