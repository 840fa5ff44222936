"""The organisers' pages: a network's events, the event form, publishing and closing,
the participants (decisions, members registered one by one or from a file) and the
invitations. GETs only read; each write is one call to ``webapp.events.organising``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from importers.tabular import ImportFileError
from webapp.events import organising, queries
from webapp.events.access import event_or_404, organises
from webapp.events.blueprint import blueprint
from webapp.events.forms import (
    ActionForm,
    DecisionForm,
    EventForm,
    InvitationForm,
    MemberForm,
    ParticipantFilterForm,
    RegistrationImportForm,
)
from webapp.extensions import db
from webapp.models import Enterprise, EventParticipant, Network
from webapp.permissions import can_facilitate, ensure, requires


def _network(slug: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        abort(404)
    ensure(can_facilitate(current_user, network))
    return network


def _organised(event_id: int):
    event = event_or_404(db.session, event_id)
    ensure(organises(current_user, event))
    return event


def _other_networks(network: Network) -> list[Network]:
    return list(
        db.session.scalars(select(Network).where(Network.id != network.id).order_by(Network.name))
    )


def _show_refusals(form: EventForm, errors: dict[str, str]) -> None:
    """The service's refusals under the fields they name (the title for the others)."""
    for name, message in errors.items():
        field = form._fields.get(name, form.title)
        field.errors = [*field.errors, message]


# --- A network's events and the event form -------------------------------------------------------


@blueprint.get("/reseau/<slug>")
@requires("organise_events")
def network_events(slug: str):
    network = _network(slug)
    return render_template(
        "events/network.html",
        network=network,
        events=queries.network_events(db.session, network),
    )


@blueprint.route("/reseau/<slug>/nouveau", methods=["GET", "POST"])
@requires("organise_events")
def new_event(slug: str):
    network = _network(slug)
    form = EventForm(networks=_other_networks(network))
    if form.validate_on_submit():
        try:
            event = organising.create_event(db.session, current_user, network, form.data_of())
        except organising.EventInvalid as exc:
            _show_refusals(form, exc.errors)
        else:
            flash(_("Événement créé (brouillon) : publiez-le quand il est prêt."), "success")
            return redirect(url_for("events.event", event_id=event.id))
    status = 400 if form.errors else 200
    return render_template("events/form.html", form=form, network=network, event=None), status


@blueprint.route("/<int:event_id>/modifier", methods=["GET", "POST"])
@requires("organise_events")
def edit_event(event_id: int):
    event = _organised(event_id)
    form = EventForm(networks=_other_networks(event.network))
    if request.method == "GET":
        form.fill_from(event)
    elif form.validate_on_submit():
        try:
            organising.update_event(db.session, current_user, event, form.data_of())
        except organising.EventInvalid as exc:
            db.session.rollback()
            _show_refusals(form, exc.errors)
        else:
            flash(_("Événement enregistré."), "success")
            return redirect(url_for("events.event", event_id=event.id))
    status = 400 if form.errors else 200
    return render_template(
        "events/form.html", form=form, network=event.network, event=event
    ), status


