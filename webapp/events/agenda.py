"""Agendas of a scheduled event: per participant (slot, table, whom they meet, that
person's pitch, the intention it is about), per table (slot → pair), and a participant's
``.ics`` file. Slots are wall-clock times in Europe/Paris (see webapp.models.events): the
calendar file says so with a TZID and its VTIMEZONE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from webapp.models import (
    AuditEvent,
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    EventTable,
    PurchaseIntention,
)
from webapp.models.events import EVENT_TIMEZONE

PARIS = ZoneInfo(EVENT_TIMEZONE)


@dataclass(frozen=True)
class AgendaItem:
    meeting: EventMeeting
    slot: EventSlot
    table: EventTable
    other: EventParticipant
    intention: PurchaseIntention | None
    mutual: bool


@dataclass(frozen=True)
class TableRow:
    slot: EventSlot
    meeting: EventMeeting | None  # None: the table is free in that slot


# --- Words ---------------------------------------------------------------------------------


def _locale() -> str:
    try:
        return str(get_locale() or "fr")
    except (RuntimeError, AttributeError):  # outside a request (a command): French
        return "fr"


NBSP = "\u00a0"  # no-break space: "9 h 00" never breaks, nor "9 h 00 –"


def hour(moment: datetime) -> str:
    """'9 h 00' in French (no-break spaces), the locale's short time otherwise."""
    locale = _locale()
    if locale.startswith("fr"):
        text = format_time(moment, "H 'h' mm", locale=locale)
    else:
        text = format_time(moment, "short", locale=locale)
    return text.replace(" ", NBSP)


def hours(start: datetime, end: datetime) -> str:
    """'9 h 00 – 9 h 20': a line may break after the dash only, between the two times."""
    return f"{hour(start)}{NBSP}– {hour(end)}"


def day(moment: date) -> str:
    """'jeudi 18 mars 2027'."""
    return format_date(moment, "full", locale=_locale())


def slot_times(slot: EventSlot) -> str:
    """'9 h 00 – 9 h 20': a slot within its day (pages group their rows by day)."""
    return hours(slot.starts_at, slot.ends_at)


def slot_label(slot: EventSlot) -> str:
    """'jeudi 18 mars 2027, 9 h 00 – 9 h 20' (wall-clock times, no conversion): where the
    day is not said around it (e-mails, a list of every slot)."""
    return f"{day(slot.starts_at.date())}, {slot_times(slot)}"


# --- Reads ---------------------------------------------------------------------------------


def meetings_of(session: Session, participant: EventParticipant) -> list[EventMeeting]:
    """The meetings of ``participant``, in time order."""
    return list(
        session.scalars(
            select(EventMeeting)
            .join(EventMeetingRequest, EventMeeting.request_id == EventMeetingRequest.id)
            .join(EventSlot, EventMeeting.slot_id == EventSlot.id)
            .where(
                or_(
                    EventMeetingRequest.sender_id == participant.id,
                    EventMeetingRequest.recipient_id == participant.id,
                )
            )
            .order_by(EventSlot.starts_at, EventMeeting.id)
        )
    )


def agenda_of(session: Session, participant: EventParticipant) -> list[AgendaItem]:
    items = []
    for meeting in meetings_of(session, participant):
        request = meeting.request
        other = request.recipient if request.sender_id == participant.id else request.sender
        items.append(
            AgendaItem(
                meeting=meeting,
                slot=meeting.slot,
                table=meeting.table,
                other=other,
                intention=request.intention,
                mutual=request.mutual,
            )
        )
    return items


def table_agenda(session: Session, table: EventTable) -> list[TableRow]:
    """Every slot of the table's event, with the meeting held at the table (if any)."""
    held = {
        m.slot_id: m
        for m in session.scalars(select(EventMeeting).where(EventMeeting.table_id == table.id))
    }
    return [TableRow(slot, held.get(slot.id)) for slot in table.event.slots]


def fingerprint(items: list[AgendaItem]) -> list[list[int]]:
    """What a participant's agenda says, comparable between two schedules: slot, table and
    whom, per meeting (what a "your schedule changed" mail is about)."""
    return sorted([item.slot.id, item.table.id, item.other.id] for item in items)


def publications(session: Session, event: Event) -> int:
    """How many times the event's schedule was published (each is in the audit trail)."""
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.target == f"event:{event.id}", AuditEvent.action == "schedule_published")
    )


def published(event: Event) -> bool:
    return event.schedule_published_at is not None


# --- The calendar file ---------------------------------------------------------------------


def location(event: Event, table: EventTable) -> str:
    return ", ".join(part for part in (table.name, event.address, event.online_url) if part)


def ics(session: Session, participant: EventParticipant) -> bytes:
    """The participant's meetings as an iCalendar file: one VEVENT per meeting, times in
    TZID Europe/Paris with its VTIMEZONE, a UID stable across publications (the meeting's
    request: a moved meeting updates the same calendar entry)."""
    event = participant.event
    host = urlparse(current_app.config.get("PUBLIC_URL") or "").hostname or "passerelles"
    calendar = Calendar()
    calendar.add("prodid", "-//Passerelles//Rendez-vous//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", event.title)
    stamp = datetime.now(UTC)
    # Each publication supersedes the last: a calendar that has the entry (same UID)
    # replaces it with the higher sequence (RFC 5545 3.8.7.4), so a moved meeting moves.
    sequence = publications(session, event)
    items = agenda_of(session, participant)
    for item in items:
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}-request-{item.meeting.request_id}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("sequence", sequence)
        entry.add("dtstart", item.slot.starts_at.replace(tzinfo=PARIS))
        entry.add("dtend", item.slot.ends_at.replace(tzinfo=PARIS))
        entry.add("summary", _("Rendez-vous avec %(name)s", name=item.other.display_name))
        entry.add("location", location(event, item.table))
        lines = [event.title]
        if item.intention is not None:
            lines.append(_("Projet d'achat : %(title)s", title=item.intention.title))
        if item.other.pitch:
            lines.append(item.other.pitch)
        entry.add("description", "\n".join(lines))
        calendar.add_component(entry)
    first = min((i.slot.starts_at.date() for i in items), default=event.starts_on)
    last = max((i.slot.ends_at.date() for i in items), default=event.ends_on)
    # The zone first: readers resolve TZID as they read.
    calendar.subcomponents.insert(
        0,
        Timezone.from_tzinfo(
            PARIS,
            tzid=EVENT_TIMEZONE,
            first_date=date(first.year, 1, 1),
            last_date=date(last.year + 1, 1, 1),
        ),
    )
    return calendar.to_ical()
