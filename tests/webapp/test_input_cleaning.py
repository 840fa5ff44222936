"""Incoming text is cleaned once at the request boundary (``webapp.input_cleaning``, with
``domain.text.clean_text``): every form field, query argument, JSON string and URL value.
NUL, the other control characters and lone surrogates go; tabs and line breaks of
multi-line fields stay; nothing answers 500. The import boundary has its own tests
(tests/importers/test_input_cleaning.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import (
    API_INTENTIONS,
    CONTROLS,
    CONTROLS_AND_SURROGATE,
    NEW_INTENTION,
    csrf_token,
    intention_body,
    intention_form,
    make_enterprise,
    sign_in,
    token_for,
)
from webapp.models import PurchaseIntention


def test_a_form_field_is_cleaned_and_keeps_its_line_breaks(client, session, make_user):
    sign_in(client, make_user("buyer"))
    description = "Entretien des écoles :\r\n\t- cours\r\n\t- préaux"
    response = client.post(
        NEW_INTENTION,
        data=intention_form(
            client,
            NEW_INTENTION,
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
    sent = intention_body(
        title=f"Nettoyage{CONTROLS_AND_SURROGATE} des écoles",
        description="Lot 1 :\n\tnettoyage",
        lots=[{"title": f"Lot{CONTROLS_AND_SURROGATE} A", "sectors": []}],
    )
    response = client.post(API_INTENTIONS, json=sent, headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["title"] == "Nettoyage des écoles"
    assert data["description"] == "Lot 1 :\n\tnettoyage"
    assert [lot["title"] for lot in data["lots"]] == ["Lot A"]
    # A field name with a control character is the field itself.
    renamed = {"descr\x00iption" if k == "description" else k: v for k, v in sent.items()}
    response = client.post(API_INTENTIONS, json=renamed | {"external_id": "ACH-2"}, headers=headers)
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
    raw = json.dumps(intention_body(title="a\ud800\x00b", external_id="\x00")).encode()
    response = client.post(
        API_INTENTIONS, data=raw, headers=headers, content_type="application/json"
    )
    assert response.status_code in (201, 400)


def test_a_form_post_with_every_control_character_is_no_server_error(client, session):
    data = {"csrf_token": csrf_token(client), "email": f"a{CONTROLS}@x.fr", "password": CONTROLS}
    assert client.post("/compte/connexion", data=data).status_code in (200, 400, 401)


def test_a_vertical_tab_from_a_word_export_is_a_line_break(client, session, make_user):
    headers = token_for(session, make_user("buyer"))
    sent = intention_body(description="Nettoyage\x0bvitrerie\x0cpréaux")
    response = client.post(API_INTENTIONS, json=sent, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["description"] == "Nettoyage\nvitrerie\npréaux"


DEEP = 2_000  # past the JSON reader's depth (the recursion limit, 1,000)
DEEP_BODY = '{"title": ' + "[" * DEEP + "]" * DEEP + "}"


def test_a_body_nested_too_deep_is_a_400_not_a_500(app, client, session, make_user):
    headers = token_for(session, make_user("buyer"))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is answered, not raised
    response = client.post(
        API_INTENTIONS, data=DEEP_BODY, headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "the body must be a JSON object"


def test_a_body_nested_deep_but_readable_is_cleaned_and_refused_as_a_field(
    client, session, make_user
):
    headers = token_for(session, make_user("buyer"))
    nested = 500  # read by the JSON reader; the cleaning used to recurse past the limit
    body = '{"title": ' + "[" * nested + '"a\\u0000"' + "]" * nested + "}"
    response = client.post(
        API_INTENTIONS, data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert "title" in response.get_json()["fields"]


def test_a_form_route_sent_a_body_nested_too_deep_is_no_server_error(
    app, client, session, make_user
):
    sign_in(client, make_user("buyer"))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post(NEW_INTENTION, data=DEEP_BODY, content_type="application/json")
    assert response.status_code < 500
