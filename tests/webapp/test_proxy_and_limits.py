"""Serving behind a proxy and refusing oversized bodies: with ``PROXY_HOPS`` the client's
address and scheme are the ones the proxy saw (so the sign-in limit keys on each client,
not on the proxy), without it forwarded headers are ignored (a client cannot spoof its
address); a body over ``MAX_CONTENT_LENGTH`` is a 413 (JSON on the API) before it is read;
a Redis store for the limits works with the ``redis`` client the project depends on."""

from __future__ import annotations

import os

import pytest
import redis
from flask import request

import config
from tests.factories import token_for
from webapp import create_app
from webapp.extensions import limiter

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _app_with(**settings):
    settings_ = config.TestConfig()
    for name, value in settings.items():
        setattr(settings_, name, value)
    app = create_app(settings_)

    @app.get("/_seen")
    def seen():  # what the app (and its rate limiter) sees of the client
        return f"{limiter._key_func()} {request.scheme}"

    return app


def test_behind_one_trusted_proxy_the_client_is_the_forwarded_one():
    client = _app_with(PROXY_HOPS=1).test_client()
    assert client.get("/_seen", headers=FORWARDED).get_data(as_text=True) == "203.0.113.7 https"
    other = {**FORWARDED, "X-Forwarded-For": "198.51.100.9"}
    assert client.get("/_seen", headers=other).get_data(as_text=True) == "198.51.100.9 https"


def test_without_a_trusted_proxy_forwarded_headers_are_ignored():
    client = _app_with(PROXY_HOPS=0).test_client()
    assert client.get("/_seen", headers=FORWARDED).get_data(as_text=True) == "127.0.0.1 http"


def test_an_oversized_body_is_refused_before_it_is_read(client, session, make_user):
    big = b"x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)
    page = client.post("/compte/connexion", data=big, content_type="application/octet-stream")
    assert page.status_code == 413
    headers = token_for(session, make_user("buyer"))
    api = client.post(
        "/api/v1/intentions", data=big, content_type="application/json", headers=headers
    )
    assert api.status_code == 413
    assert api.is_json and "error" in api.get_json()


def test_production_limits_in_redis(monkeypatch):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    production = config.ProductionConfig()
    production.SQLALCHEMY_DATABASE_URI = "sqlite:///:memory:"
    app = create_app(production)  # used to crash: no redis client installed
    assert app.config["RATELIMIT_STORAGE_URI"] == url
    with app.test_request_context():
        assert limiter.storage.check()  # a real round trip to Redis
    assert os.environ["REDIS_URL"] == url
