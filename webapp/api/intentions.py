"""Purchase intentions on the API: list, one, its matches (read), and creation by a
buyer's token with the ``write:intentions`` scope.

The schemas check shapes, types and limits and read references (sectors, the place);
the rules of an intention, for every writer, are ``webapp.intentions.services``'."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple

from flask import g, url_for
from marshmallow import ValidationError, fields, post_load
from marshmallow.validate import Length, OneOf, Range
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain.cpv import default_nomenclature, read_cpv_codes
from domain.matching.eligibility import ARTICLES as MATCH_ARTICLES
from domain.matching.evaluate import LEVELS
from domain.matching.groups import COTRAITANT, MANDATAIRE
from domain.matching.recommend import CLAUSE, NOTHING, RESERVE_LOT, RESERVE_WHOLE
from domain.places import PLACE_KINDS
from domain.text import echoed
from webapp.api.auth import token_required
from webapp.api.blueprint import NOT_AN_OBJECT, blueprint
from webapp.api.errors import UNKNOWN_FIELD, Refusal
from webapp.api.schemas import (
    ApiSchema,
    Inline,
    RepeatedList,
    SharedQuerySchema,
    Text,
    WholeNumber,
    required,
    vocabulary,
)
from webapp.extensions import db
from webapp.intentions import queries, services
from webapp.models import PurchaseIntention, Sector
from webapp.models.accounts import BUYER_TYPES
from webapp.models.intentions import (
    CPV_CODES_MAX,
    EXTERNAL_ID_MAX,
    INTENTION_STATUSES,
    SOCIAL_CONSIDERATIONS,
    SOURCE_MAX,
    TITLE_MAX,
)
from webapp.permissions import requires

TAG = "Purchase intentions"
NOT_PUBLISHED = Refusal(404, "no published intention with this id")
NOT_A_BUYER = Refusal(403, "the token's user belongs to no buyer organisation")
INVALID = Refusal(400, "invalid intention")
EXTERNAL_ID_TAKEN = Refusal(409, "an intention with this external_id exists")
WRITABLE_STATUSES = ("draft", "published")  # closing is the buyer's pages' act
RECOMMENDATIONS = (RESERVE_WHOLE, RESERVE_LOT, CLAUSE, NOTHING)
GROUP_ROLES = (MANDATAIRE, COTRAITANT)  # the first member leads
# The problems of a body's fields, in the words of the first version of the API.
SECTORS_EXPECTED = "expected a list of sector slugs"
LOTS_EXPECTED = f"expected a list of at most {services.MAX_LOTS} lots"
PLACE_REQUIRED = "required: {kind, code}"
PLACE_EXPECTED = "expected {kind: " + "|".join(PLACE_KINDS) + ", code}"
DATE_EXPECTED = "expected a date YYYY-MM-DD"
NOT_ONE_OF_YOURS = "not one of the token's user's organisations"


def _nullable(field: type[fields.Field], **kwargs: Any) -> fields.Field:
    return field(allow_none=True, **kwargs)


def _one_of(choices: tuple[str, ...], intro: str, joint: str, default: str) -> fields.String:
    """One of ``choices`` (``default`` when absent), anything else answered "expected a or b"."""
    message = intro + joint.join(choices)
    return fields.String(
        validate=OneOf(choices, error=message),
        load_default=default,
        error_messages={"invalid": message},
    )


# --- What the API answers ---------------------------------------------------------------------


class CpvEntrySchema(ApiSchema):
    """One code of an intention (a string) with its label."""

    code = fields.Function(lambda code: code, metadata={"type": "string"})
    label = fields.Function(
        lambda code: default_nomenclature().label(code),
        metadata={
            "type": ["string", "null"],
            "description": "Its label in the CPV 2008 nomenclature (null for a code "
            "stored before the nomenclature was checked).",
        },
    )


class SectorSchema(ApiSchema):
    slug = fields.String()
    name = fields.String()
    group = fields.String(attribute="group.slug")


class SectorSlugSchema(ApiSchema):
    slug = fields.String()


class LotSchema(ApiSchema):
    number = fields.Integer()
    title = fields.String()
    amount = _nullable(fields.Integer)
    sectors = fields.Pluck(SectorSlugSchema, "slug", many=True)


class PlaceSchema(ApiSchema):
    kind = fields.String(attribute="place_kind", required=True, validate=OneOf(PLACE_KINDS))
    code = _nullable(
        fields.String,
        attribute="place_code",
        metadata={
            "description": "INSEE code, EPCI SIREN, département or région code; null for national."
        },
    )
    label = _nullable(fields.String, attribute="place_label")


class BuyerSchema(ApiSchema):
    name = fields.String(attribute="buyer_name")
    siret = _nullable(fields.String, attribute="buyer_siret")
    type = fields.String(attribute="buyer_type", validate=OneOf(BUYER_TYPES))


class IntentionSchema(ApiSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = _nullable(fields.String)
    cpv_codes = fields.List(fields.String(metadata={"pattern": "^[0-9]{8}$"}), attribute="cpv_list")
    cpv = fields.List(fields.Nested(CpvEntrySchema), attribute="cpv_list", dump_only=True)
    sectors = fields.List(fields.Nested(SectorSchema))
    lots = fields.List(fields.Nested(LotSchema))
    place = Inline(PlaceSchema, required=True)
    amount_total = _nullable(fields.Integer)
    amount_per_year = _nullable(fields.Integer)
    duration_months = _nullable(fields.Integer)
    launch_date = _nullable(fields.Date)
    buyer = Inline(BuyerSchema, required=True)
    social_consideration = fields.String(validate=OneOf(SOCIAL_CONSIDERATIONS))
    status = fields.String(required=True, validate=OneOf(INTENTION_STATUSES))
    forecast = fields.Boolean(
        required=True, metadata={"description": "A renewal expected from the DECP."}
    )
    source = fields.String(required=True)
    external_id = _nullable(fields.String)
    published_at = _nullable(fields.DateTime)
    updated_at = _nullable(fields.DateTime)
    url = fields.Function(
        lambda i: url_for("intentions.intention", intention_id=i.id, _external=True),
        metadata={"type": "string", "description": "The intention's page."},
    )


class IntentionListSchema(ApiSchema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(IntentionSchema), required=True)


class SupplierSchema(ApiSchema):
    siret = fields.String()
    name = fields.String()
    kind = fields.String()
    score = fields.Float()
    answers_alone = fields.Boolean(
        metadata={
            "description": "Known to do the purchase, covers the whole place, not known too small."
        }
    )
    known = fields.Boolean(
        metadata={
            "description": "The data says it does this trade (a declared, suggested or "
            "track-record sector; for an insertion or staff-provision purchase, its kind); "
            "else probable."
        }
    )
    covers_place = fields.Boolean(
        metadata={"description": "Its zone holds the whole place (else a part)."}
    )
    reasons = fields.List(fields.String())
    eligible_reservations = fields.List(fields.String(validate=OneOf(MATCH_ARTICLES)))
    to_verify = fields.List(fields.String(validate=OneOf(MATCH_ARTICLES)))
    distance_km = _nullable(fields.Float)
    dependency = _nullable(fields.Float)
    sector_match = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=OneOf(LEVELS)),
        metadata={"description": "Per purchase sector, the evidence level."},
    )


class CensusSchema(ApiSchema):
    known = fields.Integer()
    search = fields.Integer()
    by_contracts = fields.Integer()
    by_reach = fields.Integer()
    reach_km = fields.Float()


class LotVerdictSchema(ApiSchema):
    lot = fields.Integer()
    eligible_count = fields.Integer()


class VerdictSchema(ApiSchema):
    allowed = fields.Boolean()
    eligible_count = fields.Integer(
        metadata={"description": "Eligible suppliers known to answer alone."}
    )
    probable_count = fields.Integer(
        metadata={
            "description": "Eligible suppliers that would answer alone were their sectors "
            "known (not counted for the recommendation)."
        }
    )
    lots = fields.List(fields.Nested(LotVerdictSchema))
    recommendation = fields.String(validate=OneOf(RECOMMENDATIONS))
    explanation = fields.String()


class MemberSchema(ApiSchema):
    siret = fields.String()
    name = fields.String()
    kind = fields.String()
    role = fields.String(validate=OneOf(GROUP_ROLES))


class GroupSchema(ApiSchema):
    members = fields.List(fields.Nested(MemberSchema))
    reservation = _nullable(fields.String, validate=OneOf(MATCH_ARTICLES))
    covers = fields.List(fields.String())
    score = fields.Float()
    explanation = fields.String()


class MatchesSchema(ApiSchema):
    rules_version = fields.String()
    suppliers = fields.List(
        fields.Nested(SupplierSchema),
        required=True,
        metadata={"description": "Best first; the first 100."},
    )
    suppliers_total = fields.Integer()
    suppliers_known = fields.Integer(metadata={"description": "Of the total, the known."})
    census = fields.Nested(
        CensusSchema,
        allow_none=True,
        metadata={
            "description": "The known suppliers against what the search finds for the same "
            "place and sectors: known = search + by_contracts + by_reach."
        },
    )
    reservations = fields.Dict(
        keys=fields.String(validate=OneOf(MATCH_ARTICLES)),
        values=fields.Nested(VerdictSchema),
        required=True,
        metadata={"description": "Per article (" + ", ".join(MATCH_ARTICLES) + ")."},
    )
    groups = fields.List(fields.Nested(GroupSchema), required=True)
    groups_search_complete = fields.Boolean()


# --- Reading ----------------------------------------------------------------------------------


class IntentionArgsSchema(SharedQuerySchema):
    """``GET /intentions``: read by ``queries.parse_filters``, the intentions page's parser."""

    sector = RepeatedList(
        vocabulary("sectors"),
        metadata={
            "description": "Sector slugs (of the intention or of one of its lots); repeat "
            "the parameter or separate values with commas."
        },
    )
    place = fields.String(
        metadata={
            "description": "Intentions whose place of execution is this place or inside it: "
            "commune:<INSEE>, epci:<SIREN>, departement:<code>, region:<code> or national."
        }
    )
    launch_from = fields.Date(metadata={"description": "Expected launch on or after."})
    launch_to = fields.Date(metadata={"description": "Expected launch on or before."})
    reservation = fields.String(
        validate=OneOf(MATCH_ARTICLES),
        metadata={
            "description": "Only intentions for which the matcher recommends reserving the "
            "purchase, or a lot, under this article."
        },
    )
    group = fields.Boolean(
        metadata={
            "description": "true: only intentions for which the matcher proposes co-bidding groups."
        }
    )
    source = fields.String(
        validate=Length(max=SOURCE_MAX),
        metadata={"description": "Where the intention comes from (web, api, an import)."},
    )
    external_id = fields.String(
        validate=Length(max=EXTERNAL_ID_MAX),
        metadata={"description": "The identifier in the source (e.g. the DECP uid)."},
    )
    status = fields.String(
        validate=OneOf(services.PUBLIC_STATUSES),
        load_default="published",
        metadata={
            "description": "published (default; forecast renewals included) or closed. "
            "Drafts are private."
        },
    )
    page = fields.Integer(
        validate=Range(1, queries.MAX_PAGE), load_default=1, metadata={"description": "Page."}
    )
    per_page = fields.Integer(
        validate=Range(1, queries.MAX_PER_PAGE),
        load_default=queries.Filters.per_page,
        metadata={"description": "Results per page."},
    )

    def read(self, args) -> tuple[queries.Filters, dict[str, str]]:
        filters, errors = queries.parse_filters(db.session, args, queries.API_PARAMETERS)
        return filters, {name: queries.PROBLEMS[code] for name, code in errors.items()}


