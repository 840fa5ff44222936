"""One list of kinds of place (``domain.places``): the intentions' table constraint, form,
write path and API, the matcher and the search read it; the search's place filters take
the divisions only, derived from it."""

from __future__ import annotations

import pytest
from sqlalchemy import CheckConstraint

from domain.places import DIVISION_KINDS, NATIONAL, PLACE_KINDS
from search.query import QueryError, parse_query
from tests.factories import API_INTENTIONS, intention_body, token_for
from webapp.intentions.forms import IntentionForm
from webapp.models import PurchaseIntention


def test_one_list_and_its_divisions():
    assert PLACE_KINDS == ("commune", "epci", "departement", "region", "national")
    assert tuple(k for k in PLACE_KINDS if k != NATIONAL) == DIVISION_KINDS


def test_the_table_constraint_names_every_kind():
    [constraint] = [
        c
        for c in PurchaseIntention.__table__.constraints
        if isinstance(c, CheckConstraint) and "place_kind" in str(c.sqltext)
    ]
    assert all(f"'{kind}'" in str(constraint.sqltext) for kind in PLACE_KINDS)


def test_the_form_offers_every_kind_in_order(app):
    with app.test_request_context():
        form = IntentionForm(meta={"csrf": False})
        assert [choice[0] for choice in form.place_kind.iter_choices()] == list(PLACE_KINDS)


@pytest.mark.parametrize(
    ("kind", "code"),
    [("commune", "59350"), ("departement", "59"), ("region", "32"), ("national", None)],
)
def test_the_api_takes_every_kind(client, session, make_user, kind, code):
    place = {"kind": kind} | ({"code": code} if code else {})
    response = client.post(
        API_INTENTIONS,
        json=intention_body(place=place),
        headers=token_for(session, make_user("buyer")),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["place"]["kind"] == kind


def test_the_api_names_the_kinds_when_refusing_one(client, session, make_user):
    response = client.post(
        API_INTENTIONS,
        json=intention_body(place={"kind": "canton", "code": "5901"}),
        headers=token_for(session, make_user("buyer")),
    )
    assert response.status_code == 400
    assert "place" in str(response.get_json())


class _NoPlaces:
    def known(self, _name):
        return frozenset()

    def place(self, _kind, _code):
        return None


def test_the_search_names_divisions_only():
    with pytest.raises(QueryError) as refused:
        parse_query({"serves": "national:FR"}, _NoPlaces())
    message = refused.value.errors["serves"]
    assert all(f"{kind}:<code>" in message for kind in DIVISION_KINDS)
    assert "national" not in message
