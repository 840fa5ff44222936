"""``/espace/reseaux/<slug>/``: a facilitator curates their network's members."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from domain.completeness import completeness, facts_of
from importers.enterprise_lists import parse_enterprise_list, parse_mapping
from importers.enterprise_loader import ReferenceDataMissing, load_enterprises
from importers.tabular import ImportFileError
from webapp import mail
from webapp.claims.forms import DecisionForm
from webapp.claims.services import members_of
from webapp.extensions import db
from webapp.facilitators.forms import DEFAULT_MAPPING, ImportForm, InviteForm
from webapp.models import (
    Claim,
    Enterprise,
    EnterpriseMembership,
    Network,
    NetworkMembershipRequest,
)
from webapp.models.enterprise import enterprise_network
from webapp.permissions import ADMIN, can_facilitate, ensure, requires, roles_of
from webapp.services import audit
from webapp.services.changes import actor_of, publish, record_change

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
    enterprise = request_.enterprise
    request_.decided_by_id = current_user.id
    request_.decided_at = datetime.now(UTC)
    if form.decision.data == "approve":
        request_.status = "approved"
        before = [n.slug for n in enterprise.networks]
        if network_ not in enterprise.networks:
            enterprise.networks.append(network_)
        record_change(
            db.session,
            enterprise,
            actor_of(current_user),
            "network_confirmed",
            {"networks": [before, [n.slug for n in enterprise.networks]]},
        )
        db.session.commit()
        publish(db.session)
        flash(
            _("%(name)s fait désormais partie du réseau.", name=enterprise.display_name), "success"
        )
    else:
        request_.status = "refused"
        audit.record(
            db.session,
            enterprise,
            actor_of(current_user),
            "network_refused",
            {"network": network_.slug},
        )
        db.session.commit()
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
        enterprise = db.session.scalar(
            select(Enterprise).where(Enterprise.siret == form.siret.data)
        )
        if enterprise is None or network_ not in enterprise.networks:
            form.siret.errors.append(_("Aucune entreprise de votre réseau n'a ce SIRET."))
        else:
            email = form.email.data.strip().lower()
            audit.record(
                db.session,
                enterprise,
                actor_of(current_user),
                "invite",
                {"email": email, "network": network_.slug},
            )
            db.session.commit()
            mail.send(
                [email],
                _("Invitation à gérer la fiche de %(name)s", name=enterprise.display_name),
                "claim_invite",
                enterprise=enterprise,
                network=network_,
                inviter=current_user,
                link=mail.external_url("claims.claim", siret=enterprise.siret),
            )
            flash(_("Invitation envoyée à %(email)s.", email=email), "success")
            return redirect(url_for("facilitators.network", slug=slug))
    status = 400 if form.errors else 200
    return render_template("facilitators/invite.html", network=network_, form=form), status


def _keep_out_managed_enterprises(network_: Network, parsed) -> None:
    """A list may name any SIRET: an enterprise managed by its own people and outside this
    network is neither rewritten nor joined to it (administrators excepted); its row is
    reported as rejected."""
    if ADMIN in roles_of(current_user) or not parsed.records:
        return
    sirets = {r.siret for r in parsed.records}
    managed = set(
        db.session.scalars(
            select(Enterprise.siret)
            .join(EnterpriseMembership, EnterpriseMembership.enterprise_id == Enterprise.id)
            .where(Enterprise.siret.in_(sirets))
            .where(
                ~Enterprise.id.in_(
                    select(enterprise_network.c.enterprise_id).where(
                        enterprise_network.c.network_id == network_.id
                    )
                )
            )
        )
    )
    if not managed:
        return
    kept = []
    for record in parsed.records:
        if record.siret in managed:
            parsed.reject(
                record.line,
                _("fiche gérée par l'entreprise, hors de votre réseau : non modifiée"),
                record.siret,
            )
        else:
            kept.append(record)
    parsed.records = kept


@blueprint.route("/importer", methods=["GET", "POST"])
@requires("facilitate_network")
def import_members(slug: str):
    network_ = network_or_404(slug)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read()
        source = f"réseau {network_.slug}"[:40]
        try:
            parsed = parse_enterprise_list(
                io.BytesIO(data),
                parse_mapping(form.mapping.data or DEFAULT_MAPPING),
                source_name=source,
                default_kind=form.kind.data or None,
                networks=(network_.slug,),
            )
            _keep_out_managed_enterprises(network_, parsed)
            report = load_enterprises(
                db.session, parsed, source=source, actor=actor_of(current_user)
            )
        except ImportFileError as exc:
            db.session.rollback()
            form.file.errors.append(
                _("Fichier refusé, rien n'a été importé : %(reason)s", reason=str(exc))
            )
        except (ReferenceDataMissing, SQLAlchemyError) as exc:
            db.session.rollback()
            form.file.errors.append(
                _("Import impossible, rien n'a été importé : %(reason)s", reason=str(exc)[:300])
            )
        else:
            publish(db.session)
    status = 400 if form.errors else 200
    return render_template(
        "facilitators/import.html", network=network_, form=form, report=report
    ), status
