"""On the day: the organiser's check-in list at the door (a phone in hand), and the
participants' feedback page after the event. GETs read; each POST is one call to
``webapp.events.day``, which commits."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.text import fold
from webapp.events import day, queries
from webapp.events.access import event_or_404, organises, participations, visible
from webapp.events.blueprint import blueprint
from webapp.events.day_forms import (
    EVENT_KEY,
    NEXT_STEP_LABELS,
    AttendanceForm,
    feedback_form,
)
from webapp.events.meeting_forms import query_id
from webapp.extensions import db
from webapp.models import EventParticipant
from webapp.permissions import ensure, requires

SEARCH_MAX = 100
_PRESENCE = {day.PRESENT: True, day.ABSENT: False, day.UNKNOWN: None}


# --- Check-in ------------------------------------------------------------------------------


def _organised(event_id: int):
    event = event_or_404(db.session, event_id)
    ensure(organises(current_user, event))
    return event


def _check_in_page(event, query: str, status: int = 200):
    queries.with_participants(db.session, event)
    accepted = [p for p in event.participants if p.status == "accepted"]
    wanted = fold(query)
    shown = [p for p in accepted if wanted in fold(p.display_name)] if wanted else accepted
    shown.sort(key=lambda p: fold(p.display_name))
    return render_template(
        "events/day/check_in.html",
        event=event,
        participants=shown,
        counts=day.attendance_counts(event),
        query=query,
        form=AttendanceForm(formdata=None),
        attendance=day.attendance,
    ), status


@blueprint.route("/<int:event_id>/accueil")
@requires("organise_events")
def check_in(event_id: int):
    event = _organised(event_id)
    return _check_in_page(event, request.args.get("q", "").strip()[:SEARCH_MAX])


@blueprint.route("/<int:event_id>/accueil/<int:participant_id>", methods=["POST"])
@requires("organise_events")
def set_attendance(event_id: int, participant_id: int):
    event = _organised(event_id)
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event.id:
        abort(404)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _check_in_page(event, "", 400)
    query = (form.q.data or "").strip()
    try:
        day.set_attendance(db.session, current_user, participant, _PRESENCE[form.presence.data])
    except day.DayRefused as refused:
        flash(refused.message, "danger")
        return _check_in_page(event, query, 400)
    messages = {
        day.PRESENT: _("%(name)s : présent.", name=participant.display_name),
        day.ABSENT: _("%(name)s : absent.", name=participant.display_name),
        day.UNKNOWN: _("%(name)s : présence à pointer.", name=participant.display_name),
    }
    flash(messages[form.presence.data], "success")
    target = url_for("events.check_in", event_id=event.id, q=query or None)
    return redirect(f"{target}#participant-{participant.id}")


# --- Feedback ------------------------------------------------------------------------------


def _participation(event) -> EventParticipant:
    """The current person's accepted registration (``?participant=`` picks one when they
    act for several)."""
    mine = [p for p in participations(current_user, event) if p.status == "accepted"]
    ensure(bool(mine))
    wanted = query_id(request.args, "participant")
    chosen = next((p for p in mine if p.id == wanted), None)
    return chosen or mine[0]


def _initial(feedback, keys) -> dict:
    data = {}
    for key in keys:
        row = feedback.get(None if key == EVENT_KEY else key)
        if row is None:
            continue
        if row.useful is not None:
            data[f"useful_{key}"] = "yes" if row.useful else "no"
        data[f"next_step_{key}"] = row.next_step
        data[f"comment_{key}"] = row.comment or ""
    return data


@blueprint.route("/<int:event_id>/avis", methods=["GET", "POST"])
@requires("attend_events")
def feedback(event_id: int):
    event = event_or_404(db.session, event_id)
    if not visible(current_user, event):
        abort(404)
    participant = _participation(event)
    meetings = day.meetings_of(db.session, participant)
    keys = [m.id for m in meetings] + [EVENT_KEY]
    existing = day.feedback_of(db.session, participant)
    form = feedback_form(keys, data=_initial(existing, keys))
    is_open = day.feedback_open(event)
    status = 200
    if request.method == "POST":
        if not is_open:
            flash(_("Vous pourrez donner votre avis une fois l'événement commencé."), "danger")
            status = 400
        elif form.validate_on_submit():
            answers = [_answer(form, key, meeting) for key, meeting in _blocks(meetings)]
            try:
                day.record_answers(db.session, current_user, participant, answers)
            except day.DayRefused as refused:
                flash(refused.message, "danger")
                status = 400
            else:
                flash(_("Merci : votre avis est enregistré."), "success")
                return redirect(
                    url_for("events.feedback", event_id=event.id, participant=participant.id)
                )
        else:
            status = 400
    return render_template(
        "events/day/feedback.html",
        event=event,
        participant=participant,
        choices=[p for p in participations(current_user, event) if p.status == "accepted"],
        blocks=[
            (key, meeting, day.other_party(meeting, participant) if meeting else None)
            for key, meeting in _blocks(meetings)
        ],
        form=form,
        is_open=is_open,
        starts=day.first_start(event),
        next_steps=NEXT_STEP_LABELS,
    ), status


def _blocks(meetings):
    return [(m.id, m) for m in meetings] + [(EVENT_KEY, None)]


def _answer(form, key, meeting) -> day.Answer:
    useful = form[f"useful_{key}"].data
    next_step = form[f"next_step_{key}"].data if meeting is not None else "none"
    return day.Answer(
        meeting=meeting,
        useful=None if not useful else useful == "yes",
        next_step=next_step or "none",
        comment=form[f"comment_{key}"].data or None,
    )
