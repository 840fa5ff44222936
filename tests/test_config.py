"""Configuration defaults that a fresh machine relies on (README, "Configuration")."""

from __future__ import annotations

from flask import Flask, render_template_string

from config import Config
from webapp.security import content_security_policy


def test_maps_need_no_tile_server_by_default(monkeypatch):
    """Offline by default: no tile URL, so no page waits on a server it cannot reach and the
    CSP lets images come from nowhere but us."""
    monkeypatch.delenv("MAP_TILES_URL", raising=False)
    monkeypatch.delenv("MAP_TILES_ATTRIBUTION", raising=False)
    config = Config()
    assert config.MAP_TILES_URL == "" and config.MAP_TILES_ATTRIBUTION == ""
    app = Flask(__name__)
    app.config.from_object(config)
    assert content_security_policy(app)["img-src"] == ["'self'", "data:"]


def test_a_configured_tile_server_is_allowed_and_used(monkeypatch):
    monkeypatch.setenv("MAP_TILES_URL", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    app = Flask(__name__)
    app.config.from_object(Config())
    assert "https://*.tiles.example.org" in content_security_policy(app)["img-src"]


def test_the_map_macro_adds_tiles_only_when_configured(app):
    template = "{% from '_macros.html' import map %}{{ map([]) }}"
    with app.test_request_context():
        app.config["MAP_TILES_URL"] = ""
        assert "data-tiles" not in render_template_string(template)
        app.config["MAP_TILES_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
        try:
            assert 'data-tiles="https://tiles.example.org/' in render_template_string(template)
        finally:
            app.config["MAP_TILES_URL"] = ""
