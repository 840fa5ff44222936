"""``/api/docs``: the API's interactive documentation (Swagger UI, vendored under
static/vendor/swagger-ui by scripts/vendor_assets.sh), reading the generated document.
Outside ``/api/v1``: a page for people, not an operation of the API."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.permissions import requires

blueprint = Blueprint("api_docs", __name__)


@blueprint.get("/api/docs")
@requires("view_public")
def docs():
    return render_template("api/docs.html")
