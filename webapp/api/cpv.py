"""``GET /api/v1/cpv?q=nettoyage``: CPV 2008 codes and their French labels, found by code
prefix or by words of the label (accent-insensitive), for the intention form's CPV field
and for API clients."""

from __future__ import annotations

from flask import jsonify, request

from domain.cpv import MAX_RESULTS, default_nomenclature
from webapp.api.views import ApiError, blueprint
from webapp.permissions import requires

DEFAULT_LIMIT = 10
MAX_QUERY = 100


@blueprint.get("/cpv")
@requires("view_public")
def search_cpv():
    unknown = sorted(set(request.args) - {"q", "limit"})
    if unknown:
        raise ApiError(400, "invalid parameters", {name: "unknown parameter" for name in unknown})
    query = request.args.get("q", "").strip()
    if not query or len(query) > MAX_QUERY:
        raise ApiError(400, "invalid parameters", {"q": f"required, 1 to {MAX_QUERY} characters"})
    limit_text = request.args.get("limit", str(DEFAULT_LIMIT))
    if (
        not limit_text.isascii()
        or not limit_text.isdigit()
        or not 1 <= int(limit_text) <= MAX_RESULTS
    ):
        raise ApiError(400, "invalid parameters", {"limit": f"an integer from 1 to {MAX_RESULTS}"})
    found = default_nomenclature().search(query, int(limit_text))
    return jsonify(
        {
            "query": query,
            "results": [
                {"code": c.code, "check_digit": c.check_digit, "label": c.label} for c in found
            ],
        }
    )
