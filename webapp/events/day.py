"""On the day and after: who came (check-in at the door, no-shows) and what participants
say of their meetings and of the event (feedback). Each write checks its object rule,
writes, is audited when it matters, and commits; the views and the API only answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from webapp.events.access import acts_for, organises
from webapp.models import (
    AuditEvent,
    Event,
    EventFeedback,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    User,
)
from webapp.models.events import EVENT_TIMEZONE, NEXT_STEPS
from webapp.services import audit

FEEDBACK_COMMENT_MAX = 2000
# Attendance as the organiser sets it: present (checked in), absent (a no-show), unknown.
PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"
_AUDIT_ACTIONS = {PRESENT: "event_check_in", ABSENT: "event_no_show", UNKNOWN: "event_attendance"}


class DayRefused(ValueError):
    """A write the rules refuse: ``code`` for the API, ``message`` (French) for a page."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def paris_now() -> datetime:
    """Now on the room's clock: naive Europe/Paris wall-clock time, as slots are stored."""
    return datetime.now(ZoneInfo(EVENT_TIMEZONE)).replace(tzinfo=None)


def attendance(participant: EventParticipant) -> str:
    if participant.checked_in_at is not None:
        return PRESENT
    return ABSENT if participant.no_show else UNKNOWN


# --- Check-in ------------------------------------------------------------------------------


def set_attendance(
    session: Session,
    actor: User,
    participant: EventParticipant,
    present: bool | None,
    now: datetime | None = None,
) -> EventParticipant:
    """Mark an accepted participant present (checked in ``now``), absent (a no-show) or
    unknown again (a click by mistake), audited and committed. Only an organiser of the
    event may; a click that changes nothing writes nothing."""
    if not organises(actor, participant.event):
        raise PermissionError("not an organiser of this event")
    if participant.status != "accepted":
        raise DayRefused("not_accepted", _("Seules les inscriptions acceptées sont pointées."))
    before = attendance(participant)
    after = UNKNOWN if present is None else PRESENT if present else ABSENT
    if before == after:
        return participant
    participant.checked_in_at = (now or datetime.now(UTC)) if present else None
    participant.no_show = present is False
    _record(session, actor, participant, _AUDIT_ACTIONS[after], {"attendance": [before, after]})
    session.commit()
    return participant


@dataclass(frozen=True)
class AttendanceCounts:
    accepted: int
    present: int
    absent: int

    @property
    def unknown(self) -> int:
        return self.accepted - self.present - self.absent


def attendance_counts(event: Event) -> AttendanceCounts:
    accepted = [p for p in event.participants if p.status == "accepted"]
    states = [attendance(p) for p in accepted]
    return AttendanceCounts(len(accepted), states.count(PRESENT), states.count(ABSENT))


def _record(session: Session, actor: User, participant: EventParticipant, action, changes):
    """An audit event about one registration: on the enterprise's trail for an enterprise
    (where its other events are), and named ``event:<id> participant:<id>`` in any case."""
    enterprise = participant.enterprise
    session.add(
        AuditEvent(
            enterprise=enterprise,
            siret=enterprise.siret if enterprise is not None else None,
            target=f"event:{participant.event_id} participant:{participant.id}",
            actor=audit.account_of(actor),
            action=action,
            changes={"participant": participant.display_name, **changes},
        )
    )


# --- Feedback ------------------------------------------------------------------------------


def first_start(event: Event) -> datetime:
    """When the event begins on the room's clock: its first slot, else its first day."""
    if event.slots:
        return min(slot.starts_at for slot in event.slots)
    return datetime.combine(event.starts_on, datetime.min.time())


def begun(event: Event, now: datetime | None = None) -> bool:
    """The event's first slot has started (on the room's clock): from then on its schedule
    and its registrations hold what happened, and feedback may be given."""
    return (now or paris_now()) >= first_start(event)


