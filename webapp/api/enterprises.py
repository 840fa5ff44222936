"""Enterprises on the API: the search (results, facets, the reasons each matched) and one
enterprise's profile as the directory holds it."""

from __future__ import annotations

import re

from flask import current_app
from marshmallow import fields
from marshmallow.validate import OneOf, Range

from domain.kinds import KIND_CODES, PRESTA_TYPES
from domain.places import DIVISION_KINDS
from domain.reservations import SEARCH_ARTICLES, eligible_articles
from search.backend import SearchUnavailable
from search.query import (
    COVERS,
    DEFAULT_RADIUS_KM,
    FACETS,
    KIND_GROUPS,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_RADIUS_KM,
    MAX_TEXT,
    SORTS,
    QueryError,
    SearchQuery,
    parse_query,
)
from search.results import REASON_CODES, SearchResult
from webapp.api.blueprint import blueprint
from webapp.api.errors import Refusal
from webapp.api.schemas import ApiSchema, RepeatedList, SharedQuerySchema, Sorted, vocabulary
from webapp.api.spec import request_vocabulary
from webapp.directory.queries import profile_query
from webapp.extensions import db
from webapp.indexing.engine import get_backend
from webapp.indexing.places import DatabasePlaces
from webapp.models import Enterprise
from webapp.models.enterprise import (
    DIVISION_TYPES,
    ENTERPRISE_STATUSES,
    POSITION_PRECISIONS,
    SECTOR_SOURCES,
    SECTOR_STATUSES,
    ZONE_KINDS,
)
from webapp.permissions import requires
from webapp.search_ui.present import reason_text

_SIRET = re.compile(r"[0-9]{14}")
TAG = "Enterprises"
UNKNOWN_SIRET = Refusal(404, "no enterprise with this SIRET")
SEARCH_DOWN = Refusal(503, "search temporarily unavailable")
_REPEAT = " Repeat the parameter (or separate values with commas) to accept any of several values."


def _amount(description: str, maximum: int) -> fields.Integer:
    return fields.Integer(validate=Range(0, maximum), metadata={"description": description})


# --- The search ------------------------------------------------------------------------------


class SearchArgsSchema(SharedQuerySchema):
    """``GET /enterprises``: read by ``search.query.parse_query``, the search page's parser."""

    q = fields.String(
        metadata={
            "description": "Free text: activity, name, brand, SIRET or SIREN. Accents and "
            "case are ignored, prefixes and small typos match, synonyms apply. Longer text "
            f"is cut at {MAX_TEXT} characters."
        }
    )
    sector = RepeatedList(
        vocabulary("sectors"), metadata={"description": "Sector slugs." + _REPEAT}
    )
    sector_group = RepeatedList(
        vocabulary("sector_groups"), metadata={"description": "Sector group slugs." + _REPEAT}
    )
    kind = RepeatedList(
        fields.String(validate=OneOf([*KIND_CODES, *KIND_GROUPS])),
        metadata={
            "description": "Kinds of structure, or groups of kinds ("
            + ", ".join(f"{group}: {'/'.join(codes)}" for group, codes in KIND_GROUPS.items())
            + ")."
            + _REPEAT
        },
    )
    presta = RepeatedList(
        fields.String(validate=OneOf(list(PRESTA_TYPES))),
        metadata={"description": "Presta types." + _REPEAT},
    )
    serves = fields.String(
        metadata={
            "description": "A place the enterprise works in: its intervention zone meets "
            "the place (a zone listing département 59 works in région 32; a radius works "
            "where its circle reaches), or with cover=all contains all of it. "
            + ", ".join(f"{kind}:<code>" for kind in DIVISION_KINDS)
            + ". Each hit's serves reason says whether its zone covers all of the place or "
            "a part.",
            "pattern": f"^({'|'.join(DIVISION_KINDS)}):[0-9A-Za-z]+$",
            "examples": ["departement:93"],
        }
    )
    cover = fields.String(
        validate=OneOf(COVERS),
        load_default="any",
        metadata={
            "description": "How much of serves the zone must hold: any (the default: the "
            "zone meets the place) or all (the zone contains every commune of it). "
            "Requires serves."
        },
    )
    near = fields.String(
        metadata={
            "description": 'A commune or an address ("59000 Lille", "Romainville") or a '
            "place code as for serves: only enterprises based within radius_km of it."
        }
    )
    radius_km = fields.Float(
        validate=Range(0.1, MAX_RADIUS_KM),
        metadata={
            "description": f"Radius around near, in km (default {DEFAULT_RADIUS_KM}). "
            "Requires near."
        },
    )
    min_employees = _amount("Minimum headcount.", 10**6)
    min_turnover = _amount("Minimum annual turnover, in euros.", 10**12)
    min_contract = _amount("Minimum size of the largest contract taken, in euros.", 10**12)
    label = RepeatedList(vocabulary("labels"), metadata={"description": "Label slugs." + _REPEAT})
    network = RepeatedList(
        vocabulary("networks"), metadata={"description": "Network slugs." + _REPEAT}
    )
    reservation = RepeatedList(
        fields.String(validate=OneOf(SEARCH_ARTICLES)),
        metadata={
            "description": "Reserved-market articles the enterprise must be eligible for." + _REPEAT
        },
    )
    sort = fields.String(
        validate=OneOf(SORTS),
        load_default="relevance",
        metadata={"description": "Order of results; distance requires near or serves."},
    )
    page = fields.Integer(
        validate=Range(1, MAX_PAGE), load_default=1, metadata={"description": "Page number."}
    )
    per_page = fields.Integer(
        validate=Range(1, MAX_PER_PAGE),
        load_default=SearchQuery.per_page,
        metadata={"description": "Results per page."},
    )

    def read(self, args) -> tuple[SearchQuery | None, dict[str, str]]:
        try:
            return parse_query(args, DatabasePlaces(db.session), strict=False), {}
        except QueryError as error:
            return None, error.errors


