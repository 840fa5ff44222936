"""The public, read-only search API: ``/api/v1/``. Every answer, errors included, is JSON."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from domain.reservations import eligible_articles
from search.backend import SearchUnavailable  # the engine is down: a 503, not a 500
from search.query import FACETS, KNOWN_PARAMETERS, QueryError, parse_query
from search.results import Hit
from webapp.api.auth import token_required
from webapp.api.openapi import openapi_document
from webapp.directory.queries import profile_query
from webapp.extensions import db
from webapp.indexing.engine import get_backend
from webapp.indexing.places import DatabasePlaces
from webapp.models import Enterprise
from webapp.permissions import requires
from webapp.search_ui.present import Vocabulary, load_vocabulary, reason_text

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

_SIRET = re.compile(r"[0-9]{14}")
MAX_REPORTED_UNKNOWN = 10


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields


def error_response(status: int, message: str, fields: dict[str, str] | None = None):
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


@blueprint.errorhandler(ApiError)
def api_error(error: ApiError):
    return error_response(error.status, error.message, error.fields)


@blueprint.errorhandler(HTTPException)
def http_error(error: HTTPException):
    response, status = error_response(error.code or 500, error.description or error.name)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


@blueprint.errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    db.session.rollback()
    return error_response(500, "internal server error")


def _query_fields(error: QueryError, args) -> dict[str, str]:
    """The parser's problems by parameter; each unknown parameter named on its own."""
    fields = {name: problem for name, problem in error.errors.items() if name != "_"}
    unknown = sorted(set(args.keys()) - KNOWN_PARAMETERS)
    for name in unknown[:MAX_REPORTED_UNKNOWN]:
        clipped = name.replace("\x00", "")[:40]
        fields[clipped] = "unknown parameter"
    return fields


def hit_json(hit: Hit, vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "siret": hit.siret,
        "name": hit.name,
        "kind": hit.kind,
        "sectors": list(hit.sectors),
        "commune": hit.commune,
        "departement": hit.departement,
        "distance_km": hit.distance_km,
        "score": hit.score,
        "reasons": [
            {"code": r.code, "detail": r.detail, "text": reason_text(r, vocabulary)}
            for r in hit.reasons
        ],
    }


@blueprint.get("/enterprises")
@requires("view_public")
def list_enterprises():
    try:
        query = parse_query(request.args, DatabasePlaces(db.session), strict=True)
    except QueryError as error:
        raise ApiError(400, "invalid parameters", _query_fields(error, request.args)) from None
    try:
        result = get_backend(current_app).search(query)
    except SearchUnavailable:
        raise ApiError(503, "search temporarily unavailable") from None
    vocabulary = load_vocabulary(db.session)
    return jsonify(
        {
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
            "results": [hit_json(hit, vocabulary) for hit in result.hits],
            "facets": {name: dict(result.facets.get(name, {})) for name in FACETS},
        }
    )


def enterprise_json(enterprise: Enterprise) -> dict[str, Any]:
    zone = enterprise.zone
    capacity = enterprise.capacity
    return {
        "siret": enterprise.siret,
        "siren": enterprise.siren,
        "name": enterprise.name,
        "brand": enterprise.brand,
        "display_name": enterprise.display_name,
        "kind": enterprise.kind,
        "status": enterprise.status,
        "legal_form": enterprise.legal_form,
        "ess_status": enterprise.ess_status,
        "naf_code": enterprise.naf_code,
        "address": enterprise.address,
        "post_code": enterprise.post_code,
        "city": enterprise.city,
        "commune": enterprise.commune_insee,
        "departement": enterprise.departement_code,
        "latitude": enterprise.latitude,
        "longitude": enterprise.longitude,
        "position_precision": enterprise.position_precision,
        "website": enterprise.website,
        "description": enterprise.description,
        "reservations": list(eligible_articles(enterprise.kind, enterprise.ess_status)),
        "sectors": [
            {
                "slug": row.sector.slug,
                "name": row.sector.name,
                "group": row.sector.group.slug,
                "source": row.source,
                "confidence": row.confidence,
                "status": row.status,
            }
            for row in sorted(enterprise.sectors, key=lambda r: (-r.confidence, r.sector.slug))
        ],
        "zone": None
        if zone is None
        else {
            "kind": zone.kind,
            "radius_km": zone.radius_km,
            "derived": zone.derived,
            "divisions": [{"type": d.division_type, "code": d.code} for d in zone.divisions],
        },
        "capacity": None
        if capacity is None
        else {
            "headcount_total": capacity.headcount_total,
            "headcount_inclusion": capacity.headcount_inclusion,
            # A ceiling from the ESAT's authorisation (FINESS), not a headcount.
            "authorised_places": capacity.authorised_places,
            "headcount_bracket": capacity.headcount_bracket,
            "etp": float(capacity.etp) if capacity.etp is not None else None,
            "turnover_eur": capacity.turnover_eur,
            "turnover_year": capacity.turnover_year,
            "largest_contract_eur": capacity.largest_contract_eur,
        },
        "labels": [{"slug": label.slug, "name": label.name} for label in enterprise.labels],
        "networks": [
            {"slug": network.slug, "name": network.name, "brand": network.brand}
            for network in enterprise.networks
        ],
        "offers": [
            {
                "title": offer.title,
                "description": offer.description,
                "presta_type": offer.presta_type,
                "sector": offer.sector.slug if offer.sector else None,
            }
            for offer in enterprise.offers
        ],
        "updated_at": enterprise.updated_at.isoformat() if enterprise.updated_at else None,
    }


@blueprint.get("/enterprises/<siret>")
@requires("view_public")
def enterprise(siret: str):
    compact = re.sub(r"\s", "", siret)
    enterprise = None
    if _SIRET.fullmatch(compact):
        enterprise = db.session.scalar(profile_query(compact))
    if enterprise is None:
        raise ApiError(404, "no enterprise with this SIRET")
    return jsonify(enterprise_json(enterprise))


@blueprint.get("/me")
@requires("view_public")
@token_required("read")
def me():
    """Who the bearer token speaks for, and what it may do."""
    return jsonify({"email": g.api_user.email, "scopes": g.api_token.scope_list})


@blueprint.get("/openapi.json")
@requires("view_public")
def openapi():
    return jsonify(openapi_document(load_vocabulary(db.session)))
