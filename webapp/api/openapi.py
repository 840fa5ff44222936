"""The OpenAPI 3.1 description of ``/api/v1``, written as data.

Fixed vocabularies (kinds, presta types, reservations, sorts) come from the domain
modules; the reference ones (sectors, labels, networks) from the database when given, so
the enums never drift from what the API accepts. A test checks that the documented
parameters are exactly ``search.query.KNOWN_PARAMETERS``.
"""

from __future__ import annotations

from typing import Any

from domain.kinds import KIND_CODES, PRESTA_TYPES
from domain.reservations import ARTICLES, SEARCH_ARTICLES
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
)
from webapp.models.accounts import TOKEN_SCOPES
from webapp.models.intentions import SOCIAL_CONSIDERATIONS
from webapp.search_ui.present import Vocabulary

API_VERSION = "1.0.0"
_REF = "#/components/schemas/"


def _list_parameter(name: str, description: str, values: list[str] | None) -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string"}
    if values:
        items["enum"] = values
    return {
        "name": name,
        "in": "query",
        "description": description + " Repeat the parameter (or separate values with "
        "commas) to accept any of several values.",
        "schema": {"type": "array", "items": items},
        "style": "form",
        "explode": True,
    }


def _integer(name: str, description: str, maximum: int, minimum: int = 0, default=None):
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    return {"name": name, "in": "query", "description": description, "schema": schema}


_CPV_RESULTS = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "pattern": "^[0-9]{8}$"},
                    "check_digit": {"type": "string"},
                    "label": {"type": "string"},
                },
            },
        },
    },
}