@blueprint.post("/<int:event_id>/publier")
@requires("organise_events")
def publish_event(event_id: int):
    event = _organised(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        organising.publish_event(db.session, current_user, event)
    except organising.EventInvalid as exc:
        flash(" ".join(exc.errors.values()), "danger")
    else:
        flash(_("Événement publié : sa page est publique."), "success")
    return redirect(url_for("events.event", event_id=event.id))


@blueprint.post("/<int:event_id>/cloturer")
@requires("organise_events")
def close_event(event_id: int):
    event = _organised(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    organising.close_event(db.session, current_user, event)
    flash(_("Événement clôturé : plus d'inscription ni de demande de rendez-vous."), "success")
    return redirect(url_for("events.event", event_id=event.id))


# --- Participants ------------------------------------------------------------------------------


def _member_choices(event) -> list[SelectChoice]:
    registered = {p.enterprise_id for p in event.participants if p.status != "cancelled"}
    return [SelectChoice("", _("— choisir —"))] + [
        SelectChoice(str(e.id), f"{e.display_name} ({e.siret})")
        for e in queries.network_members(db.session, event)
        if e.id not in registered
    ]


def _participants_page(event, member_form: MemberForm, status: int = 200):
    filters = ParticipantFilterForm(request.args)
    wanted_status = filters.status.data if filters.validate() else None
    wanted_kind = filters.kind.data if not filters.errors else None
    return render_template(
        "events/participants.html",
        event=event,
        participants=queries.participants_of(
            db.session, event, status=wanted_status or None, kind=wanted_kind or None
        ),
        filters=filters,
        member_form=member_form,
        decision_form=DecisionForm(),
        counts=queries.accepted_counts(event),
    ), (400 if filters.errors else status)


@blueprint.get("/<int:event_id>/participants")
@requires("organise_events")
def participants(event_id: int):
    event = _organised(event_id)
    form = MemberForm()
    form.enterprise.choices = _member_choices(event)
    return _participants_page(event, form)


def _participant(event, participant_id: int) -> EventParticipant:
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event.id:
        abort(404)
    return participant


@blueprint.post("/<int:event_id>/participants/<int:participant_id>/decision")
@requires("organise_events")
def decide(event_id: int, participant_id: int):
    event = _organised(event_id)
    participant = _participant(event, participant_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if participant.status == "cancelled":
        flash(_("Cette inscription a été annulée par le participant."), "warning")
    else:
        accept = form.decision.data == "accept"
        try:
            organising.decide_participant(db.session, current_user, participant, accept)
        except organising.EventInvalid as refusal:
            flash(" ".join(refusal.errors.values()), "warning")
            return redirect(url_for("events.participants", event_id=event.id))
        if accept:
            flash(_("%(name)s : inscription acceptée.", name=participant.display_name), "success")
        else:
            flash(_("%(name)s : inscription refusée.", name=participant.display_name), "success")
    return redirect(url_for("events.participants", event_id=event.id))


@blueprint.post("/<int:event_id>/participants/membre")
@requires("organise_events")
def register_member(event_id: int):
    event = _organised(event_id)
    form = MemberForm()
    form.enterprise.choices = _member_choices(event)
    if form.validate_on_submit():
        enterprise = None
        if form.siret.data:
            enterprise = db.session.scalar(
                select(Enterprise).where(Enterprise.siret == form.siret.data)
            )
        elif form.enterprise.data:
            enterprise = db.session.get(Enterprise, int(form.enterprise.data))
        if enterprise is None or not queries.is_member(event, enterprise):
            form.siret.errors.append(_("Aucune entreprise membre du réseau n'a ce SIRET."))
        else:
            try:
                organising.register_member(
                    db.session,
                    current_user,
                    event,
                    enterprise,
                    contact_email=form.contact_email.data,
                    pitch=form.pitch.data,
                )
            except organising.AlreadyRegistered:
                form.siret.errors.append(_("Cette entreprise est déjà inscrite."))
            except organising.RegistrationClosed:
                form.siret.errors.append(
                    _("Cet événement ne prend pas d'inscription d'entreprise.")
                )
            else:
                flash(_("%(name)s est inscrite.", name=enterprise.display_name), "success")
                return redirect(url_for("events.participants", event_id=event.id))
    return _participants_page(event, form, 400)


@blueprint.route("/<int:event_id>/participants/import", methods=["GET", "POST"])
@requires("organise_events")
def import_participants(event_id: int):
    event = _organised(event_id)
    form = RegistrationImportForm()
    report = None
    if form.validate_on_submit():
        try:
            report = organising.import_registrations(
                db.session, current_user, event, form.file.data.read()
            )
        except ImportFileError as exc:
            form.file.errors.append(
                _("Fichier refusé, rien n'a été importé : %(reason)s", reason=str(exc)[:300])
            )
        except organising.RegistrationClosed:
            form.file.errors.append(_("Cet événement est clôturé : rien n'a été importé."))
    status = 400 if form.errors or (report and report.rejected) else 200
    return render_template("events/import.html", event=event, form=form, report=report), status


@blueprint.route("/<int:event_id>/invitations", methods=["GET", "POST"])
@requires("organise_events")
def invitations(event_id: int):
    event = _organised(event_id)
    members = queries.network_members(db.session, event)
    form = InvitationForm()
    form.enterprises.choices = [SelectChoice(e.id, e.display_name) for e in members]
    report = None
    if form.validate_on_submit():
        report = organising.invite_members(
            db.session, current_user, event, form.enterprises.data or None
        )
        flash(
            ngettext(
                "%(num)s invitation envoyée.", "%(num)s invitations envoyées.", len(report.sent)
            ),
            "success",
        )
    registered = {p.enterprise_id for p in event.participants if p.status != "cancelled"}
    return render_template(
        "events/invite.html",
        event=event,
        form=form,
        report=report,
        members=members,
        registered=registered,
        invited=queries.invited_enterprise_ids(db.session, event),
        claimed=queries.claimed_enterprise_ids(db.session, members),
    ), (400 if form.errors else 200)
