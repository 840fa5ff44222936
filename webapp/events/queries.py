"""Reads shared by the events' pages and services: the lists of events, an event's
participants and counts, where an event is, whom to write to. Nothing here writes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from domain.text import fold
from webapp.claims.services import members_of
from webapp.models import (
    AuditEvent,
    Commune,
    Enterprise,
    EnterpriseMembership,
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    Network,
    NetworkFacilitator,
    User,
)
from webapp.models.enterprise import enterprise_network
from webapp.models.events import EVENT_TIMEZONE

PUBLIC_STATUSES = ("published", "closed")
# The audit action of an invitation to an event (one per enterprise and event).
INVITATION_ACTION = "event_invitation"


def today() -> date:
    """Today where events happen (the registration window is read on the room's clock)."""
    return datetime.now(ZoneInfo(EVENT_TIMEZONE)).date()


# --- Lists of events -------------------------------------------------------------------------


def public_events(session: Session, *, past: bool = False, on: date | None = None) -> list[Event]:
    """The published (or closed) events still to come, soonest first; ``past``: those
    ended, latest first."""
    on = on or today()
    query = select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if past:
        query = query.where(Event.ends_on < on).order_by(Event.starts_on.desc())
    else:
        query = query.where(Event.ends_on >= on).order_by(Event.starts_on, Event.id)
    return list(session.scalars(query.options(selectinload(Event.network))))


def network_events(session: Session, network: Network) -> list[Event]:
    """Every event ``network`` organises or co-organises, whatever its status, latest first."""
    return list(
        session.scalars(
            select(Event)
            .where(or_(Event.network_id == network.id, Event.co_network_id == network.id))
            .order_by(Event.starts_on.desc(), Event.id.desc())
        )
    )


# --- One event -------------------------------------------------------------------------------


def accepted_counts(event: Event) -> dict[str, int]:
    """Accepted participants by kind: {"buyer": n, "enterprise": n}."""
    found = Counter(p.kind for p in event.participants if p.status == "accepted")
    return {"buyer": found["buyer"], "enterprise": found["enterprise"]}


def participants_of(
    session: Session, event: Event, *, status: str | None = None, kind: str | None = None
) -> list[EventParticipant]:
    """The participants of ``event`` (of one status and kind if given), in registration order."""
    query = select(EventParticipant).where(EventParticipant.event_id == event.id)
    if status:
        query = query.where(EventParticipant.status == status)
    if kind:
        query = query.where(EventParticipant.kind == kind)
    return list(session.scalars(query.order_by(EventParticipant.id).options(*PARTICIPANT_LOADS)))


# What the pages and the API read of each participant: loaded with the list (a lazy load
# per participant is a query per row: 49 at 40 enterprises on the check-in page).
PARTICIPANT_LOADS = (
    selectinload(EventParticipant.enterprise),
    selectinload(EventParticipant.organisation),
    selectinload(EventParticipant.unavailable_slots),
    selectinload(EventParticipant.registered_by),
    selectinload(EventParticipant.user),
)


def with_participants(session: Session, event: Event) -> Event:
    """``event`` with ``event.participants`` loaded at once with what each one's rows
    show. A request's ``sender``/``recipient`` then come from the session, not a query."""
    set_committed_value(event, "participants", participants_of(session, event))
    return event


def schedule_of(session: Session, event: Event) -> list[EventMeeting]:
    """The meetings of ``event`` with their request, slot and table (the participants are
    loaded with ``with_participants``), in the order they were made."""
    with_participants(session, event)
    return list(
        session.scalars(
            select(EventMeeting)
            .where(EventMeeting.event_id == event.id)
            .order_by(EventMeeting.id)
            .options(
                selectinload(EventMeeting.request).selectinload(EventMeetingRequest.intention),
                selectinload(EventMeeting.slot),
                selectinload(EventMeeting.table),
            )
        )
    )


def slots_by_day(event: Event) -> list[tuple[date, list]]:
    """The event's slots grouped by day, in time order."""
    days: dict[date, list] = {}
    for slot in event.slots:
        days.setdefault(slot.starts_at.date(), []).append(slot)
    return list(days.items())


def slots_with_meetings(session: Session, event: Event) -> set[int]:
    """Ids of the slots of ``event`` that hold a meeting."""
    return set(
        session.scalars(select(EventMeeting.slot_id).where(EventMeeting.event_id == event.id))
    )


def tables_with_meetings(session: Session, event: Event) -> set[int]:
    """Ids of the tables of ``event`` that hold a meeting."""
    return set(
        session.scalars(select(EventMeeting.table_id).where(EventMeeting.event_id == event.id))
    )


def commune_label(session: Session, code: str | None) -> str | None:
    """The commune of an INSEE code as "Lille (59)", None when unknown or not given."""
    commune = session.get(Commune, code) if code else None
    return f"{commune.name} ({commune.departement_code})" if commune else None


@dataclass(frozen=True)
class CommuneFound:
    insee: str
    name: str
    departement_code: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.departement_code})"


