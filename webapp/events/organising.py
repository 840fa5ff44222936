"""What an event's organisers write: the event itself with its programme (slots) and
tables, its publication and closing, their decisions on registrations, the members they
register themselves (one by one or from a file) and the invitations they send.

Every function checks that the actor organises the event (a 403 otherwise), writes, keeps
a trace in the audit trail when it matters and commits; mails leave after the commit.
Refusals of the event's rules are ``EventInvalid`` (a message per form field)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from domain.scheduling.programme import meeting_slots
from webapp import mail
from webapp.events import queries
from webapp.events.access import organises
from webapp.events.day import begun
from webapp.models import (
    AuditEvent,
    BuyerOrganisation,
    Enterprise,
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    EventTable,
    Network,
    User,
)
from webapp.models.events import EVENT_KINDS, PITCH_MAX
from webapp.permissions import can_facilitate, ensure
from webapp.services import audit
from webapp.services.changes import actor_of

MAX_DAYS = 14  # an event of more days is a season, not an event
MAX_TABLES = 200
TABLE_NAME_MAX = EventTable.__table__.c.name.type.length
BREAKS_MAX = Event.__table__.c.breaks.type.length
_BREAK = re.compile(r"^(\d{1,2})[:h](\d{2})\s*[-–]\s*(\d{1,2})[:h](\d{2})$")


class EventInvalid(ValueError):
    """The event breaks a rule: a message per field of ``EventData`` (the form's names)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class AlreadyRegistered(ValueError):
    """This enterprise or person is already registered to the event."""

    def __init__(self, participant: EventParticipant):
        super().__init__(f"already registered (participant {participant.id})")
        self.participant = participant


class RegistrationClosed(ValueError):
    """The event takes no registration of this kind (closed, or not for this audience)."""


# --- The event and its programme ---------------------------------------------------------------


def parse_breaks(text: str | None) -> list[tuple[time, time]]:
    """The breaks written "12:00-13:30, 15:30-15:45" (also "12h00-13h30", ";" between),
    in time order; ValueError (a French message) when one cannot be read."""
    found = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        match = _BREAK.match(part)
        try:
            if match is None:
                raise ValueError
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            begins, ends = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ValueError(
                _("Pause illisible : « %(part)s » (attendu : 12:00-13:30).", part=part[:40])
            ) from None
        if ends <= begins:
            raise ValueError(_("La pause %(part)s finit avant de commencer.", part=part[:40]))
        found.append((begins, ends))
    found.sort()
    for (_b1, e1), (b2, _e2) in zip(found, found[1:], strict=False):
        if b2 < e1:
            raise ValueError(_("Deux pauses se chevauchent."))
    return found


def breaks_text(breaks: list[tuple[time, time]]) -> str:
    """The breaks as the event keeps them: "12:00-13:30, 15:30-15:45"."""
    return ", ".join(f"{b:%H:%M}-{e:%H:%M}" for b, e in breaks)


@dataclass
class EventData:
    """An event as its organiser writes it (the form's values, read)."""

    title: str
    kind: str
    starts_on: date
    ends_on: date
    description: str | None = None
    commune_code: str | None = None
    address: str | None = None
    online_url: str | None = None
    registration_opens_on: date | None = None
    registration_closes_on: date | None = None
    audience: str = "both"
    meetings_start: time | None = None
    meetings_end: time | None = None
    slot_minutes: int = 20
    breaks: str = ""
    table_count: int | None = None
    table_names: list[str] = field(default_factory=list)
    buyer_cap: int | None = None
    enterprise_cap: int | None = None
    registration_mode: str = "approval"
    request_mode: str = "approval"
    request_expiry_days: int = 7
    co_network: Network | None = None

    @classmethod
    def of(cls, event: Event, **changes) -> EventData:
        """The event as its organiser wrote it (what the edit form shows), with ``changes``."""
        values = {name: getattr(event, name) for name in EVENT_FIELDS}
        values.update(
            commune_code=event.commune_code,
            co_network=event.co_network,
            table_count=len(event.tables),
            table_names=[t.name for t in event.tables],
        )
        values.update(changes)
        return cls(**values)


# The fields of EventData that are the Event's own columns, as they are.
EVENT_FIELDS = (
    "title",
    "kind",
    "description",
    "starts_on",
    "ends_on",
    "address",
    "online_url",
    "registration_opens_on",
    "registration_closes_on",
    "audience",
    "meetings_start",
    "meetings_end",
    "slot_minutes",
    "breaks",
    "buyer_cap",
    "enterprise_cap",
    "registration_mode",
    "request_mode",
    "request_expiry_days",
)


def programme(data: EventData) -> list[tuple[datetime, datetime]]:
    """The slots of every day of the event (none without meeting hours); EventInvalid
    when the hours, the length or the breaks do not make a programme."""
    if data.meetings_start is None and data.meetings_end is None:
        if data.kind == "meetings":
            raise EventInvalid({"meetings_start": _("Indiquez les horaires des rendez-vous.")})
        return []
    if data.meetings_start is None or data.meetings_end is None:
        name = "meetings_start" if data.meetings_start is None else "meetings_end"
        raise EventInvalid({name: _("Indiquez le début et la fin des rendez-vous.")})
    if data.meetings_end <= data.meetings_start:
        raise EventInvalid({"meetings_end": _("La fin des rendez-vous précède leur début.")})
    try:
        pauses = parse_breaks(data.breaks)
    except ValueError as exc:
        raise EventInvalid({"breaks": str(exc)}) from None
    if any(b < data.meetings_start or e > data.meetings_end for b, e in pauses):
        raise EventInvalid({"breaks": _("Une pause sort des horaires des rendez-vous.")})
    if len(breaks_text(pauses)) > BREAKS_MAX:
        raise EventInvalid({"breaks": _("Trop de pauses.")})
    slots: list[tuple[datetime, datetime]] = []
    for offset in range((data.ends_on - data.starts_on).days + 1):
        day = data.starts_on + timedelta(days=offset)
        try:
            slots += meeting_slots(
                datetime.combine(day, data.meetings_start),
                datetime.combine(day, data.meetings_end),
                data.slot_minutes,
                [(datetime.combine(day, b), datetime.combine(day, e)) for b, e in pauses],
            )
        except ValueError:
            raise EventInvalid({"slot_minutes": _("Durée de créneau refusée.")}) from None
    if not slots:
        raise EventInvalid(
            {"meetings_end": _("Aucun créneau ne tient entre ces horaires, hors pauses.")}
        )
    return slots


def table_names(data: EventData) -> list[str]:
    """The tables' names in order: those written, then "Table k" up to the count."""
    names = [n.strip() for n in data.table_names if n.strip()]
    count = data.table_count if data.table_count is not None else len(names)
    problem = None
    if count > MAX_TABLES:
        problem = _("Au plus %(n)s tables.", n=MAX_TABLES)
    elif len(names) > count:
        problem = _("Plus de noms (%(names)s) que de tables (%(n)s).", names=len(names), n=count)
    elif any(len(n) > TABLE_NAME_MAX for n in names):
        problem = _("Un nom de table a au plus %(n)s caractères.", n=TABLE_NAME_MAX)
    if problem:
        raise EventInvalid({"table_names": problem})
    taken = set(names)
    k = 1
    while len(names) < count:
        name = _("Table %(n)s", n=k)
        k += 1
        if name not in taken:
            names.append(name)
            taken.add(name)
    if len(set(names)) != len(names):
        raise EventInvalid({"table_names": _("Deux tables portent le même nom.")})
    return names


def problems(data: EventData, network: Network) -> dict[str, str]:
    """The rules between the event's values (the form checks each value alone)."""
    found: dict[str, str] = {}
    if data.kind not in EVENT_KINDS:
        found["kind"] = _("Type d'événement inconnu.")
    if data.ends_on < data.starts_on:
        found["ends_on"] = _("La fin précède le début.")
    elif (data.ends_on - data.starts_on).days >= MAX_DAYS:
        found["ends_on"] = _("Un événement dure au plus %(n)s jours.", n=MAX_DAYS)
    opens, closes = data.registration_opens_on, data.registration_closes_on
    if opens and closes and closes < opens:
        found["registration_closes_on"] = _("La clôture des inscriptions précède leur ouverture.")
    elif closes and closes > data.ends_on:
        found["registration_closes_on"] = _("Les inscriptions ferment au plus tard à la fin.")
    if not (data.commune_code or data.address or data.online_url):
        found["commune"] = _("Indiquez un lieu (commune, adresse) ou un lien en ligne.")
    if data.co_network is not None and data.co_network.id == network.id:
        found["co_network"] = _("Le co-organisateur est un autre réseau.")
    return found


def _checked(data: EventData, network: Network) -> tuple[list, list[str]]:
    errors = problems(data, network)
    if errors:
        raise EventInvalid(errors)
    return programme(data), table_names(data)


def _apply(event: Event, data: EventData) -> None:
    event.title = data.title
    event.kind = data.kind
    event.description = data.description or None
    event.starts_on, event.ends_on = data.starts_on, data.ends_on
    event.commune_code = data.commune_code or None
    event.address = data.address or None
    event.online_url = data.online_url or None
    event.registration_opens_on = data.registration_opens_on
    event.registration_closes_on = data.registration_closes_on
    event.audience = data.audience
    event.meetings_start, event.meetings_end = data.meetings_start, data.meetings_end
    event.slot_minutes = data.slot_minutes
    event.breaks = breaks_text(parse_breaks(data.breaks))
    event.buyer_cap, event.enterprise_cap = data.buyer_cap, data.enterprise_cap
    event.registration_mode = data.registration_mode
    event.request_mode = data.request_mode
    event.request_expiry_days = data.request_expiry_days
    event.co_network = data.co_network


def record(session: Session, event: Event, actor: User, action: str, changes: dict) -> None:
    """A trace of a write on ``event`` in the audit trail (its target: "event:<id>")."""
    session.add(
        AuditEvent(
            target=f"event:{event.id}", actor=actor_of(actor), action=action, changes=changes
        )
    )


def create_event(session: Session, organiser: User, network: Network, data: EventData) -> Event:
    """A draft event of ``network`` with its slots (one programme per day) and tables."""
    ensure(can_facilitate(organiser, network))
    slots, names = _checked(data, network)
    event = Event(network=network, status="draft", created_by_id=organiser.id)
    _apply(event, data)
    event.slots = [EventSlot(starts_at=s, ends_at=e) for s, e in slots]
    event.tables = [EventTable(name=n, position=i) for i, n in enumerate(names)]
    session.add(event)
    session.flush()
    record(session, event, organiser, "event_created", {"title": event.title})
    session.commit()
    return event


def update_event(session: Session, organiser: User, event: Event, data: EventData) -> Event:
    """Edit ``event``: the slots whose times are unchanged stay (with their meetings and
    the participants' unavailability), the tables too (matched by name, else renamed in
    order); EventInvalid when a slot or a table that holds meetings would go."""
    ensure(organises(organiser, event))
    slots, names = _checked(data, event.network)
    wanted = set(slots)
    busy_slots = queries.slots_with_meetings(session, event)
    dropped = [s for s in event.slots if (s.starts_at, s.ends_at) not in wanted]
    if any(s.id in busy_slots for s in dropped):
        raise EventInvalid(
            {
                "meetings_start": _(
                    "Ce programme supprimerait des créneaux où des rendez-vous sont placés : "
                    "déplacez-les d'abord, ou gardez ces créneaux."
                )
            }
        )
    kept_tables, dropped_tables = _match_tables(event.tables, names)
    busy_tables = queries.tables_with_meetings(session, event)
    if any(t.id in busy_tables for t in dropped_tables):
        raise EventInvalid(
            {"table_names": _("Une table retirée accueille des rendez-vous : gardez-la.")}
        )
    _apply(event, data)
    have = {(s.starts_at, s.ends_at) for s in event.slots}
    for slot in dropped:
        event.slots.remove(slot)
    for begins, ends in slots:
        if (begins, ends) not in have:
            event.slots.append(EventSlot(starts_at=begins, ends_at=ends))
    for table in dropped_tables:
        event.tables.remove(table)
    session.flush()  # the dropped names are free before a table takes one
    for position, (table, name) in enumerate(zip(kept_tables, names, strict=True)):
        if table is None:
            event.tables.append(EventTable(name=name, position=position))
        else:
            table.name, table.position = name, position
    record(
        session,
        event,
        organiser,
        "event_updated",
        {"slots": len(slots), "tables": len(names), "slots_dropped": len(dropped)},
    )
    session.commit()
    return event


def _match_tables(
    tables: list[EventTable], names: list[str]
) -> tuple[list[EventTable | None], list[EventTable]]:
    """For each wanted name, the table that keeps it (same name, else an unnamed one in
    order: a rename) or None (a new table); and the tables that go."""
    by_name = {t.name: t for t in tables}
    kept: list[EventTable | None] = [by_name.get(n) for n in names]
    spare = [t for t in tables if t not in kept]
    for i, table in enumerate(kept):
        if table is None and spare:
            kept[i] = spare.pop(0)
    return kept, spare


def publish_event(session: Session, organiser: User, event: Event) -> None:
    """A draft (or a closed event, reopened) is published: its page is public and people
    may register. A meeting day needs slots and tables."""
    ensure(organises(organiser, event))
    if event.kind == "meetings" and not (event.slots and event.tables):
        raise EventInvalid(
            {"status": _("Une journée de rendez-vous se publie avec des créneaux et des tables.")}
        )
    event.status = "published"
    event.published_at = event.published_at or datetime.now(UTC)
    event.closed_at = None
    record(session, event, organiser, "event_published", {})
    session.commit()


def close_event(session: Session, organiser: User, event: Event) -> None:
    """No more registrations nor meeting requests; the page and the agendas stay."""
    ensure(organises(organiser, event))
    event.status = "closed"
    event.closed_at = datetime.now(UTC)
    record(session, event, organiser, "event_closed", {})
    session.commit()


# --- Registrations decided or made by the organisers -------------------------------------------


def decide_participant(
    session: Session, organiser: User, participant: EventParticipant, accept: bool
) -> None:
    """Accept or refuse a registration (pending, or decided before: the organiser may
    change their mind); the participant is told by e-mail. A participant refused after
    being accepted leaves the schedule: their requests are cancelled, their meetings
    taken off (not once the event has begun: its schedule then says what happened)."""
    event = participant.event
    ensure(organises(organiser, event))
    if not accept and participant.status == "accepted":
        if event.status == "closed" or begun(event):
            raise EventInvalid(
                {
                    "status": _(
                        "L'événement a commencé ou est clos : notez plutôt l'absence à l'accueil."
                    )
                }
            )
        withdraw(session, participant)
    participant.status = "accepted" if accept else "refused"
    participant.decided_at = datetime.now(UTC)
    trace(session, participant, organiser, "event_decided", {"status": participant.status})
    session.commit()
    mail.send(
        queries.participant_emails(session, participant),
        _("Votre inscription à « %(title)s »", title=event.title),
        "event_registration_decided",
        event=event,
        participant=participant,
        link=mail.external_url("events.event", event_id=event.id),
    )


def withdraw(session: Session, participant: EventParticipant) -> None:
    """A participant who will not come (cancelled, or refused after being accepted): their
    pending and accepted meeting requests are cancelled and their meetings taken off the
    schedule (no commit: the caller's write)."""
    involved = or_(
        EventMeetingRequest.sender_id == participant.id,
        EventMeetingRequest.recipient_id == participant.id,
    )
    request_ids = select(EventMeetingRequest.id).where(involved)
    session.execute(delete(EventMeeting).where(EventMeeting.request_id.in_(request_ids)))
    session.execute(
        update(EventMeetingRequest)
        .where(involved, EventMeetingRequest.status.in_(("pending", "accepted")))
        .values(status="cancelled", answered_at=datetime.now(UTC))
    )


def trace(
    session: Session, participant: EventParticipant, actor: User, action: str, changes: dict
) -> None:
    """An enterprise's registration goes in its own audit trail, a buyer's in the event's."""
    changes = {"event": participant.event.id, **changes}
    if participant.enterprise is not None:
        audit.record(session, participant.enterprise, actor_of(actor), action, changes)
    else:
        record(session, participant.event, actor, action, changes)


def register_member(
    session: Session,
    organiser: User,
    event: Event,
    enterprise: Enterprise,
    *,
    contact_email: str | None = None,
    pitch: str | None = None,
) -> EventParticipant:
    """Register a member enterprise of the organising networks, accepted at once (the
    organisers decide). Raises AlreadyRegistered, RegistrationClosed, or ValueError for
    an enterprise outside the networks."""
    ensure(organises(organiser, event))
    participant = add_member(session, organiser, event, enterprise, contact_email, pitch)
    session.commit()
    send_registered(session, participant)
    return participant


def add_member(
    session: Session,
    organiser: User,
    event: Event,
    enterprise: Enterprise,
    contact_email: str | None,
    pitch: str | None,
    *,
    members_only: bool = True,
) -> EventParticipant:
    """``register_member``'s write without the commit (the bulk import adds many in one
    transaction, enterprises of the directory beyond the networks' members:
    ``members_only`` False); the caller checked that ``organiser`` organises ``event``."""
    if event.status == "closed" or event.audience == "buyers":
        raise RegistrationClosed(event.id)
    if members_only and not queries.is_member(event, enterprise):
        raise ValueError(f"{enterprise.siret} is not a member of the organising networks")
    participant = enterprise_registration(event, enterprise)
    session.add(participant)  # before any read: a query would flush the event's list
    participant.contact_email = (contact_email or "").strip().lower() or None
    return _accepted(session, organiser, participant, pitch)


def add_buyer(
    session: Session,
    organiser: User,
    event: Event,
    user: User,
    organisation: BuyerOrganisation,
    pitch: str | None,
) -> EventParticipant:
    """A buyer registered by the organisers (a bulk import's row), accepted at once: the
    person ``user`` for ``organisation``, which they belong to (the caller checked)."""
    if event.status == "closed" or event.audience == "enterprises":
        raise RegistrationClosed(event.id)
    participant = buyer_registration(event, organisation, user)
    session.add(participant)
    return _accepted(session, organiser, participant, pitch)


def enterprise_registration(event: Event, enterprise: Enterprise) -> EventParticipant:
    """The enterprise's registration to write: a new one, or its cancelled one taken up
    again; AlreadyRegistered if it stands."""
    existing = next((p for p in event.participants if p.enterprise_id == enterprise.id), None)
    return reusable(existing) or EventParticipant(
        event=event, kind="enterprise", enterprise=enterprise
    )


def buyer_registration(
    event: Event, organisation: BuyerOrganisation, user: User
) -> EventParticipant:
    """The person's registration for ``organisation`` to write, as for an enterprise."""
    existing = next(
        (
            p
            for p in event.participants
            if p.buyer_organisation_id == organisation.id and p.user_id == user.id
        ),
        None,
    )
    return reusable(existing) or EventParticipant(
        event=event, kind="buyer", organisation=organisation, user=user
    )


def reusable(existing: EventParticipant | None) -> EventParticipant | None:
    """A cancelled registration is taken up again; any other one stands."""
    if existing is not None and existing.status != "cancelled":
        raise AlreadyRegistered(existing)
    return existing


def _accepted(
    session: Session, organiser: User, participant: EventParticipant, pitch: str | None
) -> EventParticipant:
    participant.status = "accepted"
    participant.decided_at = datetime.now(UTC)
    participant.registered_by_id = organiser.id
    participant.pitch = (pitch or "").strip()[:PITCH_MAX] or participant.pitch
    session.flush()
    trace(session, participant, organiser, "event_registered", {"by": "organiser"})
    return participant


def send_registered(session: Session, participant: EventParticipant) -> None:
    event = participant.event
    mail.send(
        queries.participant_emails(session, participant),
        _("Inscription à « %(title)s »", title=event.title),
        "event_registration_confirmed",
        event=event,
        participant=participant,
        link=mail.external_url("events.event", event_id=event.id),
    )


def import_registrations(session: Session, organiser: User, event: Event, content: bytes):
    """Register the enterprises and buyers of a CSV or XLSX file (see
    ``importers.event_registrations``): all rows or none. Raises ImportFileError when the
    file cannot be read."""
    from importers.event_registrations import load_registrations, parse_registrations

    ensure(organises(organiser, event))
    if event.status == "closed":
        raise RegistrationClosed(event.id)
    parsed = parse_registrations(io.BytesIO(content), session, event)
    return load_registrations(session, parsed, event, organiser)


# --- Invitations -------------------------------------------------------------------------------


@dataclass
class InvitationReport:
    """What one round of invitations did, enterprise by enterprise."""

    sent: list[Enterprise] = field(default_factory=list)
    already_invited: list[Enterprise] = field(default_factory=list)
    registered: list[Enterprise] = field(default_factory=list)
    unclaimed: list[Enterprise] = field(default_factory=list)  # nobody to write to


def invite_members(
    session: Session, organiser: User, event: Event, enterprise_ids: list[int] | None = None
) -> InvitationReport:
    """Invite by e-mail the members of the organising networks (those of
    ``enterprise_ids``, else every one) who are not registered yet: each enterprise once
    per event (the invitation is kept in its audit trail; a second round reports it)."""
    ensure(organises(organiser, event))
    members = queries.network_members(session, event)
    if enterprise_ids is not None:
        wanted = set(enterprise_ids)
        members = [e for e in members if e.id in wanted]
    invited = queries.invited_enterprise_ids(session, event)
    registered = {p.enterprise_id for p in event.participants if p.status != "cancelled"}
    report = InvitationReport()
    outgoing: list[tuple[Enterprise, list[str]]] = []
    for enterprise in members:
        if enterprise.id in registered:
            report.registered.append(enterprise)
            continue
        if enterprise.id in invited:
            report.already_invited.append(enterprise)
            continue
        emails = queries.members_emails(session, enterprise)
        if not emails:
            report.unclaimed.append(enterprise)
            continue
        audit.record(
            session,
            enterprise,
            actor_of(organiser),
            queries.INVITATION_ACTION,
            {"event": event.id, "emails": emails},
        )
        report.sent.append(enterprise)
        outgoing.append((enterprise, emails))
    session.commit()
    for enterprise, emails in outgoing:
        mail.send(
            emails,
            _("Invitation : %(title)s", title=event.title),
            "event_invitation",
            event=event,
            enterprise=enterprise,
            inviter=organiser,
            link=mail.external_url("events.register", event_id=event.id),
        )
    return report
