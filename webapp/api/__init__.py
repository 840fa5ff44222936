"""The public API (``/api/v1``): JSON in every answer, its OpenAPI document generated from
the schemas each route reads and writes (flask-smorest), interactive docs at ``/api/docs``."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

from webapp.api.errors import http_error

API_ROOT = "/api/"


def init_app(app: Flask) -> None:
    """Register the API and its docs page, exempt the API from CSRF and make its routing
    errors JSON."""
    # The modules whose routes join the blueprint, before it is registered.
    from webapp.api import cpv, docs, enterprises, events, intentions, me, spec  # noqa: F401
    from webapp.api.blueprint import blueprint
    from webapp.extensions import csrf

    spec.init_app(app)
    app.register_blueprint(docs.blueprint)
    # No cookies read: the one write (POST /intentions) authenticates with a bearer token,
    # which a forged cross-site request cannot set.
    csrf.exempt(blueprint)
    # A 404 or 405 raised by URL matching reaches no blueprint handler: catch them at the
    # application level, answer JSON under /api/ and leave other pages as they were.
    app.register_error_handler(404, _routing_error)
    app.register_error_handler(405, _routing_error)


def _routing_error(error: HTTPException):
    if request.path.startswith(API_ROOT) or request.path == API_ROOT.rstrip("/"):
        return http_error(error)
    return _fallback(error)


def _fallback(error: HTTPException):
    """The handler Flask would have chosen without ours: the first one registered for the
    error's class, on the current blueprints then on the application (main's error page)."""
    for name in (*request.blueprints, None):
        handlers = current_app.error_handler_spec[name][None]
        for cls in type(error).__mro__:
            if cls in handlers:
                return handlers[cls](error)
    return error
