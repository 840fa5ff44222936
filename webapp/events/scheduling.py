"""The schedule of an event: the accepted requests placed in slots at tables by
``domain.scheduling`` (exact on the number placed, then fewest moves and idle slots), the
organiser's locks and manual moves, and its publication (each participant mailed their
agenda with its ``.ics``; after a change, only those whose agenda changed).

Each write is one transaction; mails leave after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import scheduling as solver
from webapp import mail
from webapp.events import agenda, queries
from webapp.events.access import organises
from webapp.events.day import begun
from webapp.models import (
    AuditEvent,
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventSlot,
    EventTable,
    ScheduleRun,
    User,
)
from webapp.services import audit


class ScheduleRefused(ValueError):
    """The schedule cannot be computed or changed so; ``str(error)`` says why, in French."""


class NotOrganiser(PermissionError):
    """The person does not organise the event."""


@dataclass(frozen=True)
class Pair:
    """An accepted pair of participants: the request that stands for it (the earlier of
    the two when both asked), mutual or not, tied to a published intention or not."""

    request: EventMeetingRequest
    mutual: bool
    intention: bool


def _check(organiser: User, event: Event) -> None:
    if not organises(organiser, event):
        raise NotOrganiser()
    if event.status == "closed":
        raise ScheduleRefused(_("L'événement est clos : son planning ne change plus."))


def pairs(session: Session, event: Event) -> list[Pair]:
    """The accepted requests of ``event`` between accepted participants, one per pair."""
    rows = session.scalars(
        select(EventMeetingRequest)
        .where(
            EventMeetingRequest.event_id == event.id,
            EventMeetingRequest.status == "accepted",
        )
        .order_by(EventMeetingRequest.id)
    ).all()
    found: dict[frozenset[int], list[EventMeetingRequest]] = {}
    for row in rows:
        if row.sender.status == "accepted" and row.recipient.status == "accepted":
            found.setdefault(frozenset((row.sender_id, row.recipient_id)), []).append(row)
    return [
        Pair(
            request=group[0],
            mutual=len(group) > 1 or any(r.mutual for r in group),
            intention=any(
                r.intention is not None and r.intention.status == "published" for r in group
            ),
        )
        for group in found.values()
    ]


def problem_of(session: Session, event: Event) -> tuple[solver.Problem, list[Pair]]:
    """The scheduling problem of ``event`` as it stands: its slots and tables, accepted
    participants with their caps and unavailable slots, the accepted pairs, the current
    meetings as ``previous`` and the locked ones as ``locked`` — except a lock a late change
    broke (a slot one of them can no longer attend, a cap lowered): that one only counts
    as ``previous``, so that the schedule is still computed."""
    slot_ids = tuple(s.id for s in event.slots)
    people = [p for p in event.participants if p.status == "accepted"]
    participants = tuple(
        solver.Participant(
            id=p.id,
            cap=p.effective_cap,
            unavailable=frozenset(s.id for s in p.unavailable_slots if s.id in slot_ids),
        )
        for p in people
    )
    found = pairs(session, event)
    by_request = {pair.request.id: pair for pair in found}
    requests = tuple(
        solver.MeetingRequest(
            id=pair.request.id,
            a=pair.request.sender_id,
            b=pair.request.recipient_id,
            mutual=pair.mutual,
            intention=pair.intention,
        )
        for pair in found
    )
    current = [m for m in _meetings(session, event) if m.request_id in by_request]
    previous = tuple(solver.Placement(m.request_id, m.slot_id, m.table_id) for m in current)
    unavailable = {p.id: p.unavailable for p in participants}
    caps = {p.id: p.cap for p in participants}
    locked: list[solver.Placement] = []
    busy: set[tuple[int, int]] = set()
    counts: dict[int, int] = {}
    for meeting in (m for m in current if m.locked):
        request = meeting.request
        who = (request.sender_id, request.recipient_id)
        if any(meeting.slot_id in unavailable[p] for p in who):
            continue
        if any((p, meeting.slot_id) in busy for p in who):
            continue
        if any(caps[p] is not None and counts.get(p, 0) >= caps[p] for p in who):
            continue
        for p in who:
            busy.add((p, meeting.slot_id))
            counts[p] = counts.get(p, 0) + 1
        locked.append(solver.Placement(meeting.request_id, meeting.slot_id, meeting.table_id))
    problem = solver.Problem(
        slots=slot_ids,
        tables=tuple(t.id for t in event.tables),
        participants=participants,
        requests=requests,
        locked=tuple(locked),
        previous=previous,
        hosts=frozenset(p.id for p in people if p.kind == "buyer"),
    )
    return problem, found


def _meetings(session: Session, event: Event) -> list[EventMeeting]:
    return list(
        session.scalars(
            select(EventMeeting).where(EventMeeting.event_id == event.id).order_by(EventMeeting.id)
        )
    )


def _record(session: Session, actor: User, event: Event, action: str, changes: dict) -> None:
    session.add(
        AuditEvent(
            target=f"event:{event.id}",
            actor=audit.account_of(actor),
            action=action,
            changes=changes,
        )
    )


def compute_schedule(
    session: Session, organiser: User, event: Event, budget_seconds: float = 10.0
) -> ScheduleRun:
    """Place the accepted pairs: locked meetings stay, the others are replaced by the
    solver's placements (a meeting whose slot and table are unchanged keeps its row); the
    run's figures and what could not be placed are stored in a ``ScheduleRun``."""
    _check(organiser, event)
    if begun(event):
        # Recomputing would replace meetings already held (and their feedback); on the
        # day the organisers move meetings one by one instead.
        raise ScheduleRefused(
            _(
                "L'événement a commencé : déplacez les rendez-vous un par un "
                "plutôt que de tout recalculer."
            )
        )
    if not event.slots or not event.tables:
        raise ScheduleRefused(
            _("Il faut au moins un créneau et une table pour placer des rendez-vous.")
        )
    problem, _found = problem_of(session, event)
    try:
        result = solver.schedule(problem, budget_seconds=budget_seconds)
    except solver.InvalidProblem as error:  # our problem is built valid: say it, do not 500
        raise ScheduleRefused(
            _("Le planning n'a pas pu être calculé : %(reason)s", reason=str(error))
        ) from error
    wanted = {p.request: p for p in result.placements}
    kept_rows = {}
    for meeting in _meetings(session, event):
        target = wanted.get(meeting.request_id)
        if target is not None and (target.slot, target.table) == (
            meeting.slot_id,
            meeting.table_id,
        ):
            kept_rows[meeting.request_id] = meeting
        else:
            session.delete(meeting)
    # Rows that change place are deleted first: a swap of two tables in one slot would
    # otherwise meet the (slot, table) uniqueness half-way.
    session.flush()
    locked = {p.request for p in problem.locked}
    for request_id, placement in wanted.items():
        if request_id not in kept_rows:
            session.add(
                EventMeeting(
                    event_id=event.id,
                    request_id=request_id,
                    slot_id=placement.slot,
                    table_id=placement.table,
                    locked=request_id in locked,
                )
            )
    run = ScheduleRun(
        event_id=event.id,
        created_by_id=organiser.id,
        requested=len(problem.requests),
        placed=result.placed,
        mutual_placed=result.mutual_placed,
        intention_placed=result.intention_placed,
        optimal=result.optimal,
        idle_slots=result.idle_slots,
        idle_gap=result.idle_gap,
        moves=result.moves,
        seconds=round(result.seconds, 3),
        unplaced=[
            {"request": u.request, "reason": u.reason, "participant": u.participant}
            for u in result.unplaced
        ],
    )
    session.add(run)
    session.commit()
    return run


