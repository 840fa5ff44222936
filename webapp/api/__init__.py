"""The public search API (``/api/v1``): read-only, JSON in every answer."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"


def init_app(app: Flask) -> None:
    """Register the API blueprint, exempt it from CSRF and make its routing errors JSON."""
    from webapp.api import cpv, intentions  # noqa: F401 - their routes join the blueprint
    from webapp.api.views import blueprint
    from webapp.extensions import csrf

    app.register_blueprint(blueprint)
    # No cookies read: the one write (POST /intentions) authenticates with a bearer token,
    # which a forged cross-site request cannot set.
    csrf.exempt(blueprint)
    # A 404 or 405 raised by URL matching reaches no blueprint handler: catch them at the
    # application level, answer JSON under /api/ and leave other pages as they were.
    app.register_error_handler(404, _routing_error)
    app.register_error_handler(405, _routing_error)


def _routing_error(error: HTTPException):
    if request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"):
        from webapp.api.views import http_error

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