class ReasonSchema(ApiSchema):
    code = fields.String(required=True, validate=OneOf(REASON_CODES))
    detail = fields.String(
        required=True,
        metadata={
            "description": "The value that matched. For serves: "
            "<all|part>:<how>:<place kind>:<place name>, where all means the zone covers "
            "the whole place, part only a part of it, and how is national, radius, or the "
            "kind of division the zone lists (region, departement, epci, commune; "
            "divisions when unknown)."
        },
    )
    text = fields.Function(
        lambda reason: reason_text(reason, request_vocabulary()),
        required=True,
        metadata={"type": "string", "description": "The reason in words (French)."},
    )


class HitSchema(ApiSchema):
    siret = fields.String(required=True, metadata={"pattern": "^[0-9]{14}$"})
    name = fields.String(required=True, metadata={"description": "Brand if any, else name."})
    kind = fields.String(required=True, validate=OneOf(KIND_CODES))
    sectors = fields.List(fields.String(), required=True)
    commune = fields.String(
        required=True, allow_none=True, metadata={"description": "Commune name."}
    )
    departement = fields.String(
        required=True, allow_none=True, metadata={"description": "Département code."}
    )
    distance_km = fields.Float(required=True, allow_none=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


FacetsSchema = ApiSchema.from_dict(
    {
        name: fields.Dict(
            keys=fields.String(), values=fields.Integer(), dump_default=dict, required=True
        )
        for name in FACETS
    },
    name="Facets",
)


class SearchResultsSchema(ApiSchema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(HitSchema), attribute="hits", required=True)
    facets = fields.Nested(FacetsSchema, required=True)


@blueprint.route("/enterprises", tags=[TAG])
@blueprint.doc(operationId="searchEnterprises")
@requires("view_public")
@blueprint.arguments(SearchArgsSchema, location="query", as_kwargs=False)
@blueprint.refuses(SEARCH_DOWN)
@blueprint.response(200, SearchResultsSchema, description="A page of results.")
def list_enterprises(query: SearchQuery) -> SearchResult:
    """Search enterprises, with facets and the reasons each matched."""
    try:
        return get_backend(current_app).search(query)
    except SearchUnavailable:  # the engine is down: a 503, not a 500
        raise SEARCH_DOWN() from None


# --- One enterprise --------------------------------------------------------------------------


class SectorAssignmentSchema(ApiSchema):
    slug = fields.String(attribute="sector.slug")
    name = fields.String(attribute="sector.name")
    group = fields.String(attribute="sector.group.slug")
    source = fields.String(validate=OneOf(SECTOR_SOURCES))
    confidence = fields.Float()
    status = fields.String(validate=OneOf(SECTOR_STATUSES))


class DivisionSchema(ApiSchema):
    type = fields.String(attribute="division_type", validate=OneOf(DIVISION_TYPES))
    code = fields.String()


class ZoneSchema(ApiSchema):
    kind = fields.String(validate=OneOf(ZONE_KINDS))
    radius_km = fields.Integer(allow_none=True)
    derived = fields.Boolean()
    divisions = fields.List(fields.Nested(DivisionSchema))


class CapacitySchema(ApiSchema):
    headcount_total = fields.Integer(allow_none=True)
    headcount_inclusion = fields.Integer(allow_none=True)
    authorised_places = fields.Integer(
        allow_none=True,
        metadata={
            "description": "A ceiling from the ESAT's authorisation (FINESS), not a headcount."
        },
    )
    headcount_bracket = fields.String(allow_none=True)
    etp = fields.Float(allow_none=True)
    turnover_eur = fields.Integer(allow_none=True)
    turnover_year = fields.Integer(allow_none=True)
    largest_contract_eur = fields.Integer(allow_none=True)


class LabelSchema(ApiSchema):
    slug = fields.String()
    name = fields.String()


class NetworkSchema(ApiSchema):
    slug = fields.String()
    name = fields.String()
    brand = fields.String(allow_none=True)


class SectorSlugSchema(ApiSchema):
    slug = fields.String()


class OfferSchema(ApiSchema):
    title = fields.String()
    description = fields.String(allow_none=True)
    presta_type = fields.String(validate=OneOf(list(PRESTA_TYPES)))
    sector = fields.Pluck(SectorSlugSchema, "slug", allow_none=True)


class EnterpriseSchema(ApiSchema):
    siret = fields.String(required=True)
    siren = fields.String(required=True)
    name = fields.String(required=True)
    brand = fields.String(allow_none=True)
    display_name = fields.String()
    kind = fields.String(required=True, validate=OneOf(KIND_CODES))
    status = fields.String(validate=OneOf(ENTERPRISE_STATUSES))
    legal_form = fields.String(allow_none=True)
    ess_status = fields.String()
    naf_code = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    post_code = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    commune = fields.String(
        attribute="commune_insee", allow_none=True, metadata={"description": "INSEE code."}
    )
    departement = fields.String(attribute="departement_code", allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    position_precision = fields.String(allow_none=True, validate=OneOf(POSITION_PRECISIONS))
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    reservations = fields.Function(
        lambda e: list(eligible_articles(e.kind, e.ess_status)),
        metadata={"type": "array", "items": {"type": "string", "enum": list(SEARCH_ARTICLES)}},
    )
    sectors = Sorted(  # most confident first
        fields.Nested(SectorAssignmentSchema),
        key=lambda row: (-row.confidence, row.sector.slug),
        required=True,
    )
    zone = fields.Nested(ZoneSchema, required=True, allow_none=True)
    capacity = fields.Nested(CapacitySchema, required=True, allow_none=True)
    labels = fields.List(fields.Nested(LabelSchema))
    networks = fields.List(fields.Nested(NetworkSchema))
    offers = fields.List(fields.Nested(OfferSchema))
    updated_at = fields.DateTime(allow_none=True)


@blueprint.route(
    "/enterprises/<siret>",
    parameters=[{"in": "path", "name": "siret", "description": "14 digits (spaces allowed)."}],
    tags=[TAG],
)
@blueprint.doc(operationId="getEnterprise")
@requires("view_public")
@blueprint.refuses(UNKNOWN_SIRET)
@blueprint.response(200, EnterpriseSchema, description="The enterprise.")
def enterprise(siret: str) -> Enterprise:
    """One enterprise, as the directory holds it."""
    compact = re.sub(r"\s", "", siret)
    found = db.session.scalar(profile_query(compact)) if _SIRET.fullmatch(compact) else None
    if found is None:
        raise UNKNOWN_SIRET()
    return found
