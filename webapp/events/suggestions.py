"""Suggested meetings: who an event's participant should meet, read from the matcher's
stored results (``MatchCandidate`` rows and ``MatchRun.result``). Nothing is computed on a
page: an intention with no stored result is listed as "being computed" (``flask match
run`` fills it).

For a buyer: the accepted enterprise participants the matcher ranks for the intentions the
buyer came for (or, if none was chosen, their organisation's published intentions), and
the groups it proposes whose members all registered. Those who answer (alone or in a
group: ``MatchCandidate``) come first, then the others of the stored ranking whose trade
is known, then the probable ones (an unknown trade is not evidence against meeting them:
two thirds of the directory declares none), each said so. For an enterprise: the accepted buyers
whose intentions it answers, and the groups it is proposed in with other registered
enterprises. Pairs that already have a request (pending, accepted or declined) are left
out; a cancelled or expired one may be asked again, so it is suggested again."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from webapp.events.meetings import waiting
from webapp.models import (
    EventMeetingRequest,
    EventParticipant,
    MatchCandidate,
    MatchRun,
    PurchaseIntention,
)

# A request in these states stands between the pair: nothing to suggest.
STANDING = ("pending", "accepted", "declined")


# How a suggested enterprise stands for an intention, best first.
ANSWERS, KNOWN, PROBABLE = 0, 1, 2


@dataclass(frozen=True)
class Suggestion:
    """Meet ``other`` about ``intention``: how the enterprise stands (``tier``), the
    matcher's ``score`` and why, in words."""

    other: EventParticipant
    intention: PurchaseIntention
    score: float
    reason: str
    details: tuple[str, ...] = ()  # the matcher's own reasons
    tier: int = ANSWERS

    @property
    def order(self) -> tuple:
        return (self.tier, -self.score, self.other.display_name)


@dataclass(frozen=True)
class GroupSuggestion:
    """A group the matcher proposes for ``intention``, every member registered."""

    intention: PurchaseIntention
    members: tuple[EventParticipant, ...]  # the lead member first
    explanation: str


@dataclass
class Suggestions:
    meetings: list[Suggestion] = field(default_factory=list)
    groups: list[GroupSuggestion] = field(default_factory=list)
    computing: list[PurchaseIntention] = field(default_factory=list)  # no stored result yet


def intentions_of(session: Session, participant: EventParticipant) -> list[PurchaseIntention]:
    """The published intentions a buyer came for: chosen at registration, else all their
    organisation's own (not the forecasts)."""
    chosen = [i for i in participant.intentions if i.status == "published"]
    if chosen or participant.intentions:
        return chosen
    return list(
        session.scalars(
            select(PurchaseIntention)
            .where(
                PurchaseIntention.buyer_organisation_id == participant.buyer_organisation_id,
                PurchaseIntention.status == "published",
                # A renewal we expect from the DECP is not one the buyer published.
                ~PurchaseIntention.forecast,
            )
            .order_by(PurchaseIntention.id)
        )
    )


def reason(
    intention: PurchaseIntention,
    alone: bool,
    reservations: str,
    distance_km: float | None,
) -> str:
    """'Peut répondre seule à « Entretien des espaces verts » (réservé L2113-13 possible)
    — à 12 km'."""
    if alone:
        text = _("Peut répondre seule à « %(title)s »", title=intention.title)
    else:
        text = _("Peut répondre en groupement à « %(title)s »", title=intention.title)
    articles = reservations.split()
    if articles:
        text += " " + _("(réservé %(articles)s possible)", articles=", ".join(articles))
    if distance_km is not None:
        text += " — " + _("à %(km)s km", km=round(distance_km))
    return text


def ranked_reason(intention: PurchaseIntention, known: bool, distance_km: float | None) -> str:
    """For an enterprise the ranking holds that answers neither alone nor in a group."""
    if known:
        text = _(
            "Fait ce métier, classée pour « %(title)s » (réponse seule ou en groupement à voir)",
            title=intention.title,
        )
    else:
        text = _("Métier probable, à confirmer, pour « %(title)s »", title=intention.title)
    if distance_km is not None:
        text += " — " + _("à %(km)s km", km=round(distance_km))
    return text


def standing(
    intention: PurchaseIntention,
    candidate: MatchCandidate | None,
    entry: dict | None,
) -> tuple[int, float, str] | None:
    """How an enterprise stands for ``intention``: (tier, score, reason), from its stored
    candidate row (it answers) or its place in the stored ranking; None if neither."""
    distance = (entry or {}).get("distance_km")
    if candidate is not None:
        words = reason(intention, candidate.alone, candidate.reservations, distance)
        return ANSWERS, candidate.score, words
    if not entry:
        return None
    known = bool(entry.get("known"))
    return (
        (KNOWN if known else PROBABLE),
        float(entry.get("score") or 0.0),
        ranked_reason(intention, known, distance),
    )


def _suggest(
    best: dict[int, Suggestion],
    other: EventParticipant,
    intention: PurchaseIntention,
    candidate: MatchCandidate | None,
    entry: dict | None,
) -> None:
    """Suggest meeting ``other`` about ``intention`` if the enterprise stands for it,
    keeping per participant the best-standing intention."""
    found = standing(intention, candidate, entry)
    if found is None:
        return
    tier, score, words = found
    details = tuple((entry or {}).get("reasons", ()))
    suggestion = Suggestion(other, intention, score, words, details, tier)
    kept = best.get(other.id)
    if kept is None or suggestion.order < kept.order:
        best[other.id] = suggestion