def search_parameters(vocabulary: Vocabulary | None = None) -> list[dict[str, Any]]:
    """The query parameters of ``GET /enterprises``."""
    vocabulary = vocabulary or Vocabulary()
    return [
        {
            "name": "q",
            "in": "query",
            "description": "Free text: activity, name, brand, SIRET or SIREN. Accents and "
            "case are ignored, prefixes and small typos match, synonyms apply. Longer text "
            f"is cut at {MAX_TEXT} characters.",
            "schema": {"type": "string"},
        },
        _list_parameter("sector", "Sector slugs.", sorted(vocabulary.sectors) or None),
        _list_parameter(
            "sector_group", "Sector group slugs.", sorted(vocabulary.sector_groups) or None
        ),
        _list_parameter(
            "kind",
            "Kinds of structure, or groups of kinds ("
            + ", ".join(f"{g}: {'/'.join(codes)}" for g, codes in KIND_GROUPS.items())
            + ").",
            [*KIND_CODES, *KIND_GROUPS],
        ),
        _list_parameter("presta", "Presta types.", list(PRESTA_TYPES)),
        {
            "name": "serves",
            "in": "query",
            "description": "A place the enterprise works in: its intervention zone meets "
            "the place (a zone listing département 59 works in région 32; a radius works "
            "where its circle reaches), or with cover=all contains all of it. "
            "commune:<INSEE code>, epci:<SIREN>, departement:<code> or region:<code>. "
            "Each hit's serves reason says whether its zone covers all of the place or a part.",
            "schema": {
                "type": "string",
                "pattern": "^(commune|epci|departement|region):[0-9A-Za-z]+$",
            },
            "examples": {"departement": {"value": "departement:93"}},
        },
        {
            "name": "cover",
            "in": "query",
            "description": "How much of serves the zone must hold: any (the default: the "
            "zone meets the place) or all (the zone contains every commune of it). "
            "all requires serves.",
            "schema": {"type": "string", "enum": list(COVERS), "default": "any"},
        },
        {
            "name": "near",
            "in": "query",
            "description": 'A commune or an address ("59000 Lille", "Romainville") or a '
            "place code as for serves: only enterprises based within radius_km of it.",
            "schema": {"type": "string"},
        },
        {
            "name": "radius_km",
            "in": "query",
            "description": f"Radius around near, in km (default {DEFAULT_RADIUS_KM}). "
            "Requires near.",
            "schema": {"type": "number", "minimum": 0.1, "maximum": MAX_RADIUS_KM},
        },
        _integer("min_employees", "Minimum headcount.", 10**6),
        _integer("min_turnover", "Minimum annual turnover, in euros.", 10**12),
        _integer("min_contract", "Minimum size of the largest contract taken, in euros.", 10**12),
        _list_parameter("label", "Label slugs.", sorted(vocabulary.labels) or None),
        _list_parameter("network", "Network slugs.", sorted(vocabulary.networks) or None),
        _list_parameter(
            "reservation",
            "Reserved-market articles the enterprise must be eligible for.",
            list(SEARCH_ARTICLES),
        ),
        {
            "name": "sort",
            "in": "query",
            "description": "Order of results; distance requires near or serves.",
            "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
        },
        _integer("page", "Page number.", MAX_PAGE, minimum=1, default=1),
        _integer("per_page", "Results per page.", MAX_PER_PAGE, minimum=1, default=20),
    ]


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF + "Error"}}},
    }


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "fields": {
                "type": "object",
                "description": "What is wrong with each parameter.",
                "additionalProperties": {"type": "string"},
            },
        },
    },
    "Reason": {
        "type": "object",
        "required": ["code", "detail", "text"],
        "properties": {
            "code": {
                "type": "string",
                "enum": [
                    "text",
                    "sector",
                    "sector_group",
                    "kind",
                    "presta",
                    "serves",
                    "near",
                    "employees",
                    "turnover",
                    "contract",
                    "label",
                    "network",
                    "reservation",
                ],
            },
            "detail": {
                "type": "string",
                "description": "The value that matched. For serves: "
                "<all|part>:<how>:<place kind>:<place name>, where all means the zone "
                "covers the whole place, part only a part of it, and how is national, "
                "radius, or the kind of division the zone lists (region, departement, "
                "epci, commune; divisions when unknown).",
            },
            "text": {"type": "string", "description": "The reason in words (French)."},
        },
    },
    "Hit": {
        "type": "object",
        "required": [
            "siret",
            "name",
            "kind",
            "sectors",
            "commune",
            "departement",
            "distance_km",
            "score",
            "reasons",
        ],
        "properties": {
            "siret": {"type": "string", "pattern": "^[0-9]{14}$"},
            "name": {"type": "string", "description": "Brand when there is one, else name."},
            "kind": {"type": "string", "enum": list(KIND_CODES)},
            "sectors": {"type": "array", "items": {"type": "string"}},
            "commune": {**_NULLABLE_STRING, "description": "Commune name."},
            "departement": {**_NULLABLE_STRING, "description": "Département code."},
            "distance_km": {"type": ["number", "null"]},
            "score": {"type": "number"},
            "reasons": {"type": "array", "items": {"$ref": _REF + "Reason"}},
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["total", "page", "per_page", "results", "facets"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": _REF + "Hit"}},
            "facets": {
                "type": "object",
                "required": list(FACETS),
                "properties": {
                    name: {"type": "object", "additionalProperties": {"type": "integer"}}
                    for name in FACETS
                },
            },
        },
    },
    "Me": {
        "type": "object",
        "required": ["email", "scopes"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "scopes": {"type": "array", "items": {"type": "string", "enum": list(TOKEN_SCOPES)}},
        },
    },
    "Enterprise": {
        "type": "object",
        "required": ["siret", "siren", "name", "kind", "sectors", "zone", "capacity"],
        "properties": {
            "siret": {"type": "string"},
            "siren": {"type": "string"},
            "name": {"type": "string"},
            "brand": _NULLABLE_STRING,
            "display_name": {"type": "string"},
            "kind": {"type": "string", "enum": list(KIND_CODES)},
            "status": {"type": "string", "enum": ["active", "closed"]},
            "legal_form": _NULLABLE_STRING,
            "ess_status": {"type": "string"},
            "naf_code": _NULLABLE_STRING,
            "address": _NULLABLE_STRING,
            "post_code": _NULLABLE_STRING,
            "city": _NULLABLE_STRING,
            "commune": {**_NULLABLE_STRING, "description": "INSEE code."},
            "departement": _NULLABLE_STRING,
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "position_precision": _NULLABLE_STRING,
            "website": _NULLABLE_STRING,
            "description": _NULLABLE_STRING,
            "reservations": {"type": "array", "items": {"type": "string"}},
            "sectors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "group": {"type": "string"},
                        "source": {
                            "type": "string",
                            "enum": ["naf", "name", "description", "declared"],
                        },
                        "confidence": {"type": "number"},
                        "status": {
                            "type": "string",
                            "enum": ["suggested", "confirmed", "rejected"],
                        },
                    },
                },
            },
            "zone": {
                "type": ["object", "null"],
                "properties": {
                    "kind": {"type": "string", "enum": ["national", "divisions", "radius"]},
                    "radius_km": _NULLABLE_INTEGER,
                    "derived": {"type": "boolean"},
                    "divisions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "enum": ["region", "departement", "epci", "commune"],
                                },
                                "code": {"type": "string"},
                            },
                        },
                    },
                },
            },
            "capacity": {
                "type": ["object", "null"],
                "properties": {
                    "headcount_total": _NULLABLE_INTEGER,
                    "headcount_inclusion": _NULLABLE_INTEGER,
                    "authorised_places": _NULLABLE_INTEGER,
                    "headcount_bracket": _NULLABLE_STRING,
                    "etp": {"type": ["number", "null"]},
                    "turnover_eur": _NULLABLE_INTEGER,
                    "turnover_year": _NULLABLE_INTEGER,
                    "largest_contract_eur": _NULLABLE_INTEGER,
                },
            },
            "labels": {"type": "array", "items": {"type": "object"}},
            "networks": {"type": "array", "items": {"type": "object"}},
            "offers": {"type": "array", "items": {"type": "object"}},
            "updated_at": _NULLABLE_STRING,
        },
    },
}


