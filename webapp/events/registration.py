"""What participants write: a buyer registers for their organisation (with the
intentions they come for), an enterprise's member registers it; each then states the
slots they cannot attend, edits their pitch, or cancels.

Each function checks that the person acts for the organisation or the enterprise (a 403
otherwise), writes, commits, then mails: the organisers when a registration awaits their
decision, the participant when it is accepted at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp import mail
from webapp.events import queries
from webapp.events.access import acts_for, organises
from webapp.events.day import begun
from webapp.events.organising import (
    AlreadyRegistered,
    buyer_registration,
    enterprise_registration,
    send_registered,
    trace,
    withdraw,
)
from webapp.models import (
    BuyerOrganisation,
    Enterprise,
    Event,
    EventParticipant,
    PurchaseIntention,
    User,
)
from webapp.models.events import PITCH_MAX
from webapp.permissions import ADMIN, can_manage_enterprise, ensure, roles_of

__all__ = ["AlreadyRegistered", "RegistrationRefused"]


class RegistrationRefused(ValueError):
    """The event takes no such registration now; the message says why (in French)."""


def registration_problem(event: Event, kind: str, on: date | None = None) -> str | None:
    """Why a ``kind`` ("buyer", "enterprise") cannot register to ``event`` today, if so."""
    on = on or queries.today()
    if event.status == "draft":
        return _("Cet événement n'est pas encore publié.")
    if event.status == "closed":
        return _("Cet événement est clôturé : il ne prend plus d'inscription.")
    if event.ends_on < on:
        return _("Cet événement est passé.")
    if event.registration_opens_on and on < event.registration_opens_on:
        return _("Les inscriptions ne sont pas encore ouvertes.")
    if event.registration_closes_on and on > event.registration_closes_on:
        return _("Les inscriptions sont closes.")
    if event.audience == "buyers" and kind == "enterprise":
        return _("Cet événement est réservé aux acheteurs.")
    if event.audience == "enterprises" and kind == "buyer":
        return _("Cet événement est réservé aux entreprises.")
    return None


def may_edit(user: User, participant: EventParticipant) -> bool:
    """Who edits a participation: the person acting for it, or the event's organisers
    (a member they registered may have nobody on the platform to do it)."""
    return acts_for(user, participant) or organises(user, participant.event)


def _check_open(event: Event, kind: str, on: date | None) -> None:
    problem = registration_problem(event, kind, on)
    if problem:
        raise RegistrationRefused(problem)


def _is_admin(user: User) -> bool:
    return ADMIN in roles_of(user)


def _pitch(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > PITCH_MAX:
        raise RegistrationRefused(_("Au plus %(n)s caractères.", n=PITCH_MAX))
    return text or None


def _intentions(
    session: Session, organisation: BuyerOrganisation, ids: Iterable[int]
) -> list[PurchaseIntention]:
    """The published intentions of ``organisation`` among ``ids`` (others are refused)."""
    ids = set(ids)
    if not ids:
        return []
    found = list(
        session.scalars(
            select(PurchaseIntention).where(
                PurchaseIntention.id.in_(ids),
                PurchaseIntention.buyer_organisation_id == organisation.id,
                PurchaseIntention.status == "published",
            )
        )
    )
    if len(found) != len(ids):
        raise RegistrationRefused(
            _("Choisissez parmi les intentions publiées de votre organisation.")
        )
    return found


def _register(
    session: Session, user: User, participant: EventParticipant, pitch: str | None
) -> EventParticipant:
    event = participant.event
    participant.pitch = pitch
    participant.registered_by_id = user.id
    automatic = event.registration_mode == "automatic"
    participant.status = "accepted" if automatic else "pending"
    participant.decided_at = datetime.now(UTC) if automatic else None
    session.add(participant)
    session.flush()
    trace(session, participant, user, "event_registered", {"status": participant.status})
    session.commit()
    if automatic:
        send_registered(session, participant)
    else:
        mail.send(
            queries.organiser_emails(session, event),
            _("Inscription à valider : %(title)s", title=event.title),
            "event_registration_received",
            event=event,
            participant=participant,
            link=mail.external_url("events.participants", event_id=event.id, status="pending"),
        )
    return participant


def register_buyer(
    session: Session,
    user: User,
    event: Event,
    organisation: BuyerOrganisation,
    *,
    intentions: Iterable[int] = (),
    pitch: str | None = None,
    on: date | None = None,
) -> EventParticipant:
    """Register ``user`` for ``organisation`` (one they belong to), with the published
    intentions of ids ``intentions`` they come for. Raises RegistrationRefused (closed,
    audience, window) or AlreadyRegistered."""
    ensure(
        _is_admin(user) or any(m.organisation_id == organisation.id for m in user.buyer_memberships)
    )
    _check_open(event, "buyer", on)
    pitch = _pitch(pitch)
    chosen = _intentions(session, organisation, intentions)
    participant = buyer_registration(event, organisation, user)
    session.add(participant)
    participant.intentions = chosen
    return _register(session, user, participant, pitch)


def register_enterprise(
    session: Session,
    user: User,
    event: Event,
    enterprise: Enterprise,
    *,
    pitch: str | None = None,
    on: date | None = None,
) -> EventParticipant:
    """Register ``enterprise`` (one ``user`` manages), ``user`` being its contact."""
    ensure(can_manage_enterprise(user, enterprise))
    _check_open(event, "enterprise", on)
    pitch = _pitch(pitch)
    participant = enterprise_registration(event, enterprise)
    session.add(participant)
    participant.user = user
    return _register(session, user, participant, pitch)


def update_participation(
    session: Session,
    user: User,
    participant: EventParticipant,
    *,
    pitch: str | None,
    unavailable: Iterable[int] = (),
    intentions: Iterable[int] | None = None,
) -> None:
    """Edit one's pitch, the slots one cannot attend (ids of the event's slots) and, for
    a buyer, the intentions one comes for."""
    ensure(may_edit(user, participant))
    event = participant.event
    if event.status == "closed" or participant.status in ("cancelled", "refused"):
        raise RegistrationRefused(_("Cette inscription ne se modifie plus."))
    participant.pitch = _pitch(pitch)
    ids = set(unavailable)
    slots = [s for s in event.slots if s.id in ids]
    if len(slots) != len(ids):
        raise RegistrationRefused(_("Choisissez parmi les créneaux de l'événement."))
    participant.unavailable_slots = slots
    if intentions is not None and participant.organisation is not None:
        participant.intentions = _intentions(session, participant.organisation, intentions)
    trace(session, participant, user, "event_availability", {"unavailable": sorted(ids)})
    session.commit()


def cancel_participation(session: Session, user: User, participant: EventParticipant) -> None:
    """One will not come: the registration is cancelled, and so are one's pending and
    accepted meeting requests (their meetings are taken off the schedule). Refused once
    the event is closed or has begun: its meetings and their feedback are then what
    happened (an organiser notes an absence at the check-in instead)."""
    ensure(may_edit(user, participant))
    if participant.status == "cancelled":
        return
    event = participant.event
    if event.status == "closed" or begun(event):
        raise RegistrationRefused(
            _("L'événement a commencé ou est clos : prévenez les organisateurs de votre absence.")
        )
    participant.status = "cancelled"
    withdraw(session, participant)
    trace(session, participant, user, "event_cancelled", {})
    session.commit()
