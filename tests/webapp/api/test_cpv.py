"""The CPV completion endpoint (``/api/v1/cpv``)."""

from __future__ import annotations


def test_cpv_endpoint(client):
    response = client.get("/api/v1/cpv?q=nettoyage%20de%20b%C3%A2timents&limit=5")
    assert response.status_code == 200
    body = response.get_json()
    assert {
        "code": "90911200",
        "check_digit": "8",
        "label": "Services de nettoyage de bâtiments",
    } in body["results"]
    assert len(body["results"]) <= 5
    for query in ("", "q=", "q=x&limit=0", "q=x&limit=abc", "q=x&foo=1", "q=x&limit=%C2%B2"):
        bad = client.get(f"/api/v1/cpv?{query}")
        assert bad.status_code == 400 and bad.get_json()["error"]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/cpv" in paths
