"""JSON errors for every failure under /api/, HTML ones elsewhere."""

from __future__ import annotations

import pytest

from search.results import SearchResult
from tests.factories import BALUCHON_SIRET, get_json


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/enterprises/a/b", "/api/v2/", "/api/"])
def test_unknown_api_routes_are_json_404(client, path):
    body = get_json(client, path, 404)
    assert set(body) == {"error"} and body["error"]


def test_wrong_method_is_a_json_405_not_a_csrf_error(client):
    response = client.post("/api/v1/enterprises", data={"q": "x"})
    assert response.status_code == 405 and response.is_json
    assert "GET" in response.headers["Allow"]
    assert client.delete(f"/api/v1/enterprises/{BALUCHON_SIRET}").status_code == 405


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Page introuvable" in response.get_data(as_text=True)
    assert client.post("/recherche").status_code == 405


class _FailingBackend:
    name = "failing"

    def __init__(self, error: Exception):
        self.error = error

    def search(self, query) -> SearchResult:
        raise self.error

    def suggest(self, prefix, limit=8):
        raise self.error


def test_search_service_down_is_a_503_json_and_page(app, client, session):
    from search.backend import SearchUnavailable

    previous = app.extensions.get("search_backend")
    app.extensions["search_backend"] = _FailingBackend(SearchUnavailable("down"))
    try:
        response = client.get("/api/v1/enterprises?q=x")
        assert response.status_code == 503
        # The request id a caller quotes when reporting it, the one in the header.
        assert response.get_json() == {
            "error": "search temporarily unavailable",
            "request_id": response.headers["X-Request-Id"],
        }
        assert client.get("/recherche?q=x").status_code == 503
        # The search box's suggestions degrade quietly.
        assert client.get("/recherche/suggestions?q=xyz").get_json()["suggestions"] == []
    finally:
        app.extensions["search_backend"] = previous


def test_unexpected_failure_is_a_json_500(app, client, session):
    previous = app.extensions.get("search_backend")
    app.extensions["search_backend"] = _FailingBackend(ZeroDivisionError("bug"))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/api/v1/enterprises")
        assert response.status_code == 500
        assert response.get_json() == {
            "error": "internal server error",
            "request_id": response.headers["X-Request-Id"],
        }
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
        app.extensions["search_backend"] = previous
