"""Events on the API: the published and closed events, one event with its slots, tables
and accepted participants, its meeting requests and meetings (once the schedule is
published, or to an organiser's token; the public reads only the accepted requests and
no attendance), and the check-in a badge printer at the door
sends (``write:events``, organisers only), through ``webapp.events.day``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from webapp.api import event_schemas as schemas
from webapp.api.auth import (
    BEARER,
    INVALID_TOKEN,
    bearer_token,
    find_token,
    record_use,
    token_required,
)
from webapp.api.blueprint import blueprint
from webapp.api.errors import Refusal
from webapp.events import day, queries
from webapp.events.access import organises
from webapp.extensions import db
from webapp.models import (
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    Network,
    User,
)
from webapp.permissions import requires

TAG = "Events"
NO_EVENT = Refusal(404, "no published event with this id")
NO_PARTICIPANT = Refusal(404, "no participant of this event with this id")
INVALID_PARAMETERS = Refusal(400, schemas.EventArgsSchema.refusal)
UNKNOWN_NETWORK = "unknown network"
# Not yet public: as absent as an unknown event to whoever may not read it (an organiser's
# token reads it before).
SCHEDULE_HIDDEN = Refusal(
    404, "requests and meetings are public once the schedule is published (before: organisers)"
)
NOT_ORGANISER = Refusal(403, "the token's user does not organise this event")
NOT_ACCEPTED = Refusal(409, "only accepted registrations are checked in")
# Reading takes no token, or any valid one: an organiser's shows more.
OPTIONAL_TOKEN = [{}, {BEARER: []}]


def _published(event_id: int) -> Event:
    """The event, if published or closed: a draft is nobody's business on the API."""
    event = db.session.get(Event, event_id)
    if event is None or event.status not in schemas.PUBLIC_STATUSES:
        raise NO_EVENT()
    return event


def _caller() -> User | None:
    """Who the request's token (if any) speaks for; a token sent but invalid is a 401, not
    read as anonymous (a badge printer must know its token is wrong)."""
    if "api_caller" not in g:
        user = None
        if "Authorization" in request.headers:
            token = bearer_token()
            row = find_token(token) if token else None
            if row is None:
                raise INVALID_TOKEN()
            record_use(row)
            user = row.user
        g.api_caller = user
    return g.api_caller


def _page(query, args: dict[str, Any]) -> dict[str, Any]:
    page = db.paginate(
        query, page=args["page"], per_page=args["per_page"], error_out=False, count=True
    )
    return {
        "total": page.total,
        "page": args["page"],
        "per_page": args["per_page"],
        "results": page.items,
    }


def _organiser_view(event: Event) -> bool:
    """Whether the caller's token is an organiser's of ``event`` (then the answers say
    more: every request, the attendance), noted for the schemas."""
    caller = _caller()
    g.setdefault(schemas.ORGANISER_VIEW, caller is not None and organises(caller, event))
    return g.get(schemas.ORGANISER_VIEW)


def _schedule_readable(event: Event) -> None:
    if event.schedule_published_at is None and not _organiser_view(event):
        raise SCHEDULE_HIDDEN()


# --- Reading ---------------------------------------------------------------------------------