def openapi_document(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Passerelles API",
            "version": API_VERSION,
            "description": "Search the directory of French inclusive enterprises "
            "(insertion, disability, ESS). Public; the operations that declare a security "
            "requirement take a personal API token.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/enterprises": {
                "get": {
                    "operationId": "searchEnterprises",
                    "summary": "Search enterprises, with facets and the reasons each matched.",
                    "parameters": search_parameters(vocabulary),
                    "responses": {
                        "200": {
                            "description": "A page of results.",
                            "content": {
                                "application/json": {"schema": {"$ref": _REF + "SearchResults"}}
                            },
                        },
                        "400": _error_response("Unknown or malformed parameters."),
                        "503": _error_response("The search service is unavailable."),
                    },
                }
            },
            "/enterprises/{siret}": {
                "get": {
                    "operationId": "getEnterprise",
                    "summary": "One enterprise, as the directory holds it.",
                    "parameters": [
                        {
                            "name": "siret",
                            "in": "path",
                            "required": True,
                            "description": "14 digits (spaces allowed).",
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The enterprise.",
                            "content": {
                                "application/json": {"schema": {"$ref": _REF + "Enterprise"}}
                            },
                        },
                        "404": _error_response("No enterprise with this SIRET."),
                    },
                }
            },
            "/me": {
                "get": {
                    "operationId": "getMe",
                    "summary": "The account a personal API token belongs to, and its scopes.",
                    "security": [{"bearerAuth": ["read"]}],
                    "responses": {
                        "200": {
                            "description": "The token's owner and scopes.",
                            "content": {"application/json": {"schema": {"$ref": _REF + "Me"}}},
                        },
                        "401": _error_response("Missing, malformed, unknown or revoked token."),
                        "403": _error_response("The token lacks the read scope."),
                    },
                }
            },
            **intention_paths(vocabulary),
            "/cpv": {
                "get": {
                    "operationId": "searchCpv",
                    "summary": "CPV 2008 codes with their French label, by code prefix or by "
                    "words of the label (accents and case ignored; each word starts a word of "
                    "the label).",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "description": "A code prefix (9091) or words (nettoyage bât).",
                            "schema": {"type": "string", "maxLength": 100},
                        },
                        _integer("limit", "At most this many codes.", 50, 1, 10),
                    ],
                    "responses": {
                        "200": {
                            "description": "Matching codes, labels that start with the "
                            "query first, then the most general.",
                            "content": {"application/json": {"schema": _CPV_RESULTS}},
                        },
                        "400": _error_response("Missing q, or a bad limit."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document.",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": SCHEMAS | INTENTION_SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "psl_<prefix>_<secret>",
                    "description": "A personal API token, created on the account page "
                    "(/compte/jetons) and shown once. Scopes: "
                    + ", ".join(TOKEN_SCOPES)
                    + ". Only the operations that declare a security requirement need one; "
                    "the search and the enterprise profiles are public.",
                }
            },
        },
    }


