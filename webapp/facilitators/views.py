"""``/espace/reseaux/<slug>/``: a facilitator curates their network's members. The GET
pages only read; each write is one call to ``webapp.facilitators.services``, which
commits."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from domain.completeness import completeness, facts_of
from importers.enterprise_loader import ReferenceDataMissing
from importers.tabular import ImportFileError
from webapp.claims.forms import DecisionForm
from webapp.claims.services import members_of
from webapp.extensions import db
from webapp.facilitators import services
from webapp.facilitators.forms import DEFAULT_MAPPING, ImportForm, InviteForm
from webapp.models import Claim, Enterprise, Network, NetworkMembershipRequest
from webapp.models.enterprise import enterprise_network
from webapp.permissions import can_facilitate, ensure, requires

blueprint = Blueprint("facilitators", __name__, url_prefix="/espace/reseaux/<slug>")


def network_or_404(slug: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        abort(404)
    ensure(can_facilitate(current_user, network))
    return network


def member_rows(network: Network) -> list[dict]:
    enterprises = db.session.scalars(
        select(Enterprise)
        .join(enterprise_network, enterprise_network.c.enterprise_id == Enterprise.id)
        .where(enterprise_network.c.network_id == network.id)
        .options(
            selectinload(Enterprise.sectors),
            selectinload(Enterprise.offers),
            selectinload(Enterprise.zone),
            selectinload(Enterprise.capacity),
            selectinload(Enterprise.labels),
            selectinload(Enterprise.networks),
            selectinload(Enterprise.client_references),
        )
        .order_by(Enterprise.name)
    )
    return [
        {
            "enterprise": e,
            "score": completeness(facts_of(e)).score,
            "claimed": bool(members_of(e, db.session)),
        }
        for e in enterprises
    ]


@blueprint.route("/")
@requires("facilitate_network")
def network(slug: str):
    network_ = network_or_404(slug)
    requests = db.session.scalars(
        select(NetworkMembershipRequest)
        .where(
            NetworkMembershipRequest.network_id == network_.id,
            NetworkMembershipRequest.status == "pending",
        )
        .order_by(NetworkMembershipRequest.created_at)
    ).all()
    claims = [
        c
        for c in db.session.scalars(
            select(Claim)
            .where(Claim.status == "pending", Claim.method == "facilitator")
            .order_by(Claim.created_at)
        )
        if network_ in c.enterprise.networks
    ]
    return render_template(
        "facilitators/network.html",
        network=network_,
        members=member_rows(network_),
        requests=requests,
        claims=claims,
        form=DecisionForm(),
    )


@blueprint.route("/adhesions/<int:request_id>", methods=["POST"])
@requires("facilitate_network")
def decide_membership(slug: str, request_id: int):
    network_ = network_or_404(slug)
    request_ = db.session.get(NetworkMembershipRequest, request_id)
    if request_ is None or request_.network_id != network_.id:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if request_.status != "pending":
        flash(_("Cette demande a déjà été traitée."), "warning")
        return redirect(url_for("facilitators.network", slug=slug))
    approve = form.decision.data == "approve"
    services.decide_membership(db.session, current_user, request_, approve)
    if approve:
        name = request_.enterprise.display_name
        flash(_("%(name)s fait désormais partie du réseau.", name=name), "success")
    else:
        flash(_("Demande d'adhésion refusée."), "success")
    return redirect(url_for("facilitators.network", slug=slug))


@blueprint.route("/inviter", methods=["GET", "POST"])
@requires("facilitate_network")
def invite(slug: str):
    network_ = network_or_404(slug)
    form = InviteForm()
    if request.method == "GET" and request.args.get("siret"):
        form.siret.data = request.args["siret"][:20]
    if form.validate_on_submit():
        try:
            email = services.invite(
                db.session, current_user, network_, form.siret.data, form.email.data
            )
        except services.NotInNetwork:
            form.siret.errors.append(_("Aucune entreprise de votre réseau n'a ce SIRET."))
        else:
            flash(_("Invitation envoyée à %(email)s.", email=email), "success")
            return redirect(url_for("facilitators.network", slug=slug))
    status = 400 if form.errors else 200
    return render_template("facilitators/invite.html", network=network_, form=form), status


@blueprint.route("/importer", methods=["GET", "POST"])
@requires("facilitate_network")
def import_members(slug: str):
    network_ = network_or_404(slug)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        try:
            report = services.import_members(
                db.session,
                current_user,
                network_,
                form.file.data.read(),
                form.mapping.data or DEFAULT_MAPPING,
                form.kind.data or None,
            )
        except ImportFileError as exc:
            form.file.errors.append(
                _("Fichier refusé, rien n'a été importé : %(reason)s", reason=str(exc))
            )
        except (ReferenceDataMissing, SQLAlchemyError) as exc:
            form.file.errors.append(
                _("Import impossible, rien n'a été importé : %(reason)s", reason=str(exc)[:300])
            )
    status = 400 if form.errors else 200
    return render_template(
        "facilitators/import.html", network=network_, form=form, report=report
    ), status


@blueprint.route("/couverture")
@requires("facilitate_network")
def coverage(slug: str):
    """Where published intentions meet few or none of the network's members (sector ×
    département), on a table and a map, and the members' completeness."""
    from webapp.facilitators import coverage as gaps  # this route's own module (appended)

    network_ = network_or_404(slug)
    groups, regions = gaps.filter_choices(db.session)
    group = request.args.get("groupe", "").strip()[:120] or None
    region = request.args.get("region", "").strip()[:3] or None
    errors = {}
    if group is not None and group not in {g.slug for g in groups}:
        errors["groupe"], group = _("Groupe de secteurs inconnu."), None
    if region is not None and region not in {r.code for r in regions}:
        errors["region"], region = _("Région inconnue."), None
    return render_template(
        "facilitators/coverage.html",
        network=network_,
        result=gaps.coverage(db.session, network_, group, region),
        summary=gaps.completeness_summary(member_rows(network_)),
        groups=groups,
        regions=regions,
        group=group,
        region=region,
        errors=errors,
        threshold=gaps.GAP_THRESHOLD,
        low=gaps.LOW_COMPLETENESS,
    ), 400 if errors else 200
