"""Every request gets an id — the one a trusted proxy sent in ``X-Request-Id`` (letters,
digits, dashes; 64 at most), else a new one —, returned in the response's ``X-Request-Id``,
shown on error pages and in the API's error bodies, and logged with one JSON line per
request (logger ``passerelles.request``: id, method, route, path, status, duration, user)
so that a person's report ("référence a1b2…") finds its log line."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request, session

LOGGER = logging.getLogger("passerelles.request")
_GIVEN_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def request_id() -> str:
    """The current request's id ("" outside a request)."""
    return g.get("request_id", "")


def _start() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _GIVEN_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-Id"] = request_id()
    started = g.get("request_started")
    # The signed-in user's id as the session cookie names it ("<id>:<version>"): no query.
    signed = str(session.get("_user_id") or "").partition(":")[0]
    user = int(signed) if signed.isdigit() else None
    LOGGER.info(
        json.dumps(
            {
                "request_id": request_id(),
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "path": request.path,
                "status": response.status_code,
                "ms": round(1000 * (time.perf_counter() - started), 1) if started else None,
                "user": user,
            },
            ensure_ascii=False,
        )
    )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.jinja_env.globals["request_id"] = request_id
    if app.config.get("LOG_REQUESTS") and not LOGGER.handlers:
        # Production: the JSON lines on stderr (gunicorn's error log, or the service's).
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
