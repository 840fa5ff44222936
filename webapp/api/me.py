"""``GET /api/v1/me``: who a personal API token speaks for, and what it may do."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import fields
from marshmallow.validate import OneOf

from webapp.api.auth import token_required
from webapp.api.blueprint import blueprint
from webapp.api.schemas import ApiSchema
from webapp.models.accounts import TOKEN_SCOPES
from webapp.permissions import requires


class MeSchema(ApiSchema):
    email = fields.Email(required=True)
    scopes = fields.List(fields.String(validate=OneOf(TOKEN_SCOPES)), required=True)


@blueprint.route("/me", tags=["Tokens"])
@blueprint.doc(operationId="getMe")
@requires("view_public")  # the token, not the session, says who calls
@token_required("read")
@blueprint.response(200, MeSchema, description="The token's owner and scopes.")
def me() -> dict[str, Any]:
    """The account a personal API token belongs to, and its scopes."""
    return {"email": g.api_user.email, "scopes": g.api_token.scope_list}
