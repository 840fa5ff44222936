"""Directory pages: the list of enterprises and each enterprise's profile."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from domain.kinds import ESS_STATUSES, FAMILY_LABELS, KINDS_BY_CODE, PRESTA_TYPES
from webapp.directory.forms import filter_form
from webapp.directory.queries import active_enterprises, filter_enterprises, profile_query
from webapp.directory.zones import describe_zone, zone_extent
from webapp.extensions import db
from webapp.markdown import render_markdown
from webapp.models import AuditEvent, NafCode
from webapp.permissions import ANONYMOUS, can_manage_enterprise, requires, roles_of

blueprint = Blueprint("directory", __name__, url_prefix="/entreprises")

# Beyond this, a page number is a typo or a probe (and would overflow an SQL OFFSET).
MAX_PAGE = 10_000


@blueprint.route("/")
@requires("view_public")
def list_enterprises():
    form = filter_form(request.args)
    valid = form.validate()
    # Invalid values are shown as field errors and ignored; valid ones still filter.
    query = filter_enterprises(
        active_enterprises(),
        kinds=[] if form.kind.errors else form.kind.data or [],
        departement=None if form.departement.errors else form.departement.data or None,
        sector_slug=None if form.sector.errors else form.sector.data or None,
    )
    page = db.paginate(
        query,
        page=min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
        per_page=current_app.config["ENTERPRISES_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "directory/list.html", form=form, page=page, valid=valid, kinds=KINDS_BY_CODE
    ), (200 if valid else 400)


@blueprint.route("/<siret>")
@requires("view_public")
def profile(siret: str):
    compact = re.sub(r"\s", "", siret)
    if not re.fullmatch(r"[0-9]{14}", compact):
        abort(404)
    enterprise = db.session.scalar(profile_query(compact))
    if enterprise is None:
        abort(404)
    naf = db.session.get(NafCode, enterprise.naf_code) if enterprise.naf_code else None
    last_change = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.enterprise_id == enterprise.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    kind = KINDS_BY_CODE[enterprise.kind]
    markers = []
    if enterprise.latitude is not None:
        markers.append(
            {
                "lat": enterprise.latitude,
                "lon": enterprise.longitude,
                "label": enterprise.display_name,
                "url": url_for("directory.profile", siret=enterprise.siret),
            }
        )
    zone = describe_zone(db.session, enterprise.zone)
    circle = None
    if enterprise.zone and enterprise.zone.kind == "radius" and markers:
        circle = {
            "lat": enterprise.latitude,
            "lon": enterprise.longitude,
            "radius_km": enterprise.zone.radius_km,
        }
    return render_template(
        "directory/profile.html",
        enterprise=enterprise,
        kind=kind,
        family_label=FAMILY_LABELS[kind.family],
        naf=naf,
        zone=zone,
        markers=markers,
        circle=circle,
        area=zone_extent(db.session, enterprise.zone),
        last_change=last_change,
        ess_label=ESS_STATUSES.get(enterprise.ess_status),
        presta_labels=PRESTA_TYPES,
        description_html=render_markdown(enterprise.description),
        can_manage=can_manage_enterprise(current_user, enterprise),
        show_contact=ANONYMOUS not in roles_of(current_user),
        sectors=sorted(
            (s for s in enterprise.sectors if s.status != "rejected"),
            key=lambda s: (-s.confidence, s.sector.name),
        ),
    )