@blueprint.route("/events", tags=[TAG])
@blueprint.doc(operationId="listEvents")
@requires("view_public")
@blueprint.arguments(schemas.EventArgsSchema, location="query")
@blueprint.response(200, schemas.EventListSchema, description="A page of events.")
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Published and closed events, soonest first."""
    query = (
        select(Event)
        .where(Event.status.in_(schemas.PUBLIC_STATUSES))
        .options(selectinload(Event.participants), selectinload(Event.slots))
        .order_by(Event.starts_on, Event.id)
    )
    if "network" in args:
        network = db.session.scalar(select(Network).where(Network.slug == args["network"]))
        if network is None:
            raise INVALID_PARAMETERS({"network": UNKNOWN_NETWORK})
        query = query.where(or_(Event.network_id == network.id, Event.co_network_id == network.id))
    if args.get("from_"):
        query = query.where(Event.ends_on >= args["from_"])
    if args.get("to"):
        query = query.where(Event.starts_on <= args["to"])
    return _page(query, args)


@blueprint.route("/events/<int:event_id>", tags=[TAG])
@blueprint.doc(operationId="getEvent", security=OPTIONAL_TOKEN)
@requires("view_public")
@blueprint.refuses(NO_EVENT, INVALID_TOKEN)
@blueprint.response(200, schemas.EventSchema, description="The event.")
def get_event(event_id: int) -> Event:
    """One event: its slots, tables and accepted participants (caps, unavailable slots;
    their check-in to an organiser's token only)."""
    event = _published(event_id)
    _organiser_view(event)
    return queries.with_participants(db.session, event)


@blueprint.route("/events/<int:event_id>/requests", tags=[TAG])
@blueprint.doc(operationId="listEventRequests", security=OPTIONAL_TOKEN)
@requires("view_public")
@blueprint.refuses(NO_EVENT, SCHEDULE_HIDDEN, INVALID_TOKEN)
@blueprint.arguments(schemas.PageArgsSchema, location="query")
@blueprint.response(200, schemas.MeetingRequestListSchema, description="A page of requests.")
def list_requests(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's meeting requests, in the order they were made.

    Public once the schedule is published, and then only the accepted ones (who declined
    or ignored whom is nobody's business); an organiser's token reads them all, before
    publication too."""
    event = _published(event_id)
    _schedule_readable(event)
    query = (
        select(EventMeetingRequest)
        .where(EventMeetingRequest.event_id == event.id)
        .order_by(EventMeetingRequest.created_at, EventMeetingRequest.id)
    )
    if not _organiser_view(event):
        query = query.where(EventMeetingRequest.status == "accepted")
    return _page(query, args)


@blueprint.route("/events/<int:event_id>/meetings", tags=[TAG])
@blueprint.doc(operationId="listEventMeetings", security=OPTIONAL_TOKEN)
@requires("view_public")
@blueprint.refuses(NO_EVENT, SCHEDULE_HIDDEN, INVALID_TOKEN)
@blueprint.arguments(schemas.PageArgsSchema, location="query")
@blueprint.response(200, schemas.MeetingListSchema, description="A page of meetings.")
def list_meetings(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's meetings: request, slot, table and the two participants.

    Public once the schedule is published; before, to an organiser's token only."""
    event = _published(event_id)
    _schedule_readable(event)
    query = (
        select(EventMeeting)
        .where(EventMeeting.event_id == event.id)
        .options(selectinload(EventMeeting.request))
        .order_by(EventMeeting.slot_id, EventMeeting.table_id, EventMeeting.id)
    )
    return _page(query, args)


# --- The check-in --------------------------------------------------------------------------------


def organisers_only(view: Callable) -> Callable:
    """The event (404 if unknown or a draft), then its organiser rule (403), before the body
    is read: who may not write learns nothing of it."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not organises(g.api_user, _published(kwargs["event_id"])):
            raise NOT_ORGANISER()
        return view(*args, **kwargs)

    return blueprint.refuses(NO_EVENT, NOT_ORGANISER)(guarded)


@blueprint.route(
    "/events/<int:event_id>/participants/<int:participant_id>/check-in",
    methods=["POST"],
    tags=[TAG],
)
@blueprint.doc(operationId="checkInParticipant")
@requires("view_public")  # the token, not the session, says who calls: checked below
@token_required("write:events")
@organisers_only
@blueprint.arguments(schemas.CheckInInputSchema)
@blueprint.refuses(NO_PARTICIPANT, NOT_ACCEPTED)
@blueprint.response(200, schemas.AttendanceSchema, description="The participant's attendance.")
def check_in(body: dict[str, Any], event_id: int, participant_id: int) -> EventParticipant:
    """Mark a participant present (checked in now), absent (a no-show) or unknown again.

    What a badge printer at the door sends; for an organiser's token with the
    ``write:events`` scope."""
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event_id:
        raise NO_PARTICIPANT()
    try:
        return day.set_attendance(db.session, g.api_user, participant, body["present"])
    except day.DayRefused:
        raise NOT_ACCEPTED() from None
