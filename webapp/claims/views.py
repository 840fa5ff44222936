"""Claiming a profile (``/entreprises/<siret>/revendiquer``) and deciding claims
(``/espace/revendications/...``)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.claims import services
from webapp.claims.forms import ClaimForm, DecisionForm
from webapp.extensions import db
from webapp.models import Claim, Enterprise
from webapp.permissions import ensure, requires

blueprint = Blueprint("claims", __name__)


def enterprise_or_404(siret: str) -> Enterprise:
    compact = re.sub(r"\s", "", siret)
    if not re.fullmatch(r"[0-9]{14}", compact):
        abort(404)
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.siret == compact))
    if enterprise is None:
        abort(404)
    return enterprise


@blueprint.route("/entreprises/<siret>/revendiquer", methods=["GET", "POST"])
@requires("claim_enterprise")
def claim(siret: str):
    enterprise = enterprise_or_404(siret)
    profile_url = url_for("directory.profile", siret=enterprise.siret)
    if services.is_member(current_user, enterprise):
        flash(_("Vous gérez déjà cette fiche."), "info")
        return redirect(profile_url)
    pending = services.pending_claim(db.session, current_user, enterprise)
    form = ClaimForm()
    if pending is None and form.validate_on_submit():
        try:
            made = services.submit_claim(db.session, current_user, enterprise, form.message.data)
        except services.ClaimError as exc:
            flash(str(exc), "warning")
            return redirect(profile_url)
        if made.status == "approved":
            flash(
                _(
                    "Votre adresse e-mail correspond au site de l'entreprise : vous gérez "
                    "désormais cette fiche."
                ),
                "success",
            )
        else:
            flash(
                _(
                    "Votre demande est enregistrée ; vous recevrez un e-mail dès qu'elle "
                    "sera traitée."
                ),
                "success",
            )
        return redirect(profile_url)
    status = 400 if form.errors else 200
    return render_template(
        "claims/claim.html", enterprise=enterprise, form=form, pending=pending
    ), status


@blueprint.route("/espace/revendications/")
@requires("decide_claim")
def inbox():
    return render_template(
        "claims/inbox.html", claims=services.claims_for(db.session, current_user)
    )


@blueprint.route("/espace/revendications/<int:claim_id>", methods=["GET", "POST"])
@requires("decide_claim")
def decide(claim_id: int):
    claim_ = db.session.get(Claim, claim_id)
    if claim_ is None:
        abort(404)
    ensure(services.can_decide(current_user, claim_))
    form = DecisionForm()
    if claim_.status == "pending" and form.validate_on_submit():
        try:
            services.decide(db.session, claim_, current_user, form.decision.data == "approve")
        except services.ClaimError as exc:
            flash(str(exc), "warning")
        else:
            flash(
                _("Demande acceptée.") if claim_.status == "approved" else _("Demande refusée."),
                "success",
            )
        return redirect(url_for("claims.decide", claim_id=claim_.id))
    status = 400 if form.errors else 200
    return render_template("claims/decide.html", claim=claim_, form=form), status
