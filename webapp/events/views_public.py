"""The public pages of events: the list of those to come (and past ones) and an event's
page with its programme, its organisers, its counts and what the visitor can do. A draft
exists for its organisers only. Also the filters that write an event's dates in words."""

from __future__ import annotations

from datetime import date, datetime, time
from operator import attrgetter
from zoneinfo import ZoneInfo

from flask import abort, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from webapp import reading_french
from webapp.events import agenda, day, queries
from webapp.events.access import event_or_404, organises, participations, visible
from webapp.events.agenda import NBSP
from webapp.events.blueprint import blueprint
from webapp.events.forms import (
    AUDIENCE_LABELS,
    KIND_LABELS,
    PARTICIPANT_KIND_LABELS,
    PARTICIPANT_STATUS_LABELS,
    STATUS_LABELS,
)
from webapp.events.meetings import aware
from webapp.events.organising import parse_breaks
from webapp.events.registration import registration_problem
from webapp.extensions import db
from webapp.markdown import render_markdown
from webapp.models.events import EVENT_TIMEZONE
from webapp.permissions import BUYER, ENTERPRISE, requires, roles_of

# Slots are naive wall-clock times of the event's place: they are written as they are,
# never moved to a reader's zone (Flask-Babel would treat a naive datetime as UTC). The
# moments the application records (a publication, a computation, an expiry) are UTC:
# ``local_datetime`` moves them to the event's zone before writing them.


@blueprint.app_template_filter("event_date")
def event_date(value: date | datetime | None, style: str = "full") -> str:
    """A date in words: "jeudi 18 mars 2027" (in the reader's language)."""
    if value is None:
        return ""
    return format_date(value.date() if isinstance(value, datetime) else value, style)


@blueprint.app_template_filter("event_time")
def event_time(value: time | datetime | None) -> str:
    """A time: "9 h 00" in French (its typography; Babel writes "09:00"), "09:00" in English."""
    if value is None:
        return ""
    value = value.time() if isinstance(value, datetime) else value
    if reading_french():  # no-break spaces: "9 h 00" stays on one line
        return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{value:%H:%M}"


@blueprint.app_template_filter("time_range")
def time_range(start: time | datetime | None, end: time | datetime | None) -> str:
    """ "9 h 00 – 9 h 20": a line may break after the dash only."""
    return f"{event_time(start)}{NBSP}– {event_time(end)}"


@blueprint.app_template_filter("slot_times")
def slot_times(slot) -> str:
    """A slot within its day: "9 h 00 – 9 h 20" (the page says the day once)."""
    return agenda.slot_times(slot)


@blueprint.app_template_filter("by_day")
def by_day(items, moment: str = "starts_at") -> list[tuple[date, list]]:
    """``items`` (in time order) grouped by the day of their ``moment`` attribute (a
    dotted path: "slot.starts_at"): a table writes the day once, as a row header."""
    read = attrgetter(moment)
    days: dict[date, list] = {}
    for item in items:
        days.setdefault(read(item).date(), []).append(item)
    return list(days.items())


@blueprint.app_template_filter("event_dates")
def event_dates(event) -> str:
    """ "lundi 18 janvier 2027", or "Du … au …" for an event of several days."""
    if event.ends_on and event.ends_on != event.starts_on:
        return _(
            "Du %(start)s au %(end)s",
            start=event_date(event.starts_on),
            end=event_date(event.ends_on),
        )
    return event_date(event.starts_on)


@blueprint.app_template_filter("event_place")
def event_place(event) -> str:
    """Where it happens: "2 boulevard des Cités Unies, Lille (59)" (the address and the
    commune, either may be missing; an address ending with the commune's name says it
    once); "" for an event online only."""
    commune = queries.commune_label(db.session, event.commune_code)
    address = (event.address or "").strip()
    if commune and address:
        name = commune.rsplit(" (", 1)[0]  # "Lille (59)" → "Lille"
        if address.casefold().endswith(name.casefold()):  # "…, Lille": not "Lille, Lille (59)"
            address = address[: -len(name)].rstrip(" ,")
    return ", ".join(part for part in (address, commune) if part)


@blueprint.app_template_filter("event_datetime")
def event_datetime(value: datetime | None) -> str:
    """A date and time: "jeudi 18 mars 2027, 9 h 00"."""
    return f"{event_date(value)}, {event_time(value)}" if value else ""


@blueprint.app_template_filter("local_datetime")
def local_datetime(value: datetime | None) -> str:
    """A recorded moment (UTC) on the clock of the events' place: "18 mars 2027 à 9 h 00".
    A naive value is one SQLite gave back without its zone: it was written in UTC."""
    if value is None:
        return ""
    local = aware(value).astimezone(ZoneInfo(EVENT_TIMEZONE)).replace(tzinfo=None)
    return _("%(date)s à %(time)s", date=format_date(local.date(), "long"), time=event_time(local))


@blueprint.app_context_processor
def inject_event_labels() -> dict:
    return {
        "EVENT_KINDS": KIND_LABELS,
        "EVENT_STATUSES": STATUS_LABELS,
        "EVENT_AUDIENCES": AUDIENCE_LABELS,
        "PARTICIPANT_KINDS": PARTICIPANT_KIND_LABELS,
        "PARTICIPANT_STATUSES": PARTICIPANT_STATUS_LABELS,
    }


@blueprint.get("/")
@requires("view_public")
def events():
    past = request.args.get("passes") == "1"
    rows = queries.public_events(db.session, past=past)
    places = {e.id: queries.commune_label(db.session, e.commune_code) for e in rows}
    return render_template("events/list.html", events=rows, past=past, places=places)


def _calls_to_action(event) -> dict:
    """What the visitor may do here: sign in, register as a buyer or an enterprise, see
    their participation(s), manage the event."""
    roles = roles_of(current_user)
    mine = participations(current_user, event) if current_user.is_authenticated else []
    kinds = {p.kind for p in mine if p.status != "cancelled"}
    can = {}
    for kind, role in (("buyer", BUYER), ("enterprise", ENTERPRISE)):
        can[kind] = (
            role in roles and kind not in kinds and registration_problem(event, kind) is None
        )
    return {
        "mine": mine,
        "can_register_buyer": can["buyer"],
        "can_register_enterprise": can["enterprise"],
        "closed_reason": registration_problem(event, "enterprise")
        and registration_problem(event, "buyer"),
        "is_organiser": organises(current_user, event),
        # "Donner mon avis" once the event has begun (the feedback page opens then).
        "feedback_open": day.feedback_open(event),
    }


@blueprint.get("/<int:event_id>")
@requires("view_public")
def event(event_id: int):
    event_ = event_or_404(db.session, event_id)
    if not visible(current_user, event_):
        abort(404)
    try:
        pauses = parse_breaks(event_.breaks)
    except ValueError:  # written before the form's check: shown as it is
        pauses = []
    return render_template(
        "events/detail.html",
        event=event_,
        description_html=render_markdown(event_.description),
        place=queries.commune_label(db.session, event_.commune_code),
        counts=queries.accepted_counts(event_),
        days=queries.slots_by_day(event_),
        pauses=pauses,
        **_calls_to_action(event_),
    )
