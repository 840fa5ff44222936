"""Registering to an event (a buyer for their organisation, a member for their
enterprise) and one's participation: availability, pitch, intentions, cancelling. GETs
only read; each write is one call to ``webapp.events.registration``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from webapp.events import queries, registration
from webapp.events.access import event_or_404, organises, participations, visible
from webapp.events.blueprint import blueprint
from webapp.events.forms import (
    ActionForm,
    BuyerRegistrationForm,
    EnterpriseRegistrationForm,
    ParticipationForm,
)
from webapp.extensions import db
from webapp.models import EventParticipant, PurchaseIntention
from webapp.permissions import BUYER, ENTERPRISE, ensure, requires, roles_of


def _visible_event(event_id: int):
    event = event_or_404(db.session, event_id)
    if not visible(current_user, event):
        abort(404)
    return event


def _intention_choices(organisations) -> list[SelectChoice]:
    ids = [o.id for o in organisations]
    if not ids:
        return []
    rows = db.session.scalars(
        select(PurchaseIntention)
        .where(
            PurchaseIntention.buyer_organisation_id.in_(ids),
            PurchaseIntention.status == "published",
        )
        .order_by(PurchaseIntention.title)
    )
    names = {o.id: o.name for o in organisations}
    several = len(ids) > 1
    return [
        SelectChoice(i.id, i.title, optgroup=names[i.buyer_organisation_id] if several else None)
        for i in rows
    ]


def _kind_asked() -> str:
    """Which form the person sees: the one asked for, else the one their role gives."""
    roles = roles_of(current_user)
    asked = request.args.get("type")
    if asked in ("buyer", "enterprise"):
        return asked
    return "buyer" if BUYER in roles or ENTERPRISE not in roles else "enterprise"


@blueprint.route("/<int:event_id>/inscription", methods=["GET", "POST"])
@requires("attend_events")
def register(event_id: int):
    event = _visible_event(event_id)
    kind = _kind_asked()
    organisations = sorted(
        (m.organisation for m in current_user.buyer_memberships), key=lambda o: o.name
    )
    enterprises = sorted(
        (m.enterprise for m in current_user.enterprise_memberships),
        key=lambda e: e.display_name,
    )
    if kind == "buyer":
        form = BuyerRegistrationForm()
        form.organisation.choices = [SelectChoice(o.id, o.name) for o in organisations]
        form.intentions.choices = _intention_choices(organisations)
        options = organisations
    else:
        form = EnterpriseRegistrationForm()
        form.enterprise.choices = [SelectChoice(e.id, e.display_name) for e in enterprises]
        options = enterprises
    problem = registration.registration_problem(event, kind)
    mine = [p for p in participations(current_user, event) if p.status != "cancelled"]
    status = 200
    if request.method == "POST" and (problem or not options):
        status = 400
    elif form.validate_on_submit():
        try:
            participant = _register(event, kind, form, organisations, enterprises)
        except registration.AlreadyRegistered as exc:
            flash(_("Vous êtes déjà inscrit(e) à cet événement."), "info")
            return redirect(
                url_for(
                    "events.participation", event_id=event.id, participant_id=exc.participant.id
                )
            )
        except registration.RegistrationRefused as exc:
            form.pitch.errors.append(str(exc))
        else:
            if participant.status == "accepted":
                flash(_("Inscription enregistrée et acceptée."), "success")
            else:
                flash(_("Inscription enregistrée : les organisateurs vont la valider."), "success")
            return redirect(
                url_for("events.participation", event_id=event.id, participant_id=participant.id)
            )
    if form.errors:
        status = 400
    return render_template(
        "events/register.html",
        event=event,
        form=form,
        kind=kind,
        options=options,
        problem=problem,
        mine=mine,
        can_switch=BUYER in roles_of(current_user) and ENTERPRISE in roles_of(current_user),
    ), status


def _register(event, kind, form, organisations, enterprises) -> EventParticipant:
    if kind == "buyer":
        organisation = next(o for o in organisations if o.id == form.organisation.data)
        return registration.register_buyer(
            db.session,
            current_user,
            event,
            organisation,
            intentions=form.intentions.data or [],
            pitch=form.pitch.data,
        )
    enterprise = next(e for e in enterprises if e.id == form.enterprise.data)
    return registration.register_enterprise(
        db.session, current_user, event, enterprise, pitch=form.pitch.data
    )


def _participant_of(event, participant_id: int) -> EventParticipant:
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event.id:
        abort(404)
    return participant


def _own_participant(event, participant_id: int) -> EventParticipant:
    participant = _participant_of(event, participant_id)
    ensure(registration.may_edit(current_user, participant))
    return participant


@blueprint.route("/<int:event_id>/participation/<int:participant_id>", methods=["GET", "POST"])
@requires("attend_events")
def participation(event_id: int, participant_id: int):
    event = _visible_event(event_id)
    return _participation_page(
        event, _own_participant(event, participant_id), "events.participation"
    )


@blueprint.route(
    "/<int:event_id>/participants/<int:participant_id>/modifier", methods=["GET", "POST"]
)
@requires("organise_events")
def edit_participant(event_id: int, participant_id: int):
    """The same page for the organisers: a member they registered may have nobody on the
    platform to state its pitch and its slots."""
    event = event_or_404(db.session, event_id)
    ensure(organises(current_user, event))
    return _participation_page(
        event, _own_participant(event, participant_id), "events.edit_participant"
    )


def _participation_page(event, participant: EventParticipant, endpoint: str):
    """Read and edit a participation (pitch, unavailable slots, a buyer's intentions);
    ``endpoint``: the route it is read at (the participant's or the organisers')."""
    form = ParticipationForm()
    form.unavailable.choices = [SelectChoice(s.id, str(s.id)) for s in event.slots]
    buyer = participant.organisation is not None
    if buyer:
        form.intentions.choices = _intention_choices([participant.organisation])
    if request.method == "GET":
        form.pitch.data = participant.pitch
        form.unavailable.data = [s.id for s in participant.unavailable_slots]
        form.intentions.data = [i.id for i in participant.intentions]
    elif form.validate_on_submit():
        try:
            registration.update_participation(
                db.session,
                current_user,
                participant,
                pitch=form.pitch.data,
                unavailable=form.unavailable.data or [],
                intentions=(form.intentions.data or []) if buyer else None,
            )
        except registration.RegistrationRefused as exc:
            db.session.rollback()
            form.pitch.errors.append(str(exc))
        else:
            flash(_("Participation enregistrée."), "success")
            return redirect(url_for(endpoint, event_id=event.id, participant_id=participant.id))
    return render_template(
        "events/participation.html",
        event=event,
        participant=participant,
        form=form,
        buyer=buyer,
        days=queries.slots_by_day(event),
        cancel_form=ActionForm(),
        organiser_side=endpoint == "events.edit_participant",
    ), (400 if form.errors else 200)


@blueprint.post("/<int:event_id>/participation/<int:participant_id>/annuler")
@requires("attend_events")
def cancel_participation(event_id: int, participant_id: int):
    event = _visible_event(event_id)
    participant = _own_participant(event, participant_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        registration.cancel_participation(db.session, current_user, participant)
    except registration.RegistrationRefused as exc:
        flash(str(exc), "warning")
        return redirect(
            url_for("events.participation", event_id=event.id, participant_id=participant.id)
        )
    flash(_("Votre inscription est annulée."), "success")
    return redirect(url_for("events.event", event_id=event.id))
