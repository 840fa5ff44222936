"""The schedule (organisers: the grid, computing, locks, moves, publication, tables'
sheets, the dashboard) and the agendas (participants: their page and their ``.ics``).
GETs only read; each POST is one call to ``webapp.events.scheduling``."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from domain import scheduling as solver
from webapp.events import agenda, dashboard, queries, scheduling
from webapp.events.access import event_or_404, organises, participations, visible
from webapp.events.blueprint import blueprint
from webapp.events.meeting_forms import ButtonForm, LockForm, MeetingMoveForm, MoveForm, query_id
from webapp.extensions import db
from webapp.models import (
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    EventTable,
)
from webapp.permissions import ensure, requires


def _event(event_id: int) -> Event:
    event = event_or_404(db.session, event_id)
    if not visible(current_user, event):
        abort(404)
    return event


def _organised(event_id: int) -> Event:
    event = _event(event_id)
    ensure(organises(current_user, event))
    return event


def _meeting(event: Event, meeting_id: int) -> EventMeeting:
    meeting = db.session.get(EventMeeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    return meeting


def unplaced_words(event: Event, unplaced: list[dict]) -> list[tuple[str, str]]:
    """Each request the last run could not place: the pair, and why in French."""
    people = {p.id: p for p in event.participants}
    rows = []
    for item in unplaced:
        request_ = db.session.get(EventMeetingRequest, item.get("request"))
        if request_ is None:
            continue
        pair = f"{request_.sender.display_name} — {request_.recipient.display_name}"
        who = people.get(item.get("participant"))
        reason = item.get("reason")
        if reason == solver.UNAVAILABLE:
            text = _("aucun créneau commun")
            if who is not None:
                text += " " + _(
                    "(%(name)s n'est disponible à aucun créneau de l'autre)", name=who.display_name
                )
        elif reason == solver.CAP and who is not None:
            text = _(
                "%(name)s a atteint son plafond de %(cap)s rendez-vous",
                name=who.display_name,
                cap=who.effective_cap,
            )
        elif reason == solver.TABLES:
            text = _("toutes les tables sont prises aux créneaux communs")
        else:
            text = _("leurs agendas sont pleins aux créneaux communs")
        rows.append((pair, text))
    return rows


# --- The schedule ---------------------------------------------------------------------------


def placed_words(placed: int, requested: int) -> str:
    """ "3 rendez-vous placés sur 5 demandés." with the plurals and the zeros of French."""
    if not requested:
        return _("Aucun rendez-vous demandé : rien à placer.")
    if not placed:
        return ngettext(
            "Aucun rendez-vous placé sur %(num)s demandé.",
            "Aucun rendez-vous placé sur %(num)s demandés.",
            requested,
        )
    if placed == requested:
        return ngettext(
            "%(num)s rendez-vous placé sur %(num)s demandé.",
            "%(num)s rendez-vous placés sur %(num)s demandés.",
            requested,
        )
    return ngettext(  # fewer placed than requested: at least 2 requested
        "%(num)s rendez-vous placé sur %(requested)s demandés.",
        "%(num)s rendez-vous placés sur %(requested)s demandés.",
        placed,
        requested=requested,
    )


def _placement_choices(event: Event, form: MoveForm) -> None:
    form.slot.choices = [SelectChoice(s.id, agenda.slot_label(s)) for s in event.slots]
    form.table.choices = [SelectChoice(t.id, t.name) for t in event.tables]


@blueprint.route("/<int:event_id>/planning")
@requires("organise_events")
def schedule(event_id: int):
    event = _organised(event_id)
    meetings = queries.schedule_of(db.session, event)
    grid = {(m.slot_id, m.table_id): m for m in meetings}
    run = scheduling.last_run(db.session, event)
    # One move form for the whole planning (a form per meeting, each listing every slot
    # and table, grows as meetings × slots).
    move_form = MeetingMoveForm(formdata=None)
    _placement_choices(event, move_form)
    move_form.meeting.choices = [
        SelectChoice(
            m.id,
            f"{m.request.sender.display_name} — {m.request.recipient.display_name} "
            f"({agenda.slot_label(m.slot)}, {m.table.name})",
        )
        for m in meetings
    ]
    return render_template(
        "events/schedule/planning.html",
        event=event,
        grid=grid,
        meetings=meetings,
        run=run,
        placed=placed_words(run.placed, run.requested) if run else "",
        unplaced=unplaced_words(event, run.unplaced) if run else [],
        pairs=len(scheduling.pairs(db.session, event)),
        move_form=move_form,
    )


@blueprint.route("/<int:event_id>/planning/calculer", methods=["POST"])
@requires("organise_events")
def compute_schedule(event_id: int):
    event = _organised(event_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        run = scheduling.compute_schedule(db.session, current_user, event)
    except scheduling.ScheduleRefused as refusal:
        flash(str(refusal), "warning")
    else:
        flash(
            _("Planning calculé : %(result)s", result=placed_words(run.placed, run.requested)),
            "success",
        )
    return redirect(url_for("events.schedule", event_id=event.id))


@blueprint.route("/<int:event_id>/planning/publier", methods=["POST"])
@requires("organise_events")
def publish_schedule(event_id: int):
    event = _organised(event_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        mailed = scheduling.publish_schedule(db.session, current_user, event)
    except scheduling.ScheduleRefused as refusal:
        flash(str(refusal), "warning")
    else:
        flash(
            ngettext(
                "Planning publié ; %(num)s participant prévenu par courriel.",
                "Planning publié ; %(num)s participants prévenus par courriel.",
                mailed,
            )
            if mailed
            else _("Planning publié ; aucun agenda n'a changé, personne n'a été prévenu."),
            "success",
        )
    return redirect(url_for("events.schedule", event_id=event.id))


@blueprint.route("/<int:event_id>/planning/rendez-vous/<int:meeting_id>/verrou", methods=["POST"])
@requires("organise_events")
def lock_meeting(event_id: int, meeting_id: int):
    event = _organised(event_id)
    meeting = _meeting(event, meeting_id)
    form = LockForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        scheduling.set_locked(db.session, current_user, meeting, form.locked.data == "1")
    except scheduling.ScheduleRefused as refusal:
        flash(str(refusal), "warning")
        return redirect(url_for("events.schedule", event_id=event.id))
    flash(
        _("Rendez-vous verrouillé.") if meeting.locked else _("Rendez-vous déverrouillé."),
        "success",
    )
    return redirect(url_for("events.schedule", event_id=event.id))


def _move(event: Event, meeting: EventMeeting | None, form: MoveForm):
    """Move ``meeting`` where ``form`` says (checked, then locked); back to the planning."""
    _placement_choices(event, form)
    if not form.validate_on_submit() or meeting is None:
        flash(_("Choisissez un rendez-vous, un créneau et une table de l'événement."), "warning")
        return redirect(url_for("events.schedule", event_id=event.id))
    slot = db.session.get(EventSlot, form.slot.data)
    table = db.session.get(EventTable, form.table.data)
    try:
        scheduling.move_meeting(db.session, current_user, meeting, slot, table)
    except scheduling.ScheduleRefused as refusal:
        flash(str(refusal), "warning")
    else:
        flash(_("Rendez-vous déplacé et verrouillé."), "success")
    return redirect(url_for("events.schedule", event_id=event.id))


@blueprint.route("/<int:event_id>/planning/deplacer", methods=["POST"])
@requires("organise_events")
def move_chosen_meeting(event_id: int):
    """The planning's move form: the meeting is one of its fields."""
    event = _organised(event_id)
    form = MeetingMoveForm()
    meeting = None
    if form.meeting.validate(form):
        found = db.session.get(EventMeeting, form.meeting.data)
        meeting = found if found is not None and found.event_id == event.id else None
    return _move(event, meeting, form)