def _standing_partners(session: Session, participant: EventParticipant) -> set[int]:
    """Those the participant has a request with that still stands (a lapsed one does not:
    the pair may be asked again)."""
    rows = session.scalars(
        select(EventMeetingRequest).where(
            EventMeetingRequest.status.in_(STANDING),
            or_(
                EventMeetingRequest.sender_id == participant.id,
                EventMeetingRequest.recipient_id == participant.id,
            ),
        )
    )
    return {
        r.recipient_id if r.sender_id == participant.id else r.sender_id
        for r in rows
        if r.status != "pending" or waiting(r)
    }


def _runs(session: Session, intentions: list[PurchaseIntention]) -> dict[int, MatchRun]:
    if not intentions:
        return {}
    return {
        run.intention_id: run
        for run in session.scalars(
            select(MatchRun).where(MatchRun.intention_id.in_([i.id for i in intentions]))
        )
    }


def _supplier_entries(run: MatchRun) -> dict[str, dict]:
    return {s["siret"]: s for s in (run.result or {}).get("suppliers", [])}


def _groups(
    run: MatchRun,
    intention: PurchaseIntention,
    by_siret: dict[str, EventParticipant],
    must_include: str | None = None,
) -> list[GroupSuggestion]:
    found = []
    for group in (run.result or {}).get("groups", []):
        sirets = [m["siret"] for m in group.get("members", [])]
        if not sirets or any(s not in by_siret for s in sirets):
            continue
        if must_include is not None and must_include not in sirets:
            continue
        found.append(
            GroupSuggestion(
                intention=intention,
                members=tuple(by_siret[s] for s in sirets),
                explanation=group.get("explanation", ""),
            )
        )
    return found


def for_participant(session: Session, participant: EventParticipant) -> Suggestions:
    if participant.status != "accepted":
        return Suggestions()
    if participant.kind == "buyer":
        return _for_buyer(session, participant)
    return _for_enterprise(session, participant)


def _accepted(participant: EventParticipant, kind: str) -> list[EventParticipant]:
    return [
        p
        for p in participant.event.participants
        if p.kind == kind and p.status == "accepted" and p.id != participant.id
    ]


def _for_buyer(session: Session, buyer: EventParticipant) -> Suggestions:
    found = Suggestions()
    intentions = intentions_of(session, buyer)
    runs = _runs(session, intentions)
    found.computing = [i for i in intentions if i.id not in runs]
    enterprises = _accepted(buyer, "enterprise")
    by_id = {p.enterprise_id: p for p in enterprises}
    by_siret = {p.enterprise.siret: p for p in enterprises}
    taken = _standing_partners(session, buyer)
    best: dict[int, Suggestion] = {}
    for intention in intentions:
        run = runs.get(intention.id)
        if run is None or not by_id:
            continue
        entries = _supplier_entries(run)
        candidates = {
            c.enterprise_id: c
            for c in session.scalars(
                select(MatchCandidate).where(
                    MatchCandidate.intention_id == intention.id,
                    MatchCandidate.enterprise_id.in_(list(by_id)),
                )
            )
        }
        for enterprise_id, other in by_id.items():
            if other.id in taken:
                continue
            entry = entries.get(other.enterprise.siret)
            _suggest(best, other, intention, candidates.get(enterprise_id), entry)
        found.groups.extend(_groups(run, intention, by_siret))
    found.meetings = sorted(best.values(), key=lambda s: s.order)
    return found


def _for_enterprise(session: Session, enterprise: EventParticipant) -> Suggestions:
    found = Suggestions()
    buyers = _accepted(enterprise, "buyer")
    taken = _standing_partners(session, enterprise)
    intentions_by_buyer = {b.id: intentions_of(session, b) for b in buyers}
    every = {i.id: i for its in intentions_by_buyer.values() for i in its}
    runs = _runs(session, list(every.values()))
    found.computing = [i for i in every.values() if i.id not in runs]
    candidates = {
        c.intention_id: c
        for c in session.scalars(
            select(MatchCandidate).where(
                MatchCandidate.enterprise_id == enterprise.enterprise_id,
                MatchCandidate.intention_id.in_(list(every) or [-1]),
            )
        )
    }
    others = {p.enterprise.siret: p for p in _accepted(enterprise, "enterprise")}
    others[enterprise.enterprise.siret] = enterprise
    best: dict[int, Suggestion] = {}
    seen_groups: set[tuple[int, tuple[int, ...]]] = set()
    for buyer in buyers:
        for intention in intentions_by_buyer[buyer.id]:
            candidate = candidates.get(intention.id)
            run = runs.get(intention.id)
            if run is None:
                continue
            entry = _supplier_entries(run).get(enterprise.enterprise.siret)
            if candidate is not None:
                for group in _groups(
                    run, intention, others, must_include=enterprise.enterprise.siret
                ):
                    key = (intention.id, tuple(m.id for m in group.members))
                    if key not in seen_groups:
                        seen_groups.add(key)
                        found.groups.append(group)
            if buyer.id in taken:
                continue
            _suggest(best, buyer, intention, candidate, entry)
    found.meetings = sorted(best.values(), key=lambda s: s.order)
    return found
