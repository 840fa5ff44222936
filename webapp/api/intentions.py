"""Purchase intentions on the API: list, one, its matches (read), and creation by a
buyer's token with the ``write:intentions`` scope."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain.cpv import read_cpv_codes
from domain.places import PLACE_KINDS
from webapp.api.auth import token_required
from webapp.api.views import ApiError, blueprint
from webapp.extensions import db
from webapp.intentions import queries, services
from webapp.models import PurchaseIntention, Sector
from webapp.models.intentions import CPV_CODES_MAX, SOCIAL_CONSIDERATIONS
from webapp.permissions import requires

MAX_LOTS = 50
BODY_FIELDS = {
    "title",
    "description",
    "cpv_codes",
    "sectors",
    "lots",
    "place",
    "amount_total",
    "amount_per_year",
    "duration_months",
    "launch_date",
    "social_consideration",
    "status",
    "external_id",
    "organisation_id",
}


def _public(intention_id: int) -> PurchaseIntention:
    intention = db.session.get(PurchaseIntention, intention_id)
    if intention is None or intention.status not in services.PUBLIC_STATUSES:
        raise ApiError(404, "no published intention with this id")
    return intention


@blueprint.get("/intentions")
@requires("view_public")
def list_intentions():
    filters, errors = queries.parse_filters(db.session, request.args, queries.API_PARAMETERS)
    if errors:
        raise ApiError(
            400,
            "invalid parameters",
            {name: queries.PROBLEMS[code] for name, code in errors.items()},
        )
    page = db.paginate(
        queries.filtered_query(db.session, filters),
        page=filters.page,
        per_page=filters.per_page,
        error_out=False,
        count=True,
    )
    return jsonify(
        {
            "total": page.total,
            "page": filters.page,
            "per_page": filters.per_page,
            "results": [queries.intention_json(i) for i in page.items],
        }
    )


@blueprint.get("/intentions/<int:intention_id>")
@requires("view_public")
def get_intention(intention_id: int):
    return jsonify(queries.intention_json(_public(intention_id)))


@blueprint.get("/intentions/<int:intention_id>/matches")
@requires("view_public")
def intention_matches(intention_id: int):
    result = queries.current_matches(db.session, _public(intention_id))
    return jsonify(result)


# --- Creation ----------------------------------------------------------------------------------


def _integer(body: dict, name: str, errors: dict, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = f"expected a whole number from {low} to {high}"
        return None
    return value


def _text(body: dict, name: str, errors: dict, limit: int, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "required"
        return None
    if not isinstance(value, str):
        errors[name] = "expected a string"
        return None
    value = value.replace("\x00", "").strip()
    if len(value) > limit:
        errors[name] = f"at most {limit} characters"
        return None
    return value


def _sectors(value: Any, name: str, errors: dict, known: dict[str, Sector]) -> list[Sector]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[name] = "expected a list of sector slugs"
        return []
    unknown = [v for v in value if v not in known]
    if unknown:
        errors[name] = "unknown sector(s): " + ", ".join(v[:40] for v in unknown[:5])
        return []
    return [known[v] for v in dict.fromkeys(value)]


def parse_body(body: dict) -> tuple[services.IntentionData | None, dict[str, str]]:
    """The intention described by a JSON body, and a message per bad field."""
    errors: dict[str, str] = {}
    for name in sorted(set(body) - BODY_FIELDS)[:10]:
        errors[str(name)[:40]] = "unknown field"
    known = {
        s.slug: s for s in db.session.scalars(select(Sector).options(selectinload(Sector.group)))
    }
    title = _text(body, "title", errors, 300, required=True)
    description = _text(body, "description", errors, 10000)
    cpv_value = body.get("cpv_codes")
    cpv: list[str] = []
    if cpv_value is not None:
        if not isinstance(cpv_value, str | list):
            errors["cpv_codes"] = "expected a list of CPV codes or a string"
        else:
            reading = read_cpv_codes(cpv_value)
            cpv = list(reading.codes)
            if reading.errors:
                errors["cpv_codes"] = "not CPV codes (8 digits, optional -check digit): " + (
                    ", ".join(reading.rejected()[:5])
                )
            elif len(" ".join(cpv)) > CPV_CODES_MAX:
                errors["cpv_codes"] = "too many CPV codes"
    sectors = _sectors(body.get("sectors"), "sectors", errors, known)
    lots: list[services.LotData] = []
    raw_lots = body.get("lots")
    if raw_lots is not None:
        if not isinstance(raw_lots, list) or len(raw_lots) > MAX_LOTS:
            errors["lots"] = f"expected a list of at most {MAX_LOTS} lots"
        else:
            for index, lot in enumerate(raw_lots):
                key = f"lots[{index}]"
                if not isinstance(lot, dict):
                    errors[key] = "expected an object with title, amount, sectors"
                    continue
                lot_errors: dict[str, str] = {}
                lot_title = _text(lot, "title", lot_errors, 300, required=True)
                amount = _integer(lot, "amount", lot_errors, 0, 10**12)
                lot_sectors = _sectors(lot.get("sectors"), "sectors", lot_errors, known)
                for name in sorted(set(lot) - {"title", "amount", "sectors"})[:5]:
                    lot_errors[str(name)[:40]] = "unknown field"
                for name, message in lot_errors.items():
                    errors[f"{key}.{name}"] = message
                if not lot_errors:
                    lots.append(services.LotData(lot_title, amount, lot_sectors))
    place = body.get("place")
    place_kind, place_code = "national", None
    if place is not None:
        kind = place.get("kind") if isinstance(place, dict) else None
        code = place.get("code") if isinstance(place, dict) else None
        if kind not in PLACE_KINDS or not (code is None or isinstance(code, str)):
            errors["place"] = "expected {kind: commune|epci|departement|region|national, code}"
        elif kind != "national" and services.place_label(db.session, kind, code) is None:
            errors["place"] = f"no {kind} with this code in the reference data"
        else:
            place_kind, place_code = kind, (None if kind == "national" else code)
    else:
        errors["place"] = "required: {kind, code}"
    amount_total = _integer(body, "amount_total", errors, 0, 10**12)
    amount_per_year = _integer(body, "amount_per_year", errors, 0, 10**12)
    duration = _integer(body, "duration_months", errors, 1, 600)
    launch = None
    if body.get("launch_date") is not None:
        launch = (
            queries.parse_date(body["launch_date"][:20])
            if isinstance(body["launch_date"], str)
            else None
        )
        if launch is None:
            errors["launch_date"] = "expected a date YYYY-MM-DD"
    social = body.get("social_consideration", "unknown")
    if social not in SOCIAL_CONSIDERATIONS:
        errors["social_consideration"] = "expected one of " + ", ".join(SOCIAL_CONSIDERATIONS)
    if body.get("status", "draft") not in ("draft", "published"):
        errors["status"] = "expected draft or published"
    _text(body, "external_id", errors, 120)
    if errors:
        return None, errors
    return services.IntentionData(
        title=title,
        description=description,
        cpv_codes=cpv,
        sectors=sectors,
        lots=lots,
        place_kind=place_kind,
        place_code=place_code,
        amount_total=amount_total,
        amount_per_year=amount_per_year,
        duration_months=duration,
        launch_date=launch,
        social_consideration=social,
    ), {}


@blueprint.post("/intentions")
@requires("view_public")  # the token, not the session, says who calls: checked below
@token_required("write:intentions")
def create_intention():
    user = g.api_user
    memberships = user.buyer_memberships
    if not memberships:
        raise ApiError(403, "the token's user belongs to no buyer organisation")
    if not request.is_json:
        raise ApiError(415, "send a JSON body (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    data, errors = parse_body(body)
    organisations = {m.organisation_id: m.organisation for m in memberships}
    organisation_id = body.get("organisation_id")
    if organisation_id is None and len(organisations) > 1:
        errors["organisation_id"] = "required: the token's user belongs to several organisations"
    elif organisation_id is not None and (
        isinstance(organisation_id, bool)
        or not isinstance(organisation_id, int)
        or organisation_id not in organisations
    ):
        errors["organisation_id"] = "not one of the token's user's organisations"
    if errors:
        raise ApiError(400, "invalid intention", errors)
    organisation = organisations[organisation_id or next(iter(organisations))]
    data.status = "published" if body.get("status") == "published" else "draft"
    data.external_id = (body.get("external_id") or "").strip() or None
    try:
        intention = services.create_intention(
            db.session, data, services.Buyer.of(organisation), source="api", author=user
        )
    except services.ExternalIdTaken as exc:
        raise ApiError(409, "an intention with this external_id exists", exc.errors) from None
    except services.IntentionInvalid as exc:
        raise ApiError(400, "invalid intention", exc.errors) from None
    response = jsonify(queries.intention_json(intention))
    response.status_code = 201
    response.headers["Location"] = url_for(
        "api.get_intention", intention_id=intention.id, _external=True
    )
    return response
