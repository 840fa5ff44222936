"""Enterprise self-service pages: a dashboard and one small form per section of the
profile. Every view: ``@requires("manage_enterprise")``, then the enterprise by SIRET (404
when unknown) and ``can_manage_enterprise`` (403 for someone else's). Each write is one
call to ``webapp.self_service.services``, which commits; a GET only reads
(``webapp.self_service.queries``, ``webapp.self_service.divisions``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from domain.completeness import completeness, facts_of
from domain.kinds import KINDS_BY_CODE, PRESTA_TYPES
from webapp.auth.forms import EmptyForm
from webapp.directory.zones import describe_zone
from webapp.extensions import db
from webapp.intentions.services import place_name
from webapp.markdown import render_markdown
from webapp.models import (
    ClientReference,
    Label,
    LabelDeclaration,
    Network,
    NetworkMembershipRequest,
    Offer,
    Sector,
    SectorGroup,
)
from webapp.permissions import can_manage_enterprise, ensure, requires
from webapp.self_service import divisions, queries, services
from webapp.self_service.forms import (
    CapacityForm,
    DescriptionForm,
    IdentityForm,
    LabelForm,
    NetworkForm,
    OfferForm,
    ReferenceForm,
    SectorForm,
    ZoneForm,
)
from webapp.services import digest
from webapp.services.changes import actor_of

blueprint = Blueprint("self_service", __name__, url_prefix="/espace/entreprises/<siret>")

MANAGE = "manage_enterprise"

# (endpoint, menu label), in the order of the menu.
SECTIONS = (
    ("self_service.dashboard", _l("Tableau de bord")),
    ("self_service.identity", _l("Identité et contact")),
    ("self_service.description", _l("Présentation")),
    ("self_service.sectors", _l("Secteurs d'activité")),
    ("self_service.offers", _l("Offres")),
    ("self_service.zone", _l("Zone d'intervention")),
    ("self_service.capacity", _l("Capacité")),
    ("self_service.references", _l("Références clients")),
    ("self_service.labels", _l("Labels")),
    ("self_service.networks", _l("Réseaux")),
)

ACTION_LABELS = {
    "identity": _l("Identité modifiée"),
    "description": _l("Présentation modifiée"),
    "offer_create": _l("Offre ajoutée"),
    "offer_update": _l("Offre modifiée"),
    "offer_delete": _l("Offre supprimée"),
    "reference_create": _l("Référence ajoutée"),
    "reference_update": _l("Référence modifiée"),
    "reference_delete": _l("Référence supprimée"),
    "zone": _l("Zone d'intervention modifiée"),
    "capacity": _l("Capacité modifiée"),
    "label_declare": _l("Label déclaré"),
    "label_withdraw": _l("Label retiré"),
    "network_request": _l("Adhésion à un réseau demandée"),
    "network_cancel": _l("Demande d'adhésion annulée"),
    "network_leave": _l("Réseau quitté"),
    "sector_confirm": _l("Secteur confirmé"),
    "sector_reject": _l("Secteur écarté"),
    "sector_declare": _l("Secteur ajouté"),
}


@blueprint.context_processor
def _menu():
    return {"sections": SECTIONS, "action_labels": ACTION_LABELS}


def _enterprise(siret: str):
    enterprise = queries.find_enterprise(db.session, siret)
    if enterprise is None:
        abort(404)
    ensure(can_manage_enterprise(current_user, enterprise))
    return enterprise


def _actor() -> str:
    return actor_of(current_user)


def _saved(enterprise, message: str, endpoint: str, **values):
    """After a write (committed and published by its service): say so and go back to the
    section."""
    flash(message, "success")
    return redirect(url_for(endpoint, siret=enterprise.siret, **values))


def _page(template: str, enterprise, form=None, status: int | None = None, **context):
    if status is None:
        status = 400 if form is not None and form.errors else 200
    return render_template(template, enterprise=enterprise, form=form, **context), status


def _form_page(enterprise, form, title: str, active: str, **context):
    return _page(
        "self_service/form.html", enterprise, form, page_title=title, active=active, **context
    )


# --- Dashboard -----------------------------------------------------------------------------


@blueprint.route("/")
@requires(MANAGE)
def dashboard(siret: str):
    enterprise = _enterprise(siret)
    return _page(
        "self_service/dashboard.html",
        enterprise,
        page_title=_("Gérer la fiche"),
        active="self_service.dashboard",
        score=completeness(facts_of(enterprise), _),
        events=queries.recent_events(db.session, enterprise),
        kind=KINDS_BY_CODE[enterprise.kind],
        opportunities=queries.opportunities(db.session, enterprise),
        intention_url=digest.intention_url,
        place_label=lambda intention: place_name(db.session, intention),
    )


# --- Identity and description ---------------------------------------------------------------

IDENTITY_FIELDS = (
    "name",
    "brand",
    "legal_form",
    "address",
    "post_code",
    "city",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
)


@blueprint.route("/identite", methods=["GET", "POST"])
@requires(MANAGE)
def identity(siret: str):
    enterprise = _enterprise(siret)
    form = IdentityForm(obj=enterprise)
    if form.validate_on_submit():
        values = {name: form[name].data for name in IDENTITY_FIELDS}
        try:
            services.update_identity(db.session, enterprise, _actor(), values)
        except services.UnknownCommune:
            form.city.errors.append(
                _("Aucune commune de ce nom n'a ce code postal : vérifiez l'un et l'autre.")
            )
        else:
            return _saved(enterprise, _("Identité enregistrée."), "self_service.identity")
    return _form_page(
        enterprise,
        form,
        _("Identité et contact"),
        "self_service.identity",
        readonly={
            _("SIRET"): enterprise.siret,
            _("Type de structure"): KINDS_BY_CODE[enterprise.kind].label,
        },
    )


@blueprint.route("/presentation", methods=["GET", "POST"])
@requires(MANAGE)
def description(siret: str):
    enterprise = _enterprise(siret)
    form = DescriptionForm(obj=enterprise)
    if form.validate_on_submit():
        services.update_description(db.session, enterprise, _actor(), form.description.data)
        return _saved(enterprise, _("Présentation enregistrée."), "self_service.description")
    return _form_page(
        enterprise,
        form,
        _("Présentation"),
        "self_service.description",
        preview=render_markdown(enterprise.description),
    )


# --- Offers --------------------------------------------------------------------------------


def _sector_choices(blank: str | None = None, exclude=frozenset()) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    for group in db.session.scalars(select(SectorGroup).order_by(SectorGroup.name)):
        choices.extend(
            SelectChoice(str(sector.id), sector.name, optgroup=group.name)
            for sector in group.sectors
            if sector.id not in exclude
        )
    return choices


def _offer(enterprise, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.enterprise_id != enterprise.id:
        abort(404)
    return offer


@blueprint.route("/offres")
@requires(MANAGE)
def offers(siret: str):
    enterprise = _enterprise(siret)
    return _page(
        "self_service/offers.html",
        enterprise,
        EmptyForm(),
        page_title=_("Offres"),
        active="self_service.offers",
        presta_labels=PRESTA_TYPES,
    )


@blueprint.route("/offres/nouvelle", methods=["GET", "POST"], defaults={"offer_id": None})
@blueprint.route("/offres/<int:offer_id>", methods=["GET", "POST"])
@requires(MANAGE)
def edit_offer(siret: str, offer_id: int | None):
    enterprise = _enterprise(siret)
    offer = _offer(enterprise, offer_id) if offer_id is not None else None
    form = OfferForm(obj=offer)
    form.sector.choices = _sector_choices(_("— aucun en particulier —"))
    if request.method == "GET" and offer is not None:
        form.sector.data = str(offer.sector_id) if offer.sector_id else ""
    if form.validate_on_submit():
        values = {
            "title": form.title.data,
            "description": form.description.data,
            "presta_type": form.presta_type.data,
            "sector_id": int(form.sector.data) if form.sector.data else None,
        }
        services.save_offer(db.session, enterprise, _actor(), offer, values)
        return _saved(enterprise, _("Offre enregistrée."), "self_service.offers")
    title = _("Nouvelle offre") if offer is None else _("Modifier l'offre")
    return _form_page(
        enterprise,
        form,
        title,
        "self_service.offers",
        cancel_url=url_for("self_service.offers", siret=enterprise.siret),
    )


@blueprint.route("/offres/<int:offer_id>/supprimer", methods=["POST"])
@requires(MANAGE)
def delete_offer(siret: str, offer_id: int):
    enterprise = _enterprise(siret)
    offer = _offer(enterprise, offer_id)
    services.delete_offer(db.session, enterprise, _actor(), offer)
    return _saved(enterprise, _("Offre supprimée."), "self_service.offers")


# --- Client references ---------------------------------------------------------------------


def _reference(enterprise, reference_id: int) -> ClientReference:
    reference = db.session.get(ClientReference, reference_id)
    if reference is None or reference.enterprise_id != enterprise.id:
        abort(404)
    return reference


@blueprint.route("/references")
@requires(MANAGE)
def references(siret: str):
    enterprise = _enterprise(siret)
    return _page(
        "self_service/references.html",
        enterprise,
        EmptyForm(),
        page_title=_("Références clients"),
        active="self_service.references",
    )


@blueprint.route("/references/nouvelle", methods=["GET", "POST"], defaults={"reference_id": None})
@blueprint.route("/references/<int:reference_id>", methods=["GET", "POST"])
@requires(MANAGE)
def edit_reference(siret: str, reference_id: int | None):
    enterprise = _enterprise(siret)
    reference = _reference(enterprise, reference_id) if reference_id is not None else None
    form = ReferenceForm(obj=reference)
    if form.validate_on_submit():
        values = {
            name: form[name].data for name in ("client_name", "description", "year", "amount_eur")
        }
        services.save_reference(db.session, enterprise, _actor(), reference, values)
        return _saved(enterprise, _("Référence enregistrée."), "self_service.references")
    title = _("Nouvelle référence") if reference is None else _("Modifier la référence")
    return _form_page(
        enterprise,
        form,
        title,
        "self_service.references",
        cancel_url=url_for("self_service.references", siret=enterprise.siret),
    )


@blueprint.route("/references/<int:reference_id>/supprimer", methods=["POST"])
@requires(MANAGE)
def delete_reference(siret: str, reference_id: int):
    enterprise = _enterprise(siret)
    reference = _reference(enterprise, reference_id)
    services.delete_reference(db.session, enterprise, _actor(), reference)
    return _saved(enterprise, _("Référence supprimée."), "self_service.references")


# --- Capacity ------------------------------------------------------------------------------

CAPACITY_FIELDS = (
    "headcount_total",
    "headcount_inclusion",
    "turnover_eur",
    "turnover_year",
    "largest_contract_eur",
    "volumes",
)


@blueprint.route("/capacite", methods=["GET", "POST"])
@requires(MANAGE)
def capacity(siret: str):
    enterprise = _enterprise(siret)
    form = CapacityForm(obj=enterprise.capacity)
    if form.validate_on_submit():
        values = {name: form[name].data for name in CAPACITY_FIELDS}
        services.update_capacity(db.session, enterprise, _actor(), values)
        return _saved(enterprise, _("Capacité enregistrée."), "self_service.capacity")
    return _form_page(enterprise, form, _("Capacité"), "self_service.capacity")


# --- Zone ----------------------------------------------------------------------------------


@blueprint.route("/zone", methods=["GET", "POST"])
@requires(MANAGE)
def zone(siret: str):
    enterprise = _enterprise(siret)
    current = enterprise.zone
    form = ZoneForm(
        data={
            "kind": current.kind if current else None,
            "divisions": divisions.format_divisions(current),
            "radius_km": current.radius_km if current else None,
        }
    )
    if form.validate_on_submit():
        kind = form.kind.data
        chosen: list[tuple[str, str]] = []
        if kind == "divisions":
            chosen, errors = divisions.parse_divisions(db.session, form.divisions.data)
            if not errors and not chosen:
                errors = [_("Indiquez au moins un territoire.")]
            form.divisions.errors = list(form.divisions.errors) + errors
        if kind == "radius":
            if form.radius_km.data is None:
                form.radius_km.errors = [_("Indiquez un rayon en kilomètres.")]
            elif enterprise.latitude is None:
                form.radius_km.errors = [
                    _("Votre adresse n'est pas localisée : indiquez d'abord votre commune.")
                ]
        if not form.divisions.errors and not form.radius_km.errors:
            services.save_zone(db.session, enterprise, _actor(), kind, chosen, form.radius_km.data)
            return _saved(enterprise, _("Zone d'intervention enregistrée."), "self_service.zone")
    status = 400 if form.errors or request.method == "POST" else 200
    return _page(
        "self_service/zone.html",
        enterprise,
        form,
        status=status,
        page_title=_("Zone d'intervention"),
        active="self_service.zone",
        described=describe_zone(db.session, current),
    )


@blueprint.route("/zone/divisions")
@requires(MANAGE)
def zone_divisions(siret: str):
    _enterprise(siret)
    return jsonify(divisions.suggest_divisions(db.session, request.args.get("q", "")))


# --- Labels --------------------------------------------------------------------------------


@blueprint.route("/labels", methods=["GET", "POST"])
@requires(MANAGE)
def labels(siret: str):
    enterprise = _enterprise(siret)
    declarations = queries.declarations_of(db.session, enterprise)
    declared = {d.label_id for d in declarations}
    form = LabelForm()
    form.label.choices = [SelectChoice("", _("— choisir —"))] + [
        SelectChoice(str(label.id), label.name)
        for label in db.session.scalars(select(Label).order_by(Label.name))
        if label.id not in declared
    ]
    if form.validate_on_submit():
        label = db.session.get(Label, int(form.label.data))
        services.declare_label(db.session, enterprise, _actor(), label, form.evidence_url.data)
        return _saved(
            enterprise, _("Label déclaré : il sera vérifié par l'équipe."), "self_service.labels"
        )
    return _page(
        "self_service/labels.html",
        enterprise,
        form,
        page_title=_("Labels"),
        active="self_service.labels",
        declarations=declarations,
        action_form=EmptyForm(),
    )


@blueprint.route("/labels/<int:declaration_id>/retirer", methods=["POST"])
@requires(MANAGE)
def withdraw_label(siret: str, declaration_id: int):
    enterprise = _enterprise(siret)
    declaration = db.session.get(LabelDeclaration, declaration_id)
    if declaration is None or declaration.enterprise_id != enterprise.id:
        abort(404)
    services.withdraw_label(db.session, enterprise, _actor(), declaration)
    return _saved(enterprise, _("Label retiré."), "self_service.labels")


# --- Networks ------------------------------------------------------------------------------


@blueprint.route("/reseaux", methods=["GET", "POST"])
@requires(MANAGE)
def networks(siret: str):
    enterprise = _enterprise(siret)
    requests_ = queries.network_requests(db.session, enterprise)
    pending = {r.network_id for r in requests_ if r.status == "pending"}
    members = {n.id for n in enterprise.networks}
    form = NetworkForm()
    form.network.choices = [SelectChoice("", _("— choisir —"))] + [
        SelectChoice(str(network.id), network.brand or network.name)
        for network in db.session.scalars(select(Network).order_by(Network.name))
        if network.id not in pending and network.id not in members
    ]
    if form.validate_on_submit():
        network = db.session.get(Network, int(form.network.data))
        services.request_membership(db.session, enterprise, current_user, _actor(), network)
        return _saved(
            enterprise, _("Demande envoyée à l'animateur du réseau."), "self_service.networks"
        )
    return _page(
        "self_service/networks.html",
        enterprise,
        form,
        page_title=_("Réseaux"),
        active="self_service.networks",
        requests=requests_,
        action_form=EmptyForm(),
    )


@blueprint.route("/reseaux/<int:network_id>/quitter", methods=["POST"])
@requires(MANAGE)
def leave_network(siret: str, network_id: int):
    enterprise = _enterprise(siret)
    network = db.session.get(Network, network_id)
    if network is None or network not in enterprise.networks:
        abort(404)
    services.leave_network(db.session, enterprise, _actor(), network)
    return _saved(enterprise, _("Vous avez quitté le réseau."), "self_service.networks")


@blueprint.route("/reseaux/demandes/<int:request_id>/annuler", methods=["POST"])
@requires(MANAGE)
def cancel_network_request(siret: str, request_id: int):
    enterprise = _enterprise(siret)
    membership_request = db.session.get(NetworkMembershipRequest, request_id)
    if (
        membership_request is None
        or membership_request.enterprise_id != enterprise.id
        or membership_request.status != "pending"
    ):
        abort(404)
    services.cancel_request(db.session, enterprise, _actor(), membership_request)
    return _saved(enterprise, _("Demande annulée."), "self_service.networks")


# --- Sectors -------------------------------------------------------------------------------


@blueprint.route("/secteurs", methods=["GET", "POST"])
@requires(MANAGE)
def sectors(siret: str):
    enterprise = _enterprise(siret)
    confirmed = {row.sector_id for row in enterprise.sectors if row.status == "confirmed"}
    form = SectorForm()
    form.sector.choices = _sector_choices(_("— choisir —"), exclude=confirmed)
    if form.validate_on_submit():
        sector = db.session.get(Sector, int(form.sector.data))
        services.declare_sector(db.session, enterprise, _actor(), sector)
        return _saved(enterprise, _("Secteur ajouté."), "self_service.sectors")
    rows = sorted(enterprise.sectors, key=lambda row: (row.status != "suggested", row.sector.name))
    return _page(
        "self_service/sectors.html",
        enterprise,
        form,
        page_title=_("Secteurs d'activité"),
        active="self_service.sectors",
        rows=rows,
        action_form=EmptyForm(),
    )


@blueprint.route("/secteurs/<int:sector_id>/confirmer", methods=["POST"])
@requires(MANAGE)
def confirm_sector(siret: str, sector_id: int):
    return _decide_sector(siret, sector_id, "confirmed", _("Secteur confirmé."))


@blueprint.route("/secteurs/<int:sector_id>/ecarter", methods=["POST"])
@requires(MANAGE)
def reject_sector(siret: str, sector_id: int):
    return _decide_sector(siret, sector_id, "rejected", _("Secteur écarté."))


def _decide_sector(siret: str, sector_id: int, status: str, message: str):
    enterprise = _enterprise(siret)
    row = services.sector_row(enterprise, sector_id)
    if row is None:
        abort(404)
    services.set_sector_status(db.session, enterprise, _actor(), row, status)
    return _saved(enterprise, message, "self_service.sectors")