def feedback_open(event: Event, now: datetime | None = None) -> bool:
    """Feedback is given once the event has begun (its first slot has started)."""
    return event.status != "draft" and begun(event, now)


def meetings_of(session: Session, participant: EventParticipant) -> list[EventMeeting]:
    """The meetings a participant had: those whose request they sent or received, in the
    order of the agenda."""
    return list(
        session.scalars(
            select(EventMeeting)
            .join(EventMeeting.request)
            .join(EventMeeting.slot)
            .where(
                EventMeeting.event_id == participant.event_id,
                or_(
                    EventMeetingRequest.sender_id == participant.id,
                    EventMeetingRequest.recipient_id == participant.id,
                ),
            )
            .order_by(EventSlot.starts_at, EventMeeting.id)
        )
    )


def other_party(meeting: EventMeeting, participant: EventParticipant) -> EventParticipant:
    request = meeting.request
    return request.recipient if request.sender_id == participant.id else request.sender


def feedback_of(session: Session, participant: EventParticipant) -> dict[int | None, EventFeedback]:
    """The participant's feedback so far, by meeting id (None: the event as a whole)."""
    rows = session.scalars(
        select(EventFeedback).where(EventFeedback.participant_id == participant.id)
    )
    return {row.meeting_id: row for row in rows}


@dataclass(frozen=True)
class Answer:
    """What a participant says of one meeting (``meeting`` None: of the event)."""

    meeting: EventMeeting | None = None
    useful: bool | None = None
    next_step: str = "none"
    comment: str | None = None


def record_feedback(
    session: Session,
    actor: User,
    participant: EventParticipant,
    meeting: EventMeeting | None = None,
    useful: bool | None = None,
    next_step: str = "none",
    comment: str | None = None,
    now: datetime | None = None,
) -> EventFeedback:
    """The participant's word on one of their meetings (or on the event, ``meeting``
    None): one row per participant and meeting, updated when given again. Only by whoever
    acts for the participant, once the event has begun, on their own meetings."""
    [row] = record_answers(
        session, actor, participant, [Answer(meeting, useful, next_step, comment)], now
    )
    return row


def record_answers(
    session: Session,
    actor: User,
    participant: EventParticipant,
    answers: list[Answer],
    now: datetime | None = None,
) -> list[EventFeedback]:
    """``record_feedback`` for several meetings at once (the feedback page): all checked
    before any is written, then committed together."""
    if not acts_for(actor, participant):
        raise PermissionError("does not act for this participant")
    for answer in answers:
        _check_feedback(session, participant, answer, now)
    existing = feedback_of(session, participant)
    rows = []
    for answer in answers:
        key = answer.meeting.id if answer.meeting is not None else None
        row = existing.get(key)
        if row is None:
            row = EventFeedback(participant=participant, meeting=answer.meeting)
            session.add(row)
        row.useful, row.next_step = answer.useful, answer.next_step
        row.comment = (answer.comment or "").strip() or None
        rows.append(row)
    session.commit()
    return rows


def _check_feedback(session, participant, answer: Answer, now) -> None:
    meeting, next_step, comment = answer.meeting, answer.next_step, answer.comment
    if participant.status != "accepted":
        raise DayRefused("not_accepted", _("Votre inscription n'a pas été acceptée."))
    if not feedback_open(participant.event, now):
        raise DayRefused(
            "too_early", _("Vous pourrez donner votre avis une fois l'événement commencé.")
        )
    if meeting is not None and meeting.id not in {m.id for m in meetings_of(session, participant)}:
        raise DayRefused("not_your_meeting", _("Ce rendez-vous n'est pas l'un des vôtres."))
    if next_step not in NEXT_STEPS:
        raise DayRefused("next_step", _("Suite inconnue."))
    if comment is not None and len(comment) > FEEDBACK_COMMENT_MAX:
        raise DayRefused(
            "comment",
            _("%(max)d caractères au plus.", max=FEEDBACK_COMMENT_MAX),
        )
