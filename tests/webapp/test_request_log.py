"""Request ids and the request log: every response carries an X-Request-Id (a sane one
given by a proxy is kept, anything else replaced); error pages and the API's 5xx bodies
show it; one JSON line per request says id, route, status, duration and user."""

from __future__ import annotations

import json
import logging
import re

from tests.factories import get_json, sign_in
from webapp.request_log import LOGGER


def test_each_response_has_its_own_id(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_sane_id_from_the_proxy_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-Id": "lb-1234-abcd"})
    assert kept.headers["X-Request-Id"] == "lb-1234-abcd"
    hostile = client.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-Id"])


def test_the_error_page_shows_the_request_id(client):
    response = client.get("/entreprises/00000000000000")
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] in response.get_data(as_text=True)


def test_one_json_line_per_request(client, make_user, caplog):
    user = make_user("buyer")
    sign_in(client, user)
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        response = client.get("/intentions/")
        get_json(client, "/api/v1/events")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == LOGGER.name]
    page = next(line for line in lines if line["path"] == "/intentions/")
    assert page["request_id"] == response.headers["X-Request-Id"]
    assert (page["method"], page["route"], page["status"]) == ("GET", "/intentions/", 200)
    assert page["user"] == user.id and page["ms"] >= 0
    assert any(line["route"] == "/api/v1/events" for line in lines)
