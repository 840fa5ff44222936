"""Meeting requests between the participants of an event: ask, answer, cancel, expire.

A request links a buyer and an enterprise, or two enterprises (forming a group), both
accepted participants of one published event. When both ask each other, the two rows are
accepted together and marked ``mutual``: one meeting. A participant's meetings are the
accepted *pairs* they belong to; once they reach their cap they can neither ask nor accept.

Each write is one transaction: the request's rows are committed, then the people concerned
are mailed. A refusal raises ``MeetingRefused`` with a French message for the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from webapp import mail
from webapp.events import queries
from webapp.events.access import acts_for
from webapp.events.day import begun
from webapp.models import (
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    PurchaseIntention,
    User,
)
from webapp.models.events import MOTIVATION_MAX


class MeetingRefused(ValueError):
    """The request breaks a rule; ``str(error)`` says which, in French."""


class NotActingFor(PermissionError):
    """The person does not speak for the participant concerned."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# --- Reads the rules need ------------------------------------------------------------------


def partners(session: Session, participant: EventParticipant) -> set[int]:
    """The participants ``participant`` has an accepted request with (either direction):
    a mutual pair counts once, as it is one meeting."""
    rows = session.execute(
        select(EventMeetingRequest.sender_id, EventMeetingRequest.recipient_id).where(
            EventMeetingRequest.status == "accepted",
            or_(
                EventMeetingRequest.sender_id == participant.id,
                EventMeetingRequest.recipient_id == participant.id,
            ),
        )
    )
    return {b if a == participant.id else a for a, b in rows}


def accepted_count(session: Session, participant: EventParticipant) -> int:
    return len(partners(session, participant))


def at_cap(session: Session, participant: EventParticipant) -> bool:
    cap = participant.effective_cap
    return cap is not None and accepted_count(session, participant) >= cap


def waiting(request: EventMeetingRequest | None, now: datetime | None = None) -> bool:
    """Pending and not yet expired (``flask events expire`` may not have swept it yet)."""
    if request is None or request.status != "pending":
        return False
    expires = aware(request.expires_at)
    return expires is None or expires > (now or now_utc())


def between(
    session: Session, a: EventParticipant, b: EventParticipant
) -> tuple[EventMeetingRequest | None, EventMeetingRequest | None]:
    """The request from ``a`` to ``b`` and the one from ``b`` to ``a`` (None if absent)."""
    rows = session.scalars(
        select(EventMeetingRequest).where(
            or_(
                (EventMeetingRequest.sender_id == a.id)
                & (EventMeetingRequest.recipient_id == b.id),
                (EventMeetingRequest.sender_id == b.id)
                & (EventMeetingRequest.recipient_id == a.id),
            )
        )
    ).all()
    forward = next((r for r in rows if r.sender_id == a.id), None)
    backward = next((r for r in rows if r.sender_id == b.id), None)
    return forward, backward


# --- The rules -----------------------------------------------------------------------------


def _open_event(event) -> None:
    if event.status == "draft":
        raise MeetingRefused(_("Cet événement n'est pas encore publié."))
    if event.status == "closed":
        raise MeetingRefused(_("Cet événement est clos : plus aucune demande n'est possible."))


def _check_pair(sender: EventParticipant, recipient: EventParticipant) -> None:
    if sender.event_id != recipient.event_id:
        raise MeetingRefused(_("Ces deux participants ne sont pas inscrits au même événement."))
    if sender.id == recipient.id:
        raise MeetingRefused(_("On ne se demande pas un rendez-vous à soi-même."))
    if sender.kind == "buyer" and recipient.kind == "buyer":
        raise MeetingRefused(
            _("Les rendez-vous réunissent un acheteur et une entreprise, ou deux entreprises.")
        )
    for participant in (sender, recipient):
        if participant.status != "accepted":
            raise MeetingRefused(
                _(
                    "%(name)s n'est pas (ou plus) un participant accepté.",
                    name=participant.display_name,
                )
            )


def _check_caps(session: Session, *participants: EventParticipant) -> None:
    for participant in participants:
        if at_cap(session, participant):
            raise MeetingRefused(
                _(
                    "%(name)s a atteint son plafond de %(cap)s rendez-vous.",
                    name=participant.display_name,
                    cap=participant.effective_cap,
                )
            )