def find_communes(session: Session, text: str) -> list[CommuneFound]:
    """The communes ``text`` names: an INSEE code, a name (accents, case and dashes
    ignored: "saint etienne" finds Saint-Étienne), or a name with its département
    ("Saint-Denis (93)"). Several when a name is shared by communes of several
    départements."""
    text = (text or "").strip()
    if not text:
        return []
    row = session.get(Commune, text.upper()) if len(text) == 5 else None
    if row is not None:
        return [CommuneFound(row.insee, row.name, row.departement_code)]
    departement = None
    if text.endswith(")") and "(" in text:
        text, _, departement = text[:-1].rpartition("(")
        departement = departement.strip().upper()
    wanted = fold(text)
    if not wanted:
        return []
    rows = session.execute(select(Commune.insee, Commune.name, Commune.departement_code))
    return [
        CommuneFound(insee, name, dep)
        for insee, name, dep in rows
        if fold(name) == wanted and (departement is None or dep == departement)
    ]


# --- Whom to write to --------------------------------------------------------------------------


def members_emails(session: Session, enterprise: Enterprise) -> list[str]:
    """The addresses of the people who manage ``enterprise``'s profile."""
    return sorted(u.email for u in members_of(enterprise, session))


def participant_emails(session: Session, participant: EventParticipant) -> list[str]:
    """Where a participant's messages go: the person registered, else the contact address
    the organiser gave, else (an enterprise) the people who manage its profile."""
    if participant.user is not None:
        return [participant.user.email]
    if participant.contact_email:
        return [participant.contact_email]
    if participant.enterprise is not None:
        return members_emails(session, participant.enterprise)
    return []


def organiser_emails(session: Session, event: Event) -> list[str]:
    """The addresses of the facilitators of the event's networks."""
    ids = [n.id for n in event.organisers]
    return list(
        session.scalars(
            select(User.email)
            .join(NetworkFacilitator, NetworkFacilitator.user_id == User.id)
            .where(NetworkFacilitator.network_id.in_(ids))
            .distinct()
            .order_by(User.email)
        )
    )


# --- The organising networks' members ----------------------------------------------------------


def network_members(session: Session, event: Event) -> list[Enterprise]:
    """The member enterprises of the event's organising networks, by name."""
    ids = [n.id for n in event.organisers]
    return list(
        session.scalars(
            select(Enterprise)
            .join(enterprise_network, enterprise_network.c.enterprise_id == Enterprise.id)
            .where(enterprise_network.c.network_id.in_(ids))
            .distinct()
            .order_by(Enterprise.name, Enterprise.id)
        )
    )


def is_member(event: Event, enterprise: Enterprise) -> bool:
    """Whether ``enterprise`` belongs to one of the event's organising networks."""
    return any(n in enterprise.networks for n in event.organisers)


def invited_enterprise_ids(session: Session, event: Event) -> set[int]:
    """The enterprises already invited to ``event`` (read from the audit trail)."""
    rows = session.execute(
        select(AuditEvent.enterprise_id, AuditEvent.changes).where(
            AuditEvent.action == INVITATION_ACTION, AuditEvent.enterprise_id.is_not(None)
        )
    )
    return {eid for eid, changes in rows if (changes or {}).get("event") == event.id}


def claimed_enterprise_ids(session: Session, enterprises: list[Enterprise]) -> set[int]:
    """Which of ``enterprises`` have someone managing their profile."""
    ids = [e.id for e in enterprises]
    if not ids:
        return set()
    return set(
        session.scalars(
            select(EnterpriseMembership.enterprise_id).where(
                EnterpriseMembership.enterprise_id.in_(ids)
            )
        )
    )