@blueprint.route("/<int:event_id>/planning/rendez-vous/<int:meeting_id>/deplacer", methods=["POST"])
@requires("organise_events")
def move_meeting(event_id: int, meeting_id: int):
    event = _organised(event_id)
    return _move(event, _meeting(event, meeting_id), MoveForm(prefix=f"m{meeting_id}"))


@blueprint.route("/<int:event_id>/tables/<int:table_id>")
@requires("organise_events")
def table_agenda(event_id: int, table_id: int):
    event = _organised(event_id)
    table = db.session.get(EventTable, table_id)
    if table is None or table.event_id != event.id:
        abort(404)
    return render_template(
        "events/schedule/table.html",
        event=event,
        table=table,
        rows=agenda.table_agenda(db.session, table),
    )


@blueprint.route("/<int:event_id>/tableau-de-bord", endpoint="dashboard")
@requires("organise_events")
def dashboard_page(event_id: int):
    event = queries.with_participants(db.session, _organised(event_id))
    return render_template(
        "events/schedule/dashboard.html",
        event=event,
        figures=dashboard.figures(db.session, event),
    )


# --- Agendas ---------------------------------------------------------------------------------


@blueprint.route("/<int:event_id>/agenda", endpoint="agenda")
@requires("view_public")
def agenda_page(event_id: int):
    """The signed-in person's agendas (an organiser may read any participant's with
    ``?participant=``); before publication participants read that it is not out yet."""
    event = _event(event_id)
    organiser = organises(current_user, event)
    shown: list[EventParticipant] = [
        p for p in participations(current_user, event) if p.status == "accepted"
    ]
    wanted = query_id(request.args, "participant")
    if organiser and wanted:
        chosen = db.session.get(EventParticipant, wanted)
        if chosen is not None and chosen.event_id == event.id:
            shown = [chosen]
    visible_now = organiser or agenda.published(event)
    return render_template(
        "events/schedule/agenda.html",
        event=event,
        organiser=organiser,
        signed_in=current_user.is_authenticated,
        agendas=[(p, agenda.agenda_of(db.session, p) if visible_now else []) for p in shown],
        visible_now=visible_now,
        participants=[p for p in event.participants if p.status == "accepted"] if organiser else [],
    )


@blueprint.route("/<int:event_id>/agenda/<int:participant_id>.ics")
@requires("use_account")  # one's own (or, for an organiser, any participant's)
def agenda_ics(event_id: int, participant_id: int):
    event = _event(event_id)
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event.id:
        abort(404)
    organiser = organises(current_user, event)
    ensure(organiser or participant in participations(current_user, event))
    if not (organiser or agenda.published(event)):
        abort(404)  # nothing to download before the schedule is out
    body = agenda.ics(db.session, participant)
    filename = f"rendez-vous-{event.id}-{participant.id}.ics"
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
