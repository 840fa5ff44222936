"""``GET /api/v1/cpv?q=nettoyage``: CPV 2008 codes and their French labels, found by code
prefix or by words of the label (accent-insensitive), for the intention form's CPV field
and for API clients."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from marshmallow.validate import Length, Range

from domain.cpv import MAX_RESULTS, default_nomenclature
from webapp.api.blueprint import blueprint
from webapp.api.schemas import ApiSchema, QuerySchema, Text
from webapp.permissions import requires

DEFAULT_LIMIT = 10
MAX_QUERY = 100


QUERY_EXPECTED = f"required, 1 to {MAX_QUERY} characters"
LIMIT_EXPECTED = f"an integer from 1 to {MAX_RESULTS}"


class CpvArgsSchema(QuerySchema):
    q = Text(
        required=True,
        validate=Length(1, MAX_QUERY, error=QUERY_EXPECTED),
        error_messages={"required": QUERY_EXPECTED},
        metadata={"description": "A code prefix (9091) or words (nettoyage bât)."},
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=Range(1, MAX_RESULTS, error=LIMIT_EXPECTED),
        error_messages={"invalid": LIMIT_EXPECTED, "too_large": LIMIT_EXPECTED},
        metadata={"description": "At most this many codes."},
    )


class CpvCodeSchema(ApiSchema):
    code = fields.String(required=True, metadata={"pattern": "^[0-9]{8}$"})
    check_digit = fields.String(required=True)
    label = fields.String(required=True)


class CpvResultsSchema(ApiSchema):
    query = fields.String(required=True)
    results = fields.List(fields.Nested(CpvCodeSchema), required=True)


@blueprint.route("/cpv", tags=["CPV codes"])
@blueprint.doc(operationId="searchCpv")
@requires("view_public")
@blueprint.arguments(CpvArgsSchema, location="query")
@blueprint.response(
    200,
    CpvResultsSchema,
    description="Matching codes, labels that start with the query first, then the most general.",
)
def search_cpv(args: dict[str, Any]) -> dict[str, Any]:
    """CPV 2008 codes with their French label.

    Found by code prefix or by words of the label (accents and case ignored; each word
    starts a word of the label)."""
    return {
        "query": args["q"],
        "results": default_nomenclature().search(args["q"], args["limit"]),
    }
