"""What the events API reads and answers: events, their slots (times with the
Europe/Paris offset), tables, accepted participants, meeting requests and meetings, and
the check-in body a badge printer sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import g
from marshmallow import ValidationError, fields, missing, pre_load, validates_schema
from marshmallow.validate import OneOf, Range

from webapp.api.schemas import VOCABULARY, ApiSchema, Inline, QuerySchema
from webapp.extensions import db
from webapp.models import Commune, Event, EventParticipant
from webapp.models.events import (
    EVENT_KINDS,
    EVENT_TIMEZONE,
    MEETING_REQUEST_STATUSES,
    PARTICIPANT_KINDS,
)

MAX_PAGE = 1000
MAX_PER_PAGE = 500  # a room display reads a day's meetings in a page or two
PER_PAGE = 100
PUBLIC_STATUSES = ("published", "closed")
DATE_EXPECTED = "expected a date YYYY-MM-DD"
PRESENT_EXPECTED = "expected true, false or null"


class LocalTime(fields.Field):
    """A slot's wall-clock time (stored naive, Europe/Paris) in ISO 8601 with its offset
    that day: +01:00 in winter, +02:00 in summer."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs) -> str | None:
        if value is None:
            return None
        return value.replace(tzinfo=ZoneInfo(EVENT_TIMEZONE)).isoformat()


class Computed(fields.Nested):
    """An object (or a list, ``many=True``) that ``function`` computes from the parent."""

    def __init__(self, nested, function: Callable[[Any], Any], **kwargs: Any):
        super().__init__(nested, **kwargs)
        self.function = function

    def get_value(self, obj: Any, attr: str, accessor=None, default=missing) -> Any:
        return self.function(obj)


# --- Reading: parameters --------------------------------------------------------------------


class PageArgsSchema(QuerySchema):
    """A page of a list."""

    page = fields.Integer(
        validate=Range(1, MAX_PAGE), load_default=1, metadata={"description": "Page."}
    )
    per_page = fields.Integer(
        validate=Range(1, MAX_PER_PAGE),
        load_default=PER_PAGE,
        metadata={"description": "Rows per page."},
    )


class EventArgsSchema(PageArgsSchema):
    """``GET /events``."""

    network = fields.String(
        metadata={
            "description": "Slug of an organising (or co-organising) network.",
            VOCABULARY: "networks",
        }
    )
    from_ = fields.Date(
        data_key="from",
        error_messages={"invalid": DATE_EXPECTED},
        metadata={"description": "Events ending on or after this date."},
    )
    to = fields.Date(
        error_messages={"invalid": DATE_EXPECTED},
        metadata={"description": "Events starting on or before this date."},
    )

    @validates_schema
    def in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("must not be after to", "from")


# --- Reading: answers -----------------------------------------------------------------------


class NetworkRefSchema(ApiSchema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


def _commune_name(event: Event) -> str | None:
    if not event.commune_code:
        return None
    commune = db.session.get(Commune, event.commune_code)
    return commune.name if commune is not None else None


class EventPlaceSchema(ApiSchema):
    commune_code = fields.String(allow_none=True, metadata={"description": "INSEE code."})
    commune = fields.Function(
        _commune_name, metadata={"type": ["string", "null"], "description": "Commune name."}
    )
    address = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)


class CountsSchema(ApiSchema):
    buyers = fields.Integer(required=True, metadata={"description": "Accepted buyers."})
    enterprises = fields.Integer(required=True, metadata={"description": "Accepted enterprises."})
    slots = fields.Integer(required=True)
    tables = fields.Integer(required=True)


def counts(event: Event) -> dict[str, int]:
    accepted = [p.kind for p in event.participants if p.status == "accepted"]
    return {
        "buyers": accepted.count("buyer"),
        "enterprises": accepted.count("enterprise"),
        "slots": len(event.slots),
        "tables": len(event.tables),
    }


class EventSummarySchema(ApiSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=OneOf(EVENT_KINDS))
    status = fields.String(required=True, validate=OneOf(PUBLIC_STATUSES))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    place = Inline(EventPlaceSchema, required=True)
    networks = fields.List(
        fields.Nested(NetworkRefSchema),
        attribute="organisers",
        required=True,
        metadata={"description": "The organising network, then the co-organiser if any."},
    )
    counts = Computed(CountsSchema, counts, required=True)
    schedule_published = fields.Function(
        lambda e: e.schedule_published_at is not None,
        metadata={
            "type": "boolean",
            "description": "Whether requests and meetings are public (else an organiser's "
            "token reads them).",
        },
    )


class EventListSchema(ApiSchema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(EventSummarySchema), required=True)


class SlotSchema(ApiSchema):
    id = fields.Integer(required=True)
    start = LocalTime(
        attribute="starts_at",
        required=True,
        metadata={"type": "string", "format": "date-time", "description": "With its offset."},
    )
    end = LocalTime(
        attribute="ends_at", required=True, metadata={"type": "string", "format": "date-time"}
    )


class TableSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