# --- Purchase intentions -------------------------------------------------------------------


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


_INTENTION_ID = {
    "name": "intention_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}


def intention_parameters(vocabulary: Vocabulary | None = None) -> list[dict[str, Any]]:
    """The query parameters of ``GET /intentions`` (``service.API_PARAMETERS``)."""
    vocabulary = vocabulary or Vocabulary()
    sectors: dict[str, Any] = {"type": "string"}
    if vocabulary.sectors:
        sectors["enum"] = sorted(vocabulary.sectors)
    return [
        {
            "name": "sector",
            "in": "query",
            "description": "Sector slugs (of the intention or of one of its lots); repeat "
            "the parameter or separate values with commas.",
            "schema": {"type": "array", "items": sectors},
            "style": "form",
            "explode": True,
        },
        _query(
            "place",
            "Intentions whose place of execution is this place or inside it: "
            "commune:<INSEE>, epci:<SIREN>, departement:<code>, region:<code> or national.",
            {"type": "string"},
        ),
        _query("launch_from", "Expected launch on or after.", {"type": "string", "format": "date"}),
        _query("launch_to", "Expected launch on or before.", {"type": "string", "format": "date"}),
        _query(
            "reservation",
            "Only intentions for which the matcher recommends reserving the purchase, or a "
            "lot, under this article.",
            {"type": "string", "enum": list(ARTICLES)},
        ),
        _query(
            "group",
            "true: only intentions for which the matcher proposes co-bidding groups.",
            {"type": "boolean"},
        ),
        _query(
            "source",
            "Where the intention comes from (web, api, an import).",
            {"type": "string", "maxLength": 40},
        ),
        _query(
            "external_id",
            "The identifier in the source (e.g. the DECP uid).",
            {"type": "string", "maxLength": 120},
        ),
        _query(
            "status",
            "published (default; forecast renewals included) or closed. Drafts are private.",
            {"type": "string", "enum": ["published", "closed"], "default": "published"},
        ),
        _integer("page", "Page number.", 1000, minimum=1, default=1),
        _integer("per_page", "Results per page.", 100, minimum=1, default=20),
    ]


_SECTOR_SLUGS = {"type": "array", "items": {"type": "string"}}
_PLACE = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {
            "type": "string",
            "enum": ["commune", "epci", "departement", "region", "national"],
        },
        "code": {
            **_NULLABLE_STRING,
            "description": "INSEE code, EPCI SIREN, département or région code; null for national.",
        },
        "label": _NULLABLE_STRING,
    },
}

