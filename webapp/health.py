"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: the database answers,
its schema is migrated, the search engine answers, the search outbox is drained), as JSON
for a load balancer or an orchestrator. Both only read; ``/readyz`` answers 503 with
``Retry-After`` when a check fails, saying which."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text

from webapp.extensions import db
from webapp.indexing.engine import get_backend
from webapp.indexing.sync import active_count
from webapp.matching.pool import supplier_pool
from webapp.models import SearchOutbox
from webapp.permissions import requires

blueprint = Blueprint("health", __name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Changes waiting this long for the index mean the drain is not running.
OUTBOX_MAX_AGE_SECONDS = 600
RETRY_AFTER_SECONDS = 10


def probed_over_http(view):
    """A load balancer probes the process directly, in plain HTTP: no redirect to https
    (Flask-Talisman's per-view option)."""
    view.talisman_view_options = {"force_https": False}
    return view


@blueprint.route("/healthz")
@probed_over_http
@requires("view_public")
def healthz():
    return jsonify({"status": "ok"})


@blueprint.route("/readyz")
@probed_over_http
@requires("view_public")
def readyz():
    checks: dict[str, dict[str, Any]] = {"database": _database()}
    if checks["database"]["ok"]:
        checks["migrations"] = _migrations()
        checks["outbox"] = _outbox()
    checks["search"] = _search()
    checks["matcher_pool"] = {"ok": True, "warm": supplier_pool().warm(db.engine)}
    ready = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    if ready:
        return response
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _timed(check):
    started = time.perf_counter()
    try:
        found = check()
    except Exception as error:  # any failure of a dependency means "not ready", said
        found = {"ok": False, "error": f"{type(error).__name__}: {str(error)[:200]}"}
    found["ms"] = round(1000 * (time.perf_counter() - started), 1)
    return found


def _database() -> dict[str, Any]:
    return _timed(lambda: {"ok": db.session.execute(text("SELECT 1")).scalar() == 1})


def _migrations() -> dict[str, Any]:
    def check():
        heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
        connection = db.session.connection()
        current = set(MigrationContext.configure(connection).get_current_heads())
        return {"ok": current == heads, "current": sorted(current), "head": sorted(heads)}

    return _timed(check)


def _outbox() -> dict[str, Any]:
    def check():
        pending, oldest = db.session.execute(
            select(func.count(), func.min(SearchOutbox.created_at))
        ).one()
        age = None
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = round((datetime.now(UTC) - oldest).total_seconds())
        return {
            "ok": age is None or age < OUTBOX_MAX_AGE_SECONDS,
            "pending": pending,
            "oldest_seconds": age,
        }

    return _timed(check)


def _search() -> dict[str, Any]:
    def check():
        backend = get_backend(current_app)
        documents = backend.count()
        active = active_count(db.session)
        # An empty index beside a directory is a lost index file, not a quiet directory.
        return {
            "ok": documents > 0 or not active,
            "engine": backend.name,
            "documents": documents,
            "active_enterprises": active,
        }

    return _timed(check)