def _siret(participant: EventParticipant) -> str | None:
    if participant.enterprise is not None:
        return participant.enterprise.siret
    return participant.organisation.siret if participant.organisation is not None else None


# Set by the views when the caller's token is an organiser's: only then do the answers
# carry what is nobody else's business (attendance, who declined whom).
ORGANISER_VIEW = "events_organiser_view"
ORGANISERS_ONLY = "Only to an organiser's token (absent otherwise)."


def organiser_view() -> bool:
    return bool(g.get(ORGANISER_VIEW, False))


def _for_organisers(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``function``'s value for an organiser's token; for anyone else the key is left out."""
    return lambda obj: function(obj) if organiser_view() else missing


class ParticipantSchema(ApiSchema):
    id = fields.Integer(required=True)
    type = fields.String(attribute="kind", required=True, validate=OneOf(PARTICIPANT_KINDS))
    name = fields.String(attribute="display_name", required=True)
    siret = fields.Function(
        _siret,
        metadata={
            "type": ["string", "null"],
            "description": "The enterprise's, or the buyer organisation's if known.",
        },
    )
    cap = fields.Integer(
        attribute="effective_cap",
        allow_none=True,
        metadata={"description": "Most meetings: their own cap within their type's; null: none."},
    )
    unavailable_slots = fields.Function(
        lambda p: [slot.id for slot in p.unavailable_slots],
        metadata={"type": "array", "items": {"type": "integer"}, "description": "Slot ids."},
    )
    checked_in = fields.Function(
        _for_organisers(lambda p: p.checked_in_at is not None),
        metadata={"type": "boolean", "description": "Checked in at the door. " + ORGANISERS_ONLY},
    )
    no_show = fields.Function(
        _for_organisers(lambda p: p.no_show),
        metadata={"type": "boolean", "description": "Marked absent. " + ORGANISERS_ONLY},
    )


class EventSchema(EventSummarySchema):
    description = fields.String(allow_none=True, metadata={"description": "Markdown."})
    registration_opens_on = fields.Date(allow_none=True)
    registration_closes_on = fields.Date(allow_none=True)
    slot_minutes = fields.Integer()
    slots = fields.List(fields.Nested(SlotSchema), required=True)
    tables = fields.List(fields.Nested(TableSchema), required=True)
    participants = Computed(
        ParticipantSchema,
        lambda e: [p for p in e.participants if p.status == "accepted"],
        many=True,
        required=True,
        metadata={
            "description": "The accepted participants (their attendance to an organiser's "
            "token only)."
        },
    )


class MeetingRequestSchema(ApiSchema):
    id = fields.Integer(required=True)
    from_ = fields.Integer(
        attribute="sender_id", data_key="from", required=True, metadata={"description": "Asker."}
    )
    to = fields.Integer(attribute="recipient_id", required=True, metadata={"description": "Asked."})
    status = fields.String(
        required=True,
        validate=OneOf(MEETING_REQUEST_STATUSES),
        metadata={
            "description": "Always accepted, except to an organiser's token, which reads "
            "every request (pending, declined, expired, cancelled too)."
        },
    )
    mutual = fields.Boolean(required=True, metadata={"description": "Both asked each other."})
    intention = fields.Integer(
        attribute="intention_id",
        allow_none=True,
        metadata={"description": "The purchase intention it is about."},
    )
    created_at = fields.DateTime(required=True)
    answered_at = fields.DateTime(allow_none=True)


class MeetingRequestListSchema(ApiSchema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(MeetingRequestSchema), required=True)


class MeetingSchema(ApiSchema):
    id = fields.Integer(required=True)
    request = fields.Integer(attribute="request_id", required=True)
    slot = fields.Integer(attribute="slot_id", required=True)
    table = fields.Integer(attribute="table_id", required=True)
    locked = fields.Boolean(required=True)
    participants = fields.Function(
        lambda m: [m.request.sender_id, m.request.recipient_id],
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "The asker's id, then the asked's.",
        },
    )


class MeetingListSchema(ApiSchema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(MeetingSchema), required=True)


# --- Writing: the check-in ------------------------------------------------------------------


class Presence(fields.Field):
    """JSON true, false or null: nothing else (not 1, "yes" or "true")."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> bool | None:
        if value is not None and not isinstance(value, bool):
            raise ValidationError(PRESENT_EXPECTED)
        return value


class CheckInInputSchema(ApiSchema):
    present = Presence(
        required=True,
        allow_none=True,
        error_messages={"required": "required: true, false or null"},
        metadata={
            "type": ["boolean", "null"],
            "description": "true: checked in now; false: a no-show; null: unknown again.",
        },
    )

    @pre_load
    def null_is_absent(self, data: Any, **kwargs: Any) -> Any:
        """Here null is a value (attendance unknown again): kept, not read as absent."""
        return data


class AttendanceSchema(ApiSchema):
    id = fields.Integer(required=True)
    checked_in = fields.Function(
        lambda p: p.checked_in_at is not None, required=True, metadata={"type": "boolean"}
    )
    checked_in_at = fields.DateTime(allow_none=True)
    no_show = fields.Boolean(required=True)