def _check_intention(
    intention: PurchaseIntention | None, sender: EventParticipant, recipient: EventParticipant
) -> None:
    """A request may name a published intention: of the buyer's organisation when a buyer
    takes part (what they came to buy), any published one between two enterprises (the
    contract they would answer together)."""
    if intention is None:
        return
    if intention.status != "published":
        raise MeetingRefused(_("Ce projet d'achat n'est pas publié."))
    buyers = [p for p in (sender, recipient) if p.kind == "buyer"]
    if buyers and intention.buyer_organisation_id != buyers[0].buyer_organisation_id:
        raise MeetingRefused(_("Ce projet d'achat n'est pas celui de l'acheteur concerné."))


def _clean_motivation(motivation: str | None) -> str | None:
    motivation = (motivation or "").strip()
    if len(motivation) > MOTIVATION_MAX:
        raise MeetingRefused(
            _("La motivation tient en %(n)s caractères au plus.", n=MOTIVATION_MAX)
        )
    return motivation or None


# --- Writes --------------------------------------------------------------------------------


def ask(
    session: Session,
    actor: User,
    sender: EventParticipant,
    recipient: EventParticipant,
    motivation: str | None,
    intention: PurchaseIntention | None = None,
    suggested: bool = False,
) -> EventMeetingRequest:
    """``sender`` asks ``recipient`` for a meeting. If ``recipient`` had already asked
    ``sender`` (pending), both requests are accepted and marked mutual; in an event whose
    requests are accepted automatically the request is accepted at once. A request once
    cancelled or expired may be made again (the same row, pending anew)."""
    if not acts_for(actor, sender):
        raise NotActingFor()
    event = sender.event
    _open_event(event)
    _check_pair(sender, recipient)
    motivation = _clean_motivation(motivation)
    _check_intention(intention, sender, recipient)
    forward, backward = between(session, sender, recipient)
    if forward is not None and forward.status == "pending" and not waiting(forward):
        forward.status = "expired"  # lapsed, not yet swept: it may be asked again
    if forward is not None and forward.status in ("pending", "accepted", "declined"):
        raise MeetingRefused(
            {
                "pending": _("Vous avez déjà demandé un rendez-vous à %(name)s."),
                "accepted": _("Votre rendez-vous avec %(name)s est déjà accepté."),
                "declined": _("%(name)s a décliné votre demande de rendez-vous."),
            }[forward.status]
            % {"name": recipient.display_name}
        )
    if backward is not None and backward.status == "accepted":
        raise MeetingRefused(
            _("Votre rendez-vous avec %(name)s est déjà accepté.", name=recipient.display_name)
        )
    _check_caps(session, sender, recipient)
    moment = now_utc()
    if forward is None:
        forward = EventMeetingRequest(event=event, sender=sender, recipient=recipient)
        session.add(forward)
    forward.motivation = motivation
    forward.intention = intention
    forward.suggested = suggested
    forward.created_at = moment
    forward.answered_at = None
    if backward is not None and backward.status == "pending" and not waiting(backward, moment):
        backward.status = "expired"  # too late to be answered, even by asking back
    mutual = waiting(backward, moment)
    if mutual:
        for row in (forward, backward):
            row.status, row.mutual, row.answered_at, row.expires_at = "accepted", True, moment, None
        if backward.intention is None:
            backward.intention = intention
    elif event.request_mode == "automatic":
        forward.status, forward.mutual, forward.answered_at = "accepted", False, moment
        forward.expires_at = None
    else:
        forward.status, forward.mutual = "pending", False
        forward.expires_at = moment + timedelta(days=event.request_expiry_days)
    session.commit()
    if mutual:
        # The other side's request is now answered: each learns the meeting is on.
        _mail_answer(session, backward)
        _mail_answer(session, forward)
    else:
        _mail_request(session, forward)
    return forward


