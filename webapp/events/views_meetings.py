"""A participant's meetings: the requests received and sent, the other participants to
ask, the suggested meetings; the page an e-mail's link opens to answer one request. Reads
only on GET; each POST is one call to ``webapp.events.meetings``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from webapp.events import meetings, queries, suggestions
from webapp.events.access import acts_for, event_or_404, participations, visible
from webapp.events.blueprint import blueprint
from webapp.events.meeting_forms import AnswerForm, AskForm, ButtonForm, ParticipantFilterForm
from webapp.extensions import db
from webapp.models import Event, EventMeetingRequest, EventParticipant, PurchaseIntention
from webapp.models.events import MOTIVATION_MAX
from webapp.permissions import ensure, requires

# Requests received, in the order the page lists them.
_ORDER = {"pending": 0, "accepted": 1, "declined": 2, "expired": 3, "cancelled": 4}


@blueprint.context_processor
def _meeting_words() -> dict:
    """Words for the codes the meetings' and the schedule's pages show."""
    return {
        "KIND_LABELS": {"buyer": _("acheteur"), "enterprise": _("entreprise")},
        "STATUS_LABELS": {
            "pending": _("en attente"),
            "accepted": _("acceptée"),
            "declined": _("déclinée"),
            "expired": _("expirée"),
            "cancelled": _("annulée"),
        },
        "STATUS_BADGES": {
            "pending": "text-bg-warning",
            "accepted": "text-bg-success",
            "declined": "text-bg-secondary",
            "expired": "text-bg-secondary",
            "cancelled": "text-bg-light border",
        },
        "MOTIVATION_MAX": MOTIVATION_MAX,
        "status_shown": status_shown,
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_decimal": format_decimal,
        "format_percent": format_percent,
    }


def lapsed(row: EventMeetingRequest) -> bool:
    """A pending request past its ``expires_at`` that ``flask events expire`` has not swept
    yet: it can no longer be answered, so it reads as expired."""
    return row.status == "pending" and not meetings.waiting(row)


def status_shown(row: EventMeetingRequest) -> str:
    """The status a page shows: "expired" for a lapsed request, else the stored one."""
    return "expired" if lapsed(row) else row.status


def _event(event_id: int) -> Event:
    event = event_or_404(db.session, event_id)
    if not visible(current_user, event):
        abort(404)
    return event


def _others(participant: EventParticipant, kind: str | None, text: str | None):
    """The accepted participants ``participant`` may ask (never buyer with buyer)."""
    needle = (text or "").strip().casefold()
    rows = []
    for other in participant.event.participants:
        if other.id == participant.id or other.status != "accepted":
            continue
        if participant.kind == "buyer" and other.kind == "buyer":
            continue
        if kind and other.kind != kind:
            continue
        if needle and needle not in other.display_name.casefold():
            continue
        rows.append(other)
    return sorted(rows, key=lambda p: p.display_name.casefold())


def _view_of(participant: EventParticipant, filters: ParticipantFilterForm) -> dict:
    """What the page shows for one participation."""
    session = db.session
    received = sorted(
        session.query(EventMeetingRequest).filter_by(recipient_id=participant.id),
        key=lambda r: (_ORDER[status_shown(r)], r.created_at),
    )
    sent = sorted(
        session.query(EventMeetingRequest).filter_by(sender_id=participant.id),
        key=lambda r: (_ORDER[status_shown(r)], r.created_at),
    )
    asked = {r.recipient_id: r for r in sent} | {
        r.sender_id: r for r in received if r.status in suggestions.STANDING
    }
    kind = filters.kind.data if filters.kind.data in ("buyer", "enterprise") else None
    return {
        "participant": participant,
        "received": received,
        "sent": sent,
        "accepted_count": meetings.accepted_count(session, participant),
        "at_cap": meetings.at_cap(session, participant),
        "others": _others(participant, kind, filters.q.data),
        "asked": asked,
        "suggestions": suggestions.for_participant(session, participant),
    }


def _page(event: Event, status: int = 200, ask_form: AskForm | None = None, problem=None):
    queries.with_participants(db.session, event)  # every row's names, in a few queries
    filters = ParticipantFilterForm(request.args)
    filters.validate()
    mine = participations(current_user, event)
    views = [_view_of(p, filters) for p in mine if p.status == "accepted"]
    return render_template(
        "events/meetings/index.html",
        event=event,
        mine=mine,
        views=views,
        filters=filters,
        ask_form=ask_form or AskForm(formdata=None),
        problem=problem,
        button=ButtonForm(formdata=None),
    ), status


@blueprint.route("/<int:event_id>/rendez-vous", endpoint="meetings")
@requires("attend_events")
def meetings_page(event_id: int):
    return _page(_event(event_id))


@blueprint.route("/<int:event_id>/rendez-vous/demander", methods=["POST"])
@requires("attend_events")
def ask_meeting(event_id: int):
    event = _event(event_id)
    form = AskForm()
    if not form.validate_on_submit():
        return _page(event, 400, ask_form=form)
    mine = [p for p in participations(current_user, event) if p.status == "accepted"]
    if form.sender.data:
        sender = next((p for p in mine if p.id == form.sender.data), None)
    else:
        sender = mine[0] if len(mine) == 1 else None
    ensure(sender is not None)
    recipient = db.session.get(EventParticipant, form.recipient.data)
    if recipient is None or recipient.event_id != event.id:
        form.recipient.errors.append(_("Ce participant n'est pas inscrit à l'événement."))
        return _page(event, 400, ask_form=form)
    intention = None
    if form.intention.data:
        intention = db.session.get(PurchaseIntention, form.intention.data)
        if intention is None:
            form.intention.errors.append(_("Ce projet d'achat n'existe pas."))
            return _page(event, 400, ask_form=form)
    try:
        made = meetings.ask(
            db.session,
            current_user,
            sender,
            recipient,
            form.motivation.data,
            intention=intention,
            suggested=bool(form.suggested.data),
        )
    except meetings.MeetingRefused as refusal:
        return _page(event, 400, ask_form=form, problem=str(refusal))
    if made.status == "accepted":
        flash(_("Rendez-vous avec %(name)s accepté.", name=recipient.display_name), "success")
    else:
        flash(_("Demande envoyée à %(name)s.", name=recipient.display_name), "success")
    return redirect(url_for("events.meetings", event_id=event.id))


def _request(event: Event, meeting_request_id: int) -> EventMeetingRequest:
    row = db.session.get(EventMeetingRequest, meeting_request_id)
    if row is None or row.event_id != event.id:
        abort(404)
    return row


@blueprint.route("/<int:event_id>/demandes/<int:meeting_request_id>")
@requires("attend_events")
def meeting_request(event_id: int, meeting_request_id: int):
    event = _event(event_id)
    row = _request(event, meeting_request_id)
    # Both sides read it; only the one asked answers.
    answering = acts_for(current_user, row.recipient)
    ensure(answering or acts_for(current_user, row.sender))
    return render_template(
        "events/meetings/request.html",
        event=event,
        row=row,
        answering=answering,
        expired=lapsed(row),
    )


@blueprint.route("/<int:event_id>/demandes/<int:meeting_request_id>/reponse", methods=["POST"])
@requires("attend_events")
def answer_meeting_request(event_id: int, meeting_request_id: int):
    event = _event(event_id)
    row = _request(event, meeting_request_id)
    ensure(acts_for(current_user, row.recipient))
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        meetings.answer(db.session, current_user, row, form.decision.data == "accept")
    except meetings.MeetingRefused as refusal:
        flash(str(refusal), "warning")
        return redirect(
            url_for("events.meeting_request", event_id=event.id, meeting_request_id=row.id)
        )
    if row.status == "accepted":
        flash(_("Rendez-vous avec %(name)s accepté.", name=row.sender.display_name), "success")
    else:
        flash(_("Demande de %(name)s déclinée.", name=row.sender.display_name), "success")
    return redirect(url_for("events.meetings", event_id=event.id))


@blueprint.route("/<int:event_id>/demandes/<int:meeting_request_id>/annuler", methods=["POST"])
@requires("attend_events")
def cancel_meeting_request(event_id: int, meeting_request_id: int):
    event = _event(event_id)
    row = _request(event, meeting_request_id)
    ensure(acts_for(current_user, row.sender) or acts_for(current_user, row.recipient))
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        meetings.cancel(db.session, current_user, row)
    except meetings.NotActingFor:
        abort(403)
    except meetings.MeetingRefused as refusal:
        flash(str(refusal), "warning")
    else:
        flash(_("Rendez-vous annulé."), "success")
    return redirect(url_for("events.meetings", event_id=event.id))