INTENTION_SCHEMAS: dict[str, Any] = {
    "Intention": {
        "type": "object",
        "required": ["id", "title", "place", "status", "forecast", "source", "buyer"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "description": _NULLABLE_STRING,
            "cpv_codes": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{8}$"}},
            "cpv": {
                "description": "The CPV codes with their label in the CPV 2008 nomenclature.",
                "type": "array",
                "items": _CPV_RESULTS["properties"]["results"]["items"],
            },
            "sectors": {"type": "array", "items": {"type": "object"}},
            "lots": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "integer"},
                        "title": {"type": "string"},
                        "amount": _NULLABLE_INTEGER,
                        "sectors": _SECTOR_SLUGS,
                    },
                },
            },
            "place": _PLACE,
            "amount_total": _NULLABLE_INTEGER,
            "amount_per_year": _NULLABLE_INTEGER,
            "duration_months": _NULLABLE_INTEGER,
            "launch_date": {"type": ["string", "null"], "format": "date"},
            "buyer": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "siret": _NULLABLE_STRING,
                    "type": {
                        "type": "string",
                        "enum": ["pouvoir_adjudicateur", "entite_adjudicatrice"],
                    },
                },
            },
            "social_consideration": {"type": "string", "enum": list(SOCIAL_CONSIDERATIONS)},
            "status": {"type": "string", "enum": ["draft", "published", "closed"]},
            "forecast": {"type": "boolean", "description": "A renewal expected from the DECP."},
            "source": {"type": "string"},
            "external_id": _NULLABLE_STRING,
            "published_at": _NULLABLE_STRING,
            "updated_at": _NULLABLE_STRING,
            "url": {"type": "string", "description": "The intention's page."},
        },
    },
    "IntentionList": {
        "type": "object",
        "required": ["total", "page", "per_page", "results"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": _REF + "Intention"}},
        },
    },
    "IntentionInput": {
        "type": "object",
        "required": ["title", "place"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "maxLength": 300},
            "description": {"type": "string", "maxLength": 10000},
            "cpv_codes": {
                "description": "CPV codes, with or without check digit (90910000-9).",
                "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
            },
            "sectors": _SECTOR_SLUGS,
            "lots": {
                "type": "array",
                "maxItems": 50,
                "items": {
                    "type": "object",
                    "required": ["title"],
                    "properties": {
                        "title": {"type": "string"},
                        "amount": {"type": "integer", "minimum": 0},
                        "sectors": _SECTOR_SLUGS,
                    },
                },
            },
            "place": _PLACE,
            "amount_total": {"type": "integer", "minimum": 0},
            "amount_per_year": {"type": "integer", "minimum": 0},
            "duration_months": {"type": "integer", "minimum": 1, "maximum": 600},
            "launch_date": {"type": "string", "format": "date"},
            "social_consideration": {
                "type": "string",
                "enum": list(SOCIAL_CONSIDERATIONS),
                "default": "unknown",
            },
            "status": {"type": "string", "enum": ["draft", "published"], "default": "draft"},
            "external_id": {
                "type": "string",
                "maxLength": 120,
                "description": "Your identifier; unique among API intentions.",
            },
            "organisation_id": {
                "type": "integer",
                "description": "Required when the token's user belongs to "
                "several buyer organisations.",
            },
        },
    },
    "Matches": {
        "type": "object",
        "required": ["suppliers", "reservations", "groups"],
        "properties": {
            "rules_version": {"type": "string"},
            "suppliers": {
                "type": "array",
                "description": "Best first; the first 100.",
                "items": {
                    "type": "object",
                    "properties": {
                        "siret": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string"},
                        "score": {"type": "number"},
                        "answers_alone": {
                            "type": "boolean",
                            "description": "Known to do the purchase, covers the whole place, "
                            "not known too small.",
                        },
                        "known": {
                            "type": "boolean",
                            "description": "The data says it does this trade (a declared, "
                            "suggested or track-record sector; for an insertion or "
                            "staff-provision purchase, its kind); else probable.",
                        },
                        "covers_place": {
                            "type": "boolean",
                            "description": "Its zone holds the whole place (else a part).",
                        },
                        "sector_match": {
                            "type": "object",
                            "description": "Per purchase sector, the evidence level.",
                            "additionalProperties": {
                                "type": "string",
                                "enum": [
                                    "exact",
                                    "track",
                                    "suggested",
                                    "group",
                                    "prior",
                                    "other",
                                    "none",
                                ],
                            },
                        },
                        "reasons": {"type": "array", "items": {"type": "string"}},
                        "eligible_reservations": {"type": "array", "items": {"type": "string"}},
                        "to_verify": {"type": "array", "items": {"type": "string"}},
                        "distance_km": {"type": ["number", "null"]},
                        "dependency": {"type": ["number", "null"]},
                    },
                },
            },
            "suppliers_total": {"type": "integer"},
            "suppliers_known": {"type": "integer", "description": "Of the total, the known."},
            "census": {
                "type": ["object", "null"],
                "description": "The known suppliers against what the search finds for the "
                "same place and sectors: known = search + by_contracts + by_reach.",
                "properties": {
                    "known": {"type": "integer"},
                    "search": {"type": "integer"},
                    "by_contracts": {"type": "integer"},
                    "by_reach": {"type": "integer"},
                    "reach_km": {"type": "number"},
                },
            },
            "reservations": {
                "type": "object",
                "description": "Per article (L2113-12, L2113-13, L2113-14, L2113-15).",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "allowed": {"type": "boolean"},
                        "eligible_count": {
                            "type": "integer",
                            "description": "Eligible suppliers known to answer alone.",
                        },
                        "probable_count": {
                            "type": "integer",
                            "description": "Eligible suppliers that would answer alone were "
                            "their sectors known (not counted for the recommendation).",
                        },
                        "lots": {"type": "array", "items": {"type": "object"}},
                        "recommendation": {
                            "type": "string",
                            "enum": ["reserve_whole", "reserve_lot", "clause", "nothing"],
                        },
                        "explanation": {"type": "string"},
                    },
                },
            },
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "members": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "siret": {"type": "string"},
                                    "name": {"type": "string"},
                                    "kind": {"type": "string"},
                                    "role": {
                                        "type": "string",
                                        "enum": ["mandataire", "cotraitant"],
                                    },
                                },
                            },
                        },
                        "reservation": _NULLABLE_STRING,
                        "covers": {"type": "array", "items": {"type": "string"}},
                        "score": {"type": "number"},
                        "explanation": {"type": "string"},
                    },
                },
            },
            "groups_search_complete": {"type": "boolean"},
        },
    },
}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF + schema}}},
    }