def answer(
    session: Session, actor: User, request: EventMeetingRequest, accept: bool
) -> EventMeetingRequest:
    """The recipient accepts or declines a pending request; the sender is mailed."""
    if not acts_for(actor, request.recipient):
        raise NotActingFor()
    _open_event(request.event)
    if request.status != "pending":
        raise MeetingRefused(_("Cette demande a déjà reçu une réponse."))
    moment = now_utc()
    if not waiting(request, moment):
        raise MeetingRefused(_("Cette demande a expiré."))
    if accept:
        _check_pair(request.sender, request.recipient)
        _check_caps(session, request.sender, request.recipient)
        # The recipient's own request to the sender, if still waiting: one meeting, mutual.
        reverse, _itself = between(session, request.recipient, request.sender)
        request.status = "accepted"
        if waiting(reverse, moment):
            reverse.status, reverse.answered_at, reverse.expires_at = "accepted", moment, None
            reverse.mutual = request.mutual = True
    else:
        request.status = "declined"
    request.answered_at = moment
    session.commit()
    _mail_answer(session, request)
    return request


def cancel(session: Session, actor: User, request: EventMeetingRequest) -> EventMeetingRequest:
    """The sender withdraws a pending request; either side calls off an accepted one (both
    rows of a mutual pair, and its meeting in the schedule; the other side is mailed)."""
    sides = (
        (request.sender, request.recipient) if request.status == "accepted" else (request.sender,)
    )
    if not any(acts_for(actor, p) for p in sides):
        raise NotActingFor()
    if request.status not in ("pending", "accepted"):
        raise MeetingRefused(_("Cette demande n'est plus en cours."))
    if request.event.status == "closed":
        raise MeetingRefused(_("Cet événement est clos."))
    was_accepted = request.status == "accepted"
    if was_accepted and begun(request.event):
        # Its meeting may have been held (and given feedback): an absence is noted at the
        # check-in instead.
        raise MeetingRefused(
            _("L'événement a commencé : prévenez les organisateurs plutôt que d'annuler.")
        )
    rows = [request]
    if was_accepted:
        # The other side's request of a mutual pair is called off with it.
        reverse, _itself = between(session, request.recipient, request.sender)
        if reverse is not None and reverse.status == "accepted":
            rows.append(reverse)
    ids = [r.id for r in rows]
    session.execute(delete(EventMeeting).where(EventMeeting.request_id.in_(ids)))
    moment = now_utc()
    for row in rows:
        row.status, row.answered_at = "cancelled", moment
    session.commit()
    if was_accepted:
        other = request.recipient if acts_for(actor, request.sender) else request.sender
        mail.send(
            queries.participant_emails(session, other),
            _("Rendez-vous annulé : %(event)s", event=request.event.title),
            "event_request_cancelled",
            request=request,
            other=other,
            by=request.sender if other is request.recipient else request.recipient,
            link=mail.external_url("events.meetings", event_id=request.event_id),
        )
    return request


def expire(session: Session, now: datetime | None = None) -> int:
    """Every pending request past its ``expires_at`` is expired; how many. Committed."""
    moment = now or now_utc()
    rows = session.scalars(
        select(EventMeetingRequest).where(
            EventMeetingRequest.status == "pending",
            EventMeetingRequest.expires_at.is_not(None),
        )
    ).all()
    expired = [r for r in rows if aware(r.expires_at) <= moment]
    for row in expired:
        row.status = "expired"
    session.commit()
    return len(expired)


# --- Mails ---------------------------------------------------------------------------------


def _mail_request(session: Session, request: EventMeetingRequest) -> None:
    mail.send(
        queries.participant_emails(session, request.recipient),
        _(
            "Demande de rendez-vous de %(name)s : %(event)s",
            name=request.sender.display_name,
            event=request.event.title,
        ),
        "event_request",
        request=request,
        link=mail.external_url(
            "events.meeting_request", event_id=request.event_id, meeting_request_id=request.id
        ),
        agenda_link=mail.external_url("events.meetings", event_id=request.event_id),
    )


def _mail_answer(session: Session, request: EventMeetingRequest) -> None:
    """Tell the sender what became of their request."""
    mail.send(
        queries.participant_emails(session, request.sender),
        _(
            "Rendez-vous avec %(name)s : %(answer)s",
            name=request.recipient.display_name,
            answer=_("accepté") if request.status == "accepted" else _("décliné"),
        ),
        "event_request_answered",
        request=request,
        link=mail.external_url("events.meetings", event_id=request.event_id),
    )