def _public(intention_id: int) -> PurchaseIntention:
    intention = db.session.get(PurchaseIntention, intention_id)
    if intention is None or intention.status not in services.PUBLIC_STATUSES:
        raise NOT_PUBLISHED()
    return intention


@blueprint.route("/intentions", tags=[TAG])
@blueprint.doc(operationId="listIntentions")
@requires("view_public")
@blueprint.arguments(IntentionArgsSchema, location="query")
@blueprint.response(200, IntentionListSchema, description="A page of intentions.")
def list_intentions(filters: queries.Filters) -> dict[str, Any]:
    """Published purchase intentions (forecast renewals included), soonest launch first."""
    page = db.paginate(
        queries.filtered_query(db.session, filters),
        page=filters.page,
        per_page=filters.per_page,
        error_out=False,
        count=True,
    )
    return {
        "total": page.total,
        "page": filters.page,
        "per_page": filters.per_page,
        "results": page.items,
    }


@blueprint.route("/intentions/<int:intention_id>", tags=[TAG])
@blueprint.doc(operationId="getIntention")
@requires("view_public")
@blueprint.refuses(NOT_PUBLISHED)
@blueprint.response(200, IntentionSchema, description="The intention.")
def get_intention(intention_id: int) -> PurchaseIntention:
    """One published (or closed) intention."""
    return _public(intention_id)