def intention_paths(vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    return {
        "/intentions": {
            "get": {
                "operationId": "listIntentions",
                "summary": "Published purchase intentions (forecast renewals included), "
                "soonest launch first.",
                "parameters": intention_parameters(vocabulary),
                "responses": {
                    "200": _json("A page of intentions.", "IntentionList"),
                    "400": _error_response("Unknown or malformed parameters."),
                },
            },
            "post": {
                "operationId": "createIntention",
                "summary": "Create a purchase intention for the token owner's buyer "
                "organisation; the matcher runs at once.",
                "security": [{"bearerAuth": ["write:intentions"]}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _REF + "IntentionInput"}}},
                },
                "responses": {
                    "201": {
                        **_json("Created; Location gives its address.", "Intention"),
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    },
                    "400": _error_response("Invalid body: a message per field."),
                    "401": _error_response("Missing, malformed, unknown or revoked token."),
                    "403": _error_response(
                        "The token lacks the write:intentions scope, or its owner belongs "
                        "to no buyer organisation."
                    ),
                    "409": _error_response("An intention with this external_id exists."),
                    "415": _error_response("The body is not JSON."),
                },
            },
        },
        "/intentions/{intention_id}": {
            "get": {
                "operationId": "getIntention",
                "summary": "One published (or closed) intention.",
                "parameters": [_INTENTION_ID],
                "responses": {
                    "200": _json("The intention.", "Intention"),
                    "404": _error_response("No published intention with this id."),
                },
            }
        },
        "/intentions/{intention_id}/matches": {
            "get": {
                "operationId": "getIntentionMatches",
                "summary": "The matcher's result, recomputed if the intention or an "
                "enterprise changed: ranked suppliers, reservation verdicts, co-bidding "
                "groups, each with reasons.",
                "parameters": [_INTENTION_ID],
                "responses": {
                    "200": _json("The matches.", "Matches"),
                    "404": _error_response("No published intention with this id."),
                },
            }
        },
    }
