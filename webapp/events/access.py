"""Who may do what with one event: its organisers are the facilitators of its network and
of its co-organising network (and administrators); a person acts for the participants
registered in their name, for their enterprise or for their buyer organisation."""

from __future__ import annotations

from typing import Any

from flask import abort

from webapp.models import Event, EventParticipant, User
from webapp.permissions import ADMIN, can_facilitate, roles_of


def organises(user: User | Any, event: Event) -> bool:
    return any(can_facilitate(user, network) for network in event.organisers)


def acts_for(user: User | Any, participant: EventParticipant) -> bool:
    """Whether ``user`` speaks for ``participant``: registered in their name, a member of
    the enterprise or of the buyer organisation registered."""
    if not getattr(user, "is_authenticated", False) or not roles_of(user) - {"anonymous"}:
        return False
    if participant.user_id is not None and participant.user_id == user.id:
        return True
    if participant.enterprise_id is not None:
        return any(
            m.enterprise_id == participant.enterprise_id for m in user.enterprise_memberships
        )
    return any(
        m.organisation_id == participant.buyer_organisation_id for m in user.buyer_memberships
    )


def participations(user: User | Any, event: Event) -> list[EventParticipant]:
    """The registrations of ``event`` a person acts for (any status)."""
    return [p for p in event.participants if acts_for(user, p)]


def is_admin(user: User | Any) -> bool:
    return ADMIN in roles_of(user)


def event_or_404(session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def visible(user: User | Any, event: Event) -> bool:
    """A draft is seen by its organisers only; a published or closed event by all."""
    return event.status != "draft" or organises(user, event)
