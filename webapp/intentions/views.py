"""Purchase intentions: the public list and pages with the matcher's verdicts, the
buyers' forms, their list, and the printable sourcing report."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from domain.cpv import default_nomenclature
from webapp import reading_french
from webapp.extensions import db
from webapp.intentions import queries, services
from webapp.intentions.forms import (
    LOT_ROWS,
    PLACE_KIND_LABELS,
    SOCIAL_LABELS,
    IntentionFilterForm,
    IntentionForm,
)
from webapp.matching.present import in_language
from webapp.models import (
    Enterprise,
    MatchRun,
    PurchaseIntention,
    Sector,
    SectorGroup,
)
from webapp.permissions import ensure, requires

blueprint = Blueprint("intentions", __name__)


@blueprint.app_template_filter("cpv_label")
def cpv_label(code: str) -> str | None:
    """The French label of a CPV code ("90911200" -> "Services de nettoyage de bâtiments")."""
    return default_nomenclature().label(code)


PER_PAGE = 20
TOP_IN_REPORT = 20

# French messages for the filters' problems (``queries.PROBLEMS`` has the API's).
FILTER_PROBLEMS = {
    "once": _l("Donnez ce filtre une seule fois."),
    "sector": _l("Secteur inconnu."),
    "place": _l(
        "Lieu non reconnu : departement:59, commune:59350, epci:<SIREN>, region:32 ou national."
    ),
    "date": _l("Date attendue au format AAAA-MM-JJ."),
    "window": _l("La fin de la période précède son début."),
    "reservation": _l("Article de réservation inconnu."),
    "bool": _l("Valeur attendue : oui ou non."),
    "text": _l("Valeur trop longue."),
    "integer": _l("Numéro de page invalide."),
    "unknown": _l("Paramètre inconnu."),
}
RECOMMENDATIONS = {
    "reserve_whole": _l("Réserver tout le marché"),
    "reserve_lot": _l("Réserver un lot"),
    "clause": _l("Clause sociale d'insertion"),
    "nothing": _l("Pas de réservation recommandée"),
}
STATUSES = {"draft": _l("Brouillon"), "published": _l("Publiée"), "closed": _l("Clôturée")}
# The intention service's refusals in the reader's language, by the field they name (its
# own messages are the API's, in English). The form checks the same rules first: these
# are what only the service knows — a place gone from the reference data, an external id
# another intention took meanwhile, an organisation's name too long for an intention.
SERVICE_PROBLEMS = {
    "place": _l("Ce code ne correspond à aucun lieu de ce type."),
    "external_id": _l("Cet identifiant externe est déjà utilisé par une autre intention."),
    "buyer.name": _l("Le nom de l'organisation acheteuse est trop long pour une intention."),
}
OTHER_SERVICE_PROBLEM = _l("Valeur refusée.")
# The form field that shows a refusal of the service's field (the title for the others).
SERVICE_FIELDS = {"place": "place_code", "buyer.name": "organisation", "buyer.type": "organisation"}


@blueprint.app_context_processor
def inject_labels() -> dict:
    return {
        "INTENTION_STATUSES": STATUSES,
        "RECOMMENDATIONS": RECOMMENDATIONS,
        "PLACE_KIND_LABELS": PLACE_KIND_LABELS,
        "SOCIAL_LABELS": SOCIAL_LABELS,
    }


def _sector_choices() -> list[SelectChoice]:
    groups = db.session.scalars(
        select(SectorGroup).order_by(SectorGroup.name).options(selectinload(SectorGroup.sectors))
    )
    return [
        SelectChoice(sector.id, sector.name, optgroup=group.name)
        for group in groups
        for sector in group.sectors
    ]


def _intention(intention_id: int) -> PurchaseIntention:
    """The intention if the visitor may see it; a draft of others does not exist for them."""
    intention = db.session.get(PurchaseIntention, intention_id)
    if intention is None or not services.can_view_intention(current_user, intention):
        abort(404)
    return intention


def _own_intention(intention_id: int) -> PurchaseIntention:
    """An intention the user manages: 404 if they cannot see it, 403 if only see it."""
    intention = _intention(intention_id)
    ensure(services.can_manage_intention(current_user, intention))
    return intention


# --- Public list and page --------------------------------------------------------------------


@blueprint.get("/intentions/")
@requires("view_public")
def list_intentions():
    filters, errors = queries.parse_filters(db.session, request.args)
    form = IntentionFilterForm(request.args)
    form.sector.choices = [SelectChoice("", _("Tous"))] + [
        SelectChoice(s.slug, s.name, optgroup=g.name)
        for g in db.session.scalars(select(SectorGroup).order_by(SectorGroup.name))
        for s in g.sectors
    ]
    sources = db.session.scalars(
        select(PurchaseIntention.source)
        .where(PurchaseIntention.status == "published")
        .distinct()
        .order_by(PurchaseIntention.source)
    ).all()
    form.source.choices = [SelectChoice("", _("Toutes"))] + [SelectChoice(s, s) for s in sources]
    unknown = []
    for name, code in errors.items():
        if name in form and name != "page":
            form[name].errors = [FILTER_PROBLEMS[code]]
        else:
            unknown.append((name, FILTER_PROBLEMS[code]))
    page = None
    if not errors:
        filters.per_page = PER_PAGE
        page = db.paginate(
            queries.filtered_query(db.session, filters),
            page=filters.page,
            per_page=PER_PAGE,
            error_out=False,
        )
    return render_template(
        "intentions/list.html", form=form, page=page, errors=errors, unknown=unknown
    ), (400 if errors else 200)


def _matches(intention: PurchaseIntention) -> dict:
    result = queries.current_matches(db.session, intention)
    if not reading_french():  # stored in French
        result = in_language(db.session, intention, result, _)
    sirets = {s["siret"] for s in result.get("suppliers", [])} | {
        m["siret"] for g in result.get("groups", []) for m in g["members"]
    }
    known = (
        set(db.session.scalars(select(Enterprise.siret).where(Enterprise.siret.in_(sirets))))
        if sirets
        else set()
    )
    return {"result": result, "profiles": known}


@blueprint.get("/intentions/<int:intention_id>")
@requires("view_public")
def intention(intention_id: int):
    intention = _intention(intention_id)
    return render_template(
        "intentions/detail.html",
        intention=intention,
        can_manage=services.can_manage_intention(current_user, intention),
        **_matches(intention),
    )


@blueprint.get("/intentions/<int:intention_id>/rapport")
@requires("manage_intentions")
def report(intention_id: int):
    intention = _own_intention(intention_id)
    matches = _matches(intention)
    return render_template(
        "intentions/report.html",
        intention=intention,
        top=TOP_IN_REPORT,
        computed_at=db.session.scalar(
            select(MatchRun.computed_at).where(MatchRun.intention_id == intention.id)
        ),
        **matches,
    )


# --- Buyers ------------------------------------------------------------------------------------


@blueprint.get("/espace/acheteur/intentions")
@requires("manage_intentions")
def mine():
    organisations = services.organisations_of(db.session, current_user)
    own = [m.organisation_id for m in current_user.buyer_memberships]
    intentions = db.session.scalars(
        select(PurchaseIntention)
        .where(PurchaseIntention.buyer_organisation_id.in_(own))
        .order_by(PurchaseIntention.updated_at.desc(), PurchaseIntention.id.desc())
    ).all()
    return render_template(
        "intentions/mine.html", intentions=intentions, organisations=organisations
    )


def _form(intention: PurchaseIntention | None = None) -> IntentionForm:
    if intention is not None and request.method == "GET":
        lots = {
            f"lot_{n}": {
                "title": lot.title,
                "amount": lot.amount,
                "sectors": [s.id for s in lot.sectors],
            }
            for n, lot in enumerate(intention.lots[:LOT_ROWS], start=1)
        }
        form = IntentionForm(
            obj=intention,
            organisation=intention.buyer_organisation_id,
            cpv_codes=intention.cpv_codes,
            sectors=[s.id for s in intention.sectors],
            **lots,
        )
    else:
        form = IntentionForm()
    choices = _sector_choices()
    form.sectors.choices = choices
    for lot in form.lots:
        lot.form.sectors.choices = choices
    organisations = services.organisations_of(db.session, current_user)
    if intention is not None and intention.organisation not in (None, *organisations):
        organisations.append(intention.organisation)
    form.organisation.choices = [SelectChoice(o.id, o.name) for o in organisations]
    if form.organisation.data not in {o.id for o in organisations} and organisations:
        form.organisation.data = organisations[0].id  # one organisation: no need to choose
    return form


def _data(form: IntentionForm, intention: PurchaseIntention | None) -> services.IntentionData:
    """The intention the form describes: published with the publish button, else as it
    was (a new one is a draft); what the form does not show is kept (the external id an
    API client gave it, a forecast's flag: an edited DECP renewal is still a forecast)."""
    sectors_by_id = {
        s.id: s for s in db.session.scalars(select(Sector).options(selectinload(Sector.group)))
    }
    if form.publish.data:
        status = "published"
    else:
        status = intention.status if intention is not None else "draft"
    return services.IntentionData(
        title=form.title.data,
        description=form.description.data or None,
        cpv_codes=getattr(form.cpv_codes, "codes", []),
        sectors=[sectors_by_id[i] for i in form.sectors.data or [] if i in sectors_by_id],
        lots=[
            services.LotData(
                lot.form.title.data,
                lot.form.amount.data,
                [sectors_by_id[i] for i in lot.form.sectors.data or [] if i in sectors_by_id],
            )
            for lot in form.lots
            if lot.form.title.data
        ],
        place_kind=form.place_kind.data,
        place_code=form.place_code.data or None,
        amount_total=form.amount_total.data,
        amount_per_year=form.amount_per_year.data,
        duration_months=form.duration_months.data,
        launch_date=form.launch_date.data,
        social_consideration=form.social_consideration.data,
        status=status,
        forecast=intention.forecast if intention is not None else False,
        external_id=intention.external_id if intention is not None else None,
    )


def _save(form: IntentionForm, intention: PurchaseIntention | None):
    """Write the form through the intention service; its refusals become form errors."""
    organisation = next(
        o
        for o in services.organisations_of(db.session, current_user)
        + ([intention.organisation] if intention and intention.organisation else [])
        if o.id == form.organisation.data
    )
    data, buyer = _data(form, intention), services.Buyer.of(organisation)
    try:
        if intention is None:
            intention = services.create_intention(
                db.session, data, buyer, source="web", author=current_user
            )
        else:
            services.update_intention(db.session, intention, data, buyer)
    except services.IntentionInvalid as exc:
        for name in exc.errors:
            shown = SERVICE_FIELDS.get(name, name)
            field = form._fields.get(shown, form.title)
            message = SERVICE_PROBLEMS.get(name, OTHER_SERVICE_PROBLEM)
            field.errors = [*field.errors, message]
        return None
    flash(
        _("Intention publiée.") if intention.status == "published" else _("Intention enregistrée."),
        "success",
    )
    return redirect(url_for("intentions.intention", intention_id=intention.id))


@blueprint.route("/intentions/nouvelle", methods=["GET", "POST"])
@requires("manage_intentions")
def create():
    form = _form()
    if not form.organisation.choices:
        flash(_("Aucune organisation acheteuse n'est rattachée à votre compte."), "warning")
        return render_template("intentions/form.html", form=None, intention=None)
    if form.validate_on_submit() and (saved := _save(form, None)) is not None:
        return saved
    status = 400 if request.method == "POST" else 200
    return render_template("intentions/form.html", form=form, intention=None), status


@blueprint.route("/intentions/<int:intention_id>/modifier", methods=["GET", "POST"])
@requires("manage_intentions")
def edit(intention_id: int):
    intention = _own_intention(intention_id)
    form = _form(intention)
    if form.validate_on_submit() and (saved := _save(form, intention)) is not None:
        return saved
    status = 400 if request.method == "POST" else 200
    return render_template("intentions/form.html", form=form, intention=intention), status


def _status_change(intention_id: int, status: str, message: str):
    intention = _own_intention(intention_id)
    services.change_status(db.session, intention, status)
    flash(message, "success")
    return redirect(url_for("intentions.intention", intention_id=intention.id))


@blueprint.post("/intentions/<int:intention_id>/publier")
@requires("manage_intentions")
def publish(intention_id: int):
    return _status_change(intention_id, "published", _("Intention publiée."))


@blueprint.post("/intentions/<int:intention_id>/cloturer")
@requires("manage_intentions")
def close(intention_id: int):
    return _status_change(intention_id, "closed", _("Intention clôturée."))
