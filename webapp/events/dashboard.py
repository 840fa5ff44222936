"""The organiser's figures of one event: registrations, requests and their answers,
meetings per participant, attendance, feedback, and the outcome none of the event tools
measures — contracts (DECP awards) an enterprise participant won, on or after the event,
from a buyer it met there."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import median

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from webapp.models import (
    ContractAward,
    Event,
    EventFeedback,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
)
from webapp.models.events import NEXT_STEPS, PARTICIPANT_KINDS, PARTICIPANT_STATUSES


@dataclass(frozen=True)
class Outcome:
    award: ContractAward
    enterprise: EventParticipant
    buyer: EventParticipant


@dataclass
class Figures:
    registrations: dict[str, dict[str, int]]  # kind -> status -> count
    requests: dict[str, int]  # status -> count, and "sent"
    answered: int  # accepted + declined: the acceptance rate's denominator
    acceptance_rate: float | None
    accepted_pairs: int
    mutual_pairs: int
    suggested: int
    meetings: int
    per_participant: dict[str, float | int] | None  # min, median, max
    without_meeting: list[EventParticipant]
    checked_in: int
    no_shows: int
    useful: int
    not_useful: int
    next_steps: dict[str, int]
    outcomes: list[Outcome] = field(default_factory=list)

    def share(self, part: int, whole: int) -> float | None:
        return part / whole if whole else None


def figures(session: Session, event: Event) -> Figures:
    participants = list(event.participants)
    registrations = {
        kind: {status: 0 for status in PARTICIPANT_STATUSES} for kind in PARTICIPANT_KINDS
    }
    for p in participants:
        registrations[p.kind][p.status] += 1
    requests = list(
        session.scalars(select(EventMeetingRequest).where(EventMeetingRequest.event_id == event.id))
    )
    statuses = Counter(r.status for r in requests)
    counts = {
        s: statuses.get(s, 0) for s in ("pending", "accepted", "declined", "expired", "cancelled")
    }
    counts["sent"] = len(requests)
    answered = counts["accepted"] + counts["declined"]
    pairs: dict[frozenset[int], bool] = {}
    for r in requests:
        if r.status == "accepted":
            key = frozenset((r.sender_id, r.recipient_id))
            pairs[key] = pairs.get(key, False) or r.mutual
    meetings = list(session.scalars(select(EventMeeting).where(EventMeeting.event_id == event.id)))
    per: Counter[int] = Counter()
    met: set[tuple[int, int]] = set()
    for m in meetings:
        a, b = m.request.sender_id, m.request.recipient_id
        per[a] += 1
        per[b] += 1
        met.add((a, b))
        met.add((b, a))
    accepted = [p for p in participants if p.status == "accepted"]
    numbers = [per[p.id] for p in accepted]
    feedback = list(
        session.scalars(
            select(EventFeedback)
            .join(EventParticipant, EventFeedback.participant_id == EventParticipant.id)
            .where(EventParticipant.event_id == event.id)
        )
    )
    steps = Counter(f.next_step for f in feedback)
    return Figures(
        registrations=registrations,
        requests=counts,
        answered=answered,
        acceptance_rate=counts["accepted"] / answered if answered else None,
        accepted_pairs=len(pairs),
        mutual_pairs=sum(1 for mutual in pairs.values() if mutual),
        suggested=sum(1 for r in requests if r.suggested),
        meetings=len(meetings),
        per_participant={"min": min(numbers), "median": median(numbers), "max": max(numbers)}
        if numbers
        else None,
        without_meeting=sorted(
            (p for p in accepted if not per[p.id]), key=lambda p: p.display_name.casefold()
        ),
        checked_in=sum(1 for p in participants if p.checked_in_at is not None),
        no_shows=sum(1 for p in participants if p.no_show),
        useful=sum(1 for f in feedback if f.useful is True),
        not_useful=sum(1 for f in feedback if f.useful is False),
        next_steps={s: steps.get(s, 0) for s in NEXT_STEPS if s != "none"},
        outcomes=outcomes(session, event, met),
    )


def outcomes(session: Session, event: Event, met: set[tuple[int, int]]) -> list[Outcome]:
    """Awards held by an enterprise participant (by enterprise or by SIRET) from the SIRET
    of a buyer participant it met at the event, notified on or after the event's first
    day: what the meeting may have led to."""
    people = {p.id: p for p in event.participants}
    enterprises = [p for p in people.values() if p.kind == "enterprise" and p.enterprise]
    if not enterprises:
        return []
    by_enterprise = {p.enterprise_id: p for p in enterprises}
    by_siret = {p.enterprise.siret: p for p in enterprises}
    awards = session.scalars(
        select(ContractAward)
        .where(
            or_(
                ContractAward.enterprise_id.in_(list(by_enterprise)),
                ContractAward.holder_siret.in_(list(by_siret)),
            ),
            ContractAward.notified_on >= event.starts_on,
            ContractAward.buyer_siret.is_not(None),
        )
        .order_by(ContractAward.notified_on, ContractAward.id)
    )
    found = []
    for award in awards:
        holder = by_enterprise.get(award.enterprise_id) or by_siret.get(award.holder_siret)
        if holder is None:
            continue
        buyer = next(
            (
                people[b]
                for a, b in met
                if a == holder.id
                and people[b].kind == "buyer"
                and people[b].organisation is not None
                and people[b].organisation.siret == award.buyer_siret
            ),
            None,
        )
        if buyer is not None:
            found.append(Outcome(award=award, enterprise=holder, buyer=buyer))
    return found