def last_run(session: Session, event: Event) -> ScheduleRun | None:
    return session.scalar(
        select(ScheduleRun)
        .where(ScheduleRun.event_id == event.id)
        .order_by(ScheduleRun.id.desc())
        .limit(1)
    )


def set_locked(session: Session, organiser: User, meeting: EventMeeting, locked: bool) -> None:
    """Lock a meeting where it is (a later computation keeps it), or release it."""
    _check(organiser, meeting.event)
    meeting.locked = bool(locked)
    session.commit()


def move_meeting(
    session: Session, organiser: User, meeting: EventMeeting, slot: EventSlot, table: EventTable
) -> EventMeeting:
    """Move a meeting by hand to ``slot`` at ``table``, if every rule still holds (checked
    with ``domain.scheduling.violations`` on the whole schedule); it is then locked, so that
    a later computation keeps the organiser's choice."""
    event = meeting.event
    _check(organiser, event)
    if slot.event_id != event.id or table.event_id != event.id:
        raise ScheduleRefused(_("Ce créneau ou cette table n'est pas de cet événement."))
    problem, _found = problem_of(session, event)
    placements = [
        solver.Placement(m.request_id, slot.id, table.id)
        if m.id == meeting.id
        else solver.Placement(m.request_id, m.slot_id, m.table_id)
        for m in _meetings(session, event)
        if m.request_id in {r.id for r in problem.requests}
    ]
    broken = solver.violations(
        solver.Problem(
            slots=problem.slots,
            tables=problem.tables,
            participants=problem.participants,
            requests=problem.requests,
        ),
        placements,
    )
    if broken:
        raise ScheduleRefused(_why_not(session, meeting, slot, table))
    before = {"slot": meeting.slot_id, "table": meeting.table_id}
    meeting.slot_id, meeting.table_id, meeting.locked = slot.id, table.id, True
    _record(
        session,
        organiser,
        event,
        "meeting_moved",
        {
            "meeting": meeting.id,
            "slot": [before["slot"], slot.id],
            "table": [before["table"], table.id],
        },
    )
    session.commit()
    return meeting


