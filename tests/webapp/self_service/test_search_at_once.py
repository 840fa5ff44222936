"""An enterprise's edits in its self-service space reach the search index at once."""

from __future__ import annotations

from tests.factories import IN_LILLE, csrf_token, make_enterprise, sign_in

SIRET = "44306184100047"


def search(client, q: str) -> list[str]:
    response = client.get(f"/api/v1/enterprises?q={q}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [result["siret"] for result in response.get_json()["results"]]


def test_an_edit_is_found_by_search_at_once(client, session, search_backend, make_user):
    enterprise = make_enterprise(session, SIRET, **IN_LILLE)
    session.commit()
    sign_in(client, make_user("enterprise", enterprise=enterprise))
    base = f"/espace/entreprises/{SIRET}"
    assert search(client, "lombricompostage") == []

    token = csrf_token(client, base + "/presentation")
    response = client.post(
        base + "/presentation",
        data={"csrf_token": token, "description": "Collecte et lombricompostage des biodéchets."},
    )
    assert response.status_code == 302
    assert search(client, "lombricompostage") == [SIRET]

    response = client.post(
        base + "/offres/nouvelle",
        data={
            "csrf_token": token,
            "title": "Apiculture urbaine",
            "presta_type": "service",
            "sector": "",
        },
    )
    assert response.status_code == 302
    assert search(client, "apiculture") == [SIRET]
