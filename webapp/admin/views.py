"""``/admin``: plain pages for administrators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from webapp import mail
from webapp.admin import merge as merging
from webapp.admin import services
from webapp.admin.forms import BuyerOrganisationForm, FacilitatorForm, MergeForm
from webapp.auth.forms import EmptyForm
from webapp.claims import services as claims
from webapp.claims.forms import DecisionForm
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    BuyerOrganisation,
    Claim,
    Enterprise,
    LabelDeclaration,
    Network,
    NetworkMembershipRequest,
    User,
)
from webapp.permissions import requires

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@blueprint.route("/")
@requires("administer")
def index():
    counts = {
        "users": _count(User),
        "enterprises": _count(Enterprise),
        "claims": _count(Claim, Claim.status == "pending"),
        "labels": _count(LabelDeclaration, LabelDeclaration.verified.is_(False)),
        "memberships": _count(
            NetworkMembershipRequest, NetworkMembershipRequest.status == "pending"
        ),
        "events": _count(AuditEvent),
    }
    return render_template("admin/index.html", counts=counts)


# --- Users -----------------------------------------------------------------------------------


def _network_choices() -> list[SelectChoice]:
    return [
        SelectChoice(n.slug, n.brand or n.name)
        for n in db.session.scalars(select(Network).order_by(Network.name))
    ]


@blueprint.route("/utilisateurs")
@requires("administer")
def users():
    q = request.args.get("q", "").strip()[:100]
    query = select(User).order_by(User.email)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(User.email).like(pattern), func.lower(User.full_name).like(pattern))
        )
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    facilitator_form = FacilitatorForm()
    facilitator_form.network.choices = _network_choices()
    return render_template(
        "admin/users.html",
        page=page,
        q=q,
        form=EmptyForm(),
        facilitator_form=facilitator_form,
        buyer_form=BuyerOrganisationForm(),
    )


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _back_to_users():
    return redirect(url_for("admin.users", q=request.args.get("q") or None))


@blueprint.route("/utilisateurs/<int:user_id>/actif", methods=["POST"])
@requires("administer")
def toggle_active(user_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_active(db.session, current_user, user, not user.is_active_account)
    except services.OwnAccount:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "warning")
        return _back_to_users()
    flash(_("Compte activé.") if user.is_active_account else _("Compte désactivé."), "success")
    return _back_to_users()


@blueprint.route("/utilisateurs/<int:user_id>/admin", methods=["POST"])
@requires("administer")
def toggle_admin(user_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_admin(db.session, current_user, user, not user.is_admin)
    except services.OwnAccount:
        flash(_("Vous ne pouvez pas retirer vos propres droits."), "warning")
        return _back_to_users()
    flash(
        _("Droits d'administration accordés.")
        if user.is_admin
        else _("Droits d'administration retirés."),
        "success",
    )
    return _back_to_users()


@blueprint.route("/utilisateurs/<int:user_id>/animateur", methods=["POST"])
@requires("administer")
def add_facilitator(user_id: int):
    user = _user_or_404(user_id)
    form = FacilitatorForm()
    form.network.choices = _network_choices()
    if not form.validate_on_submit():
        abort(400)
    network = db.session.scalar(select(Network).where(Network.slug == form.network.data))
    services.add_facilitator(db.session, current_user, user, network)
    flash(
        _(
            "%(name)s anime désormais le réseau %(network)s.",
            name=user.full_name,
            network=network.brand or network.name,
        ),
        "success",
    )
    return _back_to_users()


@blueprint.route("/utilisateurs/<int:user_id>/acheteur", methods=["POST"])
@requires("administer")
def add_buyer(user_id: int):
    """Attach a person to an existing buyer organisation (registration never does)."""
    user = _user_or_404(user_id)
    form = BuyerOrganisationForm()
    if not form.validate_on_submit():
        flash(_("SIRET invalide."), "danger")
        return _back_to_users()
    organisation = db.session.scalar(
        select(BuyerOrganisation).where(BuyerOrganisation.siret == form.siret.data)
    )
    if organisation is None:
        flash(_("Aucune organisation acheteuse n'a ce SIRET."), "danger")
        return _back_to_users()
    services.attach_buyer(db.session, current_user, user, organisation)
    flash(
        _(
            "%(name)s est rattaché(e) à %(organisation)s.",
            name=user.full_name,
            organisation=organisation.name,
        ),
        "success",
    )
    return _back_to_users()


@blueprint.route("/utilisateurs/<int:user_id>/animateur/<int:network_id>/retirer", methods=["POST"])
@requires("administer")
def remove_facilitator(user_id: int, network_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    role = next((r for r in user.network_roles if r.network_id == network_id), None)
    if role is None:
        abort(404)
    services.remove_facilitator(db.session, current_user, user, role)
    flash(_("Rôle d'animateur retiré."), "success")
    return _back_to_users()


# --- Claims ----------------------------------------------------------------------------------


@blueprint.route("/revendications")
@requires("administer")
def claims_list():
    pending = db.session.scalars(
        select(Claim).where(Claim.status == "pending").order_by(Claim.created_at)
    ).all()
    return render_template("admin/claims.html", claims=pending, form=DecisionForm())


@blueprint.route("/revendications/<int:claim_id>", methods=["POST"])
@requires("administer")
def decide_claim(claim_id: int):
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if claim.user_id == current_user.id:
        flash(_("Vous ne pouvez pas décider de votre propre demande."), "warning")
        return redirect(url_for("admin.claims_list"))
    try:
        claims.decide(db.session, claim, current_user, form.decision.data == "approve")
    except claims.ClaimError as exc:
        flash(str(exc), "warning")
    else:
        flash(
            _("Demande acceptée.") if claim.status == "approved" else _("Demande refusée."),
            "success",
        )
    return redirect(url_for("admin.claims_list"))


# --- Labels ----------------------------------------------------------------------------------


@blueprint.route("/labels")
@requires("administer")
def labels():
    pending = db.session.scalars(
        select(LabelDeclaration)
        .where(LabelDeclaration.verified.is_(False))
        .order_by(LabelDeclaration.created_at)
    ).all()
    return render_template("admin/labels.html", declarations=pending, form=DecisionForm())


@blueprint.route("/labels/<int:declaration_id>", methods=["POST"])
@requires("administer")
def decide_label(declaration_id: int):
    declaration = db.session.get(LabelDeclaration, declaration_id)
    if declaration is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if declaration.verified:
        flash(_("Ce label est déjà vérifié."), "info")
        return redirect(url_for("admin.labels"))
    enterprise, label = declaration.enterprise, declaration.label
    members = claims.members_of(enterprise, db.session)
    verified = form.decision.data == "approve"
    if verified:
        services.verify_label(db.session, current_user, declaration)
    else:
        services.refuse_label(db.session, current_user, declaration)
    mail.send(
        [m.email for m in members],
        _(
            "Label %(label)s : %(result)s",
            label=label.name,
            result=_("vérifié") if verified else _("non retenu"),
        ),
        "label_decided",
        enterprise=enterprise,
        label=label,
        verified=verified,
    )
    flash(_("Label vérifié.") if verified else _("Déclaration refusée."), "success")
    return redirect(url_for("admin.labels"))


# --- Merges ----------------------------------------------------------------------------------


def _by_siret(siret: str) -> Enterprise | None:
    return db.session.scalar(select(Enterprise).where(Enterprise.siret == siret))


@blueprint.route("/fusion", methods=["GET", "POST"])
@requires("administer")
def merge():
    form = MergeForm()
    preview = kept = duplicate = None
    if form.validate_on_submit():
        kept, duplicate = _by_siret(form.kept.data), _by_siret(form.duplicate.data)
        if kept is None:
            form.kept.errors.append(_("Aucune entreprise n'a ce SIRET."))
        if duplicate is None:
            form.duplicate.errors.append(_("Aucune entreprise n'a ce SIRET."))
        elif kept is not None and kept.id == duplicate.id:
            form.duplicate.errors.append(_("Choisissez deux fiches différentes."))
    if form.is_submitted() and not form.errors:
        if form.step.data == "merge":
            duplicate_siret = duplicate.siret
            services.merge_enterprises(db.session, current_user, kept, duplicate)
            flash(
                _(
                    "La fiche %(dup)s a été fusionnée dans %(kept)s.",
                    dup=duplicate_siret,
                    kept=kept.siret,
                ),
                "success",
            )
            return redirect(url_for("directory.profile", siret=kept.siret))
        preview = merging.preview(db.session, kept, duplicate)
    status = 400 if form.errors else 200
    return render_template(
        "admin/merge.html", form=form, preview=preview, kept=kept, duplicate=duplicate
    ), status


# --- Audit trail -----------------------------------------------------------------------------


@blueprint.route("/journal")
@requires("administer")
def audit():
    filters = {key: request.args.get(key, "").strip()[:120] for key in ("siret", "actor", "action")}
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if filters["siret"]:
        query = query.where(AuditEvent.siret == "".join(filters["siret"].split()))
    if filters["actor"]:
        query = query.where(func.lower(AuditEvent.actor).like(f"%{filters['actor'].lower()}%"))
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    return render_template(
        "admin/audit.html",
        page=page,
        filters=filters,
        actions=actions,
        args={k: v for k, v in filters.items() if v},
    )