@blueprint.route("/intentions/<int:intention_id>/matches", tags=[TAG])
@blueprint.doc(operationId="getIntentionMatches")
@requires("view_public")
@blueprint.refuses(NOT_PUBLISHED)
@blueprint.response(200, MatchesSchema, description="The matches.")
def intention_matches(intention_id: int) -> dict[str, Any]:
    """The matcher's result: suppliers, reservation verdicts, co-bidding groups.

    Ranked suppliers, a verdict per reserved-market article and the groups that could bid
    together, each with its reasons; computed afresh (not stored) if the intention or an
    enterprise changed since the stored result."""
    return queries.current_matches(db.session, _public(intention_id))


# --- Creation ----------------------------------------------------------------------------------


def _sectors_by_slug() -> dict[str, Sector]:
    """Every sector by slug, read once per request."""
    if "api_sectors" not in g:
        rows = db.session.scalars(select(Sector).options(selectinload(Sector.group)))
        g.api_sectors = {sector.slug: sector for sector in rows}
    return g.api_sectors


class SectorList(fields.List):
    """Sector slugs, read as the sectors of the reference data."""

    def __init__(self, **kwargs: Any):
        super().__init__(vocabulary("sectors"), **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[Sector]:
        try:
            slugs = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:  # not a list, or an item not a string: one message
            raise ValidationError(SECTORS_EXPECTED) from None
        known = _sectors_by_slug()
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise ValidationError("unknown sector(s): " + ", ".join(map(echoed, unknown[:5])))
        return [known[slug] for slug in dict.fromkeys(slugs)]


class CpvCodes(fields.Field):
    """CPV codes as a list or in one text, read by ``domain.cpv.read_cpv_codes``."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[str]:
        if not isinstance(value, str | list):
            raise ValidationError("expected a list of CPV codes or a string")
        reading = read_cpv_codes(value)
        if reading.errors:
            raise ValidationError(
                "not CPV codes (8 digits, optional -check digit): "
                + ", ".join(reading.rejected()[:5])
            )
        if len(" ".join(reading.codes)) > CPV_CODES_MAX:
            raise ValidationError("too many CPV codes")
        return list(reading.codes)


class LotInputSchema(ApiSchema):
    error_messages = {"type": "expected an object with title, amount, sectors"}

    title = required(Text(limit=TITLE_MAX))
    amount = WholeNumber(0, services.MAX_AMOUNT)
    sectors = SectorList()

    @post_load
    def lot(self, data: dict[str, Any], **kwargs: Any) -> services.LotData:
        return services.LotData(data["title"], data.get("amount"), data.get("sectors", []))


class PlaceInputSchema(ApiSchema):
    kind = required(fields.String(validate=OneOf(PLACE_KINDS)))
    code = fields.String(
        allow_none=True,
        metadata={
            "description": "INSEE code, EPCI SIREN, département or région code; null or "
            "absent for national."
        },
    )
    label = fields.String(
        allow_none=True,
        load_only=True,
        metadata={
            "description": "Ignored (the reference data names the place): accepted so "
            "that a place read from this API can be sent back as it is."
        },
    )

    @post_load
    def place(self, data: dict[str, Any], **kwargs: Any) -> tuple[str, str | None, str]:
        """(kind, code, name), the place read against the reference data."""
        kind = data["kind"]
        code = None if kind == "national" else data.get("code")
        label = services.place_label(db.session, kind, code)
        if label is None:
            raise ValidationError(f"no {kind} with this code in the reference data")
        return kind, code, label


class PlaceField(fields.Nested):
    """The place, its problem said in one message: the shape expected, or the reference
    data's answer to a well-formed place (unknown names are still named one by one)."""

    def __init__(self, **kwargs: Any):
        super().__init__(PlaceInputSchema, **kwargs)
        # Marshmallow formats its messages: the braces of "{kind, code}" are text.
        self.error_messages.update(required=PLACE_REQUIRED.replace("{", "{{").replace("}", "}}"))

    def _deserialize(self, value: Any, attr, data, partial=None, **kwargs):
        try:
            return super()._deserialize(value, attr, data, partial=partial, **kwargs)
        except ValidationError as error:
            problems = error.messages
            if not isinstance(value, dict) or not isinstance(problems, dict):
                raise ValidationError(PLACE_EXPECTED) from None
            if set(problems) == {"_schema"} or all(p == [UNKNOWN_FIELD] for p in problems.values()):
                raise
            raise ValidationError(PLACE_EXPECTED) from None


class NewIntention(NamedTuple):
    data: services.IntentionData
    organisation_id: int | None


class IntentionInputSchema(ApiSchema):
    refusal = INVALID.message
    error_messages = {"type": NOT_AN_OBJECT.message}

    title = required(Text(limit=TITLE_MAX))
    description = Text(limit=services.DESCRIPTION_MAX)
    cpv_codes = CpvCodes(
        metadata={
            "description": "CPV codes, with or without check digit (90910000-9).",
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        }
    )
    sectors = SectorList()
    lots = fields.List(
        fields.Nested(LotInputSchema),
        validate=Length(max=services.MAX_LOTS, error=LOTS_EXPECTED),
        error_messages={"invalid": LOTS_EXPECTED},
    )
    place = PlaceField(required=True)
    amount_total = WholeNumber(0, services.MAX_AMOUNT)
    amount_per_year = WholeNumber(0, services.MAX_AMOUNT)
    duration_months = WholeNumber(1, services.MAX_DURATION_MONTHS)
    launch_date = fields.Date(error_messages={"invalid": DATE_EXPECTED, "format": DATE_EXPECTED})
    social_consideration = _one_of(SOCIAL_CONSIDERATIONS, "expected one of ", ", ", "unknown")
    status = _one_of(WRITABLE_STATUSES, "expected ", " or ", "draft")
    external_id = Text(
        limit=EXTERNAL_ID_MAX,
        metadata={
            "description": "Your identifier: unique among your organisation's intentions "
            "sent through the API."
        },
    )
    organisation_id = WholeNumber(
        message=NOT_ONE_OF_YOURS,
        metadata={
            "description": "Required when the token's user belongs to several buyer organisations."
        },
    )

    @post_load
    def intention(self, data: dict[str, Any], **kwargs: Any) -> NewIntention:
        kind, code, label = data["place"]
        return NewIntention(
            services.IntentionData(
                title=data["title"],
                place_kind=kind,
                place_code=code,
                place_label=label,
                description=data.get("description") or None,
                cpv_codes=data.get("cpv_codes", []),
                sectors=data.get("sectors", []),
                lots=data.get("lots", []),
                amount_total=data.get("amount_total"),
                amount_per_year=data.get("amount_per_year"),
                duration_months=data.get("duration_months"),
                launch_date=data.get("launch_date"),
                social_consideration=data["social_consideration"],
                status=data["status"],
                external_id=data.get("external_id") or None,
            ),
            data.get("organisation_id"),
        )


def buyers_only(view: Callable) -> Callable:
    """Refuse the token of someone who belongs to no buyer organisation (before reading
    the body: who may not write learns nothing of it)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not g.api_user.buyer_memberships:
            raise NOT_A_BUYER()
        return view(*args, **kwargs)

    return blueprint.refuses(NOT_A_BUYER)(guarded)


@blueprint.route("/intentions", methods=["POST"], tags=[TAG])
@blueprint.doc(operationId="createIntention")
@requires("view_public")  # the token, not the session, says who calls: checked below
@token_required("write:intentions")
@buyers_only
@blueprint.arguments(IntentionInputSchema)
@blueprint.refuses(EXTERNAL_ID_TAKEN)
@blueprint.response(
    201,
    IntentionSchema,
    description="Created; Location gives its address.",
    headers={"Location": {"schema": {"type": "string"}, "description": "The intention."}},
)
def create_intention(new: NewIntention):
    """Create a purchase intention; the matcher runs at once.

    For the token owner's buyer organisation (``organisation_id`` when they belong to
    several)."""
    user = g.api_user
    organisations = {m.organisation_id: m.organisation for m in user.buyer_memberships}
    if new.organisation_id is None and len(organisations) > 1:
        raise INVALID(
            {"organisation_id": "required: the token's user belongs to several organisations"}
        )
    if new.organisation_id is not None and new.organisation_id not in organisations:
        raise INVALID({"organisation_id": NOT_ONE_OF_YOURS})
    organisation = organisations[new.organisation_id or next(iter(organisations))]
    try:
        intention = services.create_intention(
            db.session, new.data, services.Buyer.of(organisation), source="api", author=user
        )
    except services.ExternalIdTaken as exc:
        raise EXTERNAL_ID_TAKEN(exc.errors) from None
    except services.IntentionInvalid as exc:
        raise INVALID(exc.errors) from None
    location = url_for("api.get_intention", intention_id=intention.id, _external=True)
    return intention, {"Location": location}