def _why_not(session: Session, meeting: EventMeeting, slot: EventSlot, table: EventTable) -> str:
    """The organiser's words for a refused move."""
    request = meeting.request
    for person in (request.sender, request.recipient):
        if slot in person.unavailable_slots:
            return _("%(name)s n'est pas disponible à ce créneau.", name=person.display_name)
    others = [
        m
        for m in session.scalars(
            select(EventMeeting).where(
                EventMeeting.slot_id == slot.id, EventMeeting.id != meeting.id
            )
        )
    ]
    if any(m.table_id == table.id for m in others):
        return _("Cette table est déjà prise à ce créneau.")
    who = {request.sender_id, request.recipient_id}
    for m in others:
        if who & {m.request.sender_id, m.request.recipient_id}:
            return _("L'un des deux a déjà un rendez-vous à ce créneau.")
    return _("Ce déplacement enfreindrait une règle du planning.")


def publish_schedule(session: Session, organiser: User, event: Event) -> int:
    """Publish the schedule: each participant with a meeting is mailed their agenda with
    its ``.ics``. Published again after a change, only those whose agenda changed are
    mailed ("votre planning a changé"), and those who lost every meeting. Returns how many
    were mailed. What each was sent is kept (in the audit trail) to tell a change."""
    _check(organiser, event)
    if not event.slots:
        raise ScheduleRefused(_("Cet événement n'a aucun créneau."))
    again = event.schedule_published_at is not None
    sent_before = _last_sent(session, event) if again else {}
    now = {}
    for participant in event.participants:
        # Only the accepted meet anyone; one refused or cancelled since the last
        # publication hears that their meetings are off.
        items = agenda.agenda_of(session, participant) if participant.status == "accepted" else []
        if items or str(participant.id) in sent_before:
            now[participant] = items
    event.schedule_published_at = datetime.now(UTC)
    shown = {str(p.id): agenda.fingerprint(items) for p, items in now.items()}
    _record(session, organiser, event, "schedule_published", {"agendas": shown})
    session.commit()
    mailed = 0
    for participant, items in now.items():
        if again and sent_before.get(str(participant.id)) == shown[str(participant.id)]:
            continue
        if _mail_agenda(session, participant, items, changed=again):
            mailed += 1
    return mailed


def _last_sent(session: Session, event: Event) -> dict[str, list[list[int]]]:
    row = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.target == f"event:{event.id}", AuditEvent.action == "schedule_published")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return dict((row.changes or {}).get("agendas", {})) if row is not None else {}


def _mail_agenda(session: Session, participant, items, changed: bool):
    event = participant.event
    subject = (
        _("Votre planning a changé : %(event)s", event=event.title)
        if changed
        else _("Votre planning : %(event)s", event=event.title)
    )
    attachments = []
    if items:
        attachments.append(
            (f"rendez-vous-{event.id}.ics", "text/calendar", agenda.ics(session, participant))
        )
    return mail.send(
        queries.participant_emails(session, participant),
        subject,
        "event_agenda_changed" if changed else "event_agenda",
        participant=participant,
        event=event,
        items=items,
        slot_label=agenda.slot_label,
        link=mail.external_url("events.agenda", event_id=event.id),
        attachments=attachments,
    )
