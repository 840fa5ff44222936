"""CPV codes on the intentions' pages: labels shown, completion offered, non-codes refused."""

from __future__ import annotations

from tests.factories import csrf_token, sign_in
from webapp.models import PurchaseIntention


def test_intention_page_and_api_show_cpv_labels_and_accept_no_sector(client, session):
    row = PurchaseIntention(
        title="Chantiers Rebond Social : Prestations d'insertion sociale et professionnelle",
        cpv_codes="75231240 90911200",
        place_kind="commune",
        place_code="69123",
        place_label="Lyon",
        buyer_name="Ville de Lyon",
        status="published",
        forecast=True,
        source="decp",
    )
    session.add(row)
    session.commit()
    page = client.get(f"/intentions/{row.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '90911200 <span lang="fr">Services de nettoyage de bâtiments</span>' in html
    assert "Services de réinsertion" in html
    detail = client.get(f"/api/v1/intentions/{row.id}")
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["sectors"] == []
    assert {"code": "90911200", "label": "Services de nettoyage de bâtiments"} in body["cpv"]
    assert client.get(f"/api/v1/intentions/{row.id}/matches").status_code == 200
    assert client.get("/intentions/").status_code == 200


def test_the_form_offers_completion_and_still_refuses_non_codes(client, session, make_user):
    sign_in(client, make_user("buyer"))
    form = client.get("/intentions/nouvelle").get_data(as_text=True)
    assert 'data-cpv-complete="/api/v1/cpv"' in form and "js/cpv_complete.js" in form
    response = client.post(
        "/intentions/nouvelle",
        data={
            "csrf_token": csrf_token(client, "/intentions/nouvelle"),
            "title": "Nettoyage",
            "cpv_codes": "90911200 00000000",
            "place_kind": "national",
            "social_consideration": "unknown",
            "save": "Enregistrer",
        },
    )
    # Without JavaScript the words or placeholder codes are refused with the field's error.
    assert response.status_code == 400
    assert "Codes CPV non reconnus : 00000000" in response.get_data(as_text=True)
