"""Buyers' pages: shortlists (with notes and exports), the contact form, saved searches."""

from __future__ import annotations

import re
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from search.backend import SearchUnavailable
from webapp import mail
from webapp.buyers import exports, saved, services
from webapp.buyers.forms import (
    NEW_LIST,
    AddToShortlistForm,
    AlertsForm,
    ContactForm,
    NoteForm,
    SavedSearchNameForm,
    SaveSearchForm,
    ShortlistNameForm,
)
from webapp.extensions import db, limiter
from webapp.models import (
    Enterprise,
    EnterpriseMembership,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
    User,
)
from webapp.permissions import allowed, requires

blueprint = Blueprint("buyers", __name__)

LISTS = "/espace/acheteur/listes"
SEARCHES = "/espace/recherches"


@blueprint.app_context_processor
def inject_profile_helpers() -> dict:
    return {"buyer_shortlist_form": buyer_shortlist_form}


def buyer_shortlist_form() -> AddToShortlistForm | None:
    """The "add to a list" form of a profile page, for those who keep shortlists."""
    if not allowed(current_user, "manage_shortlists"):
        return None
    return _add_form(prefix="liste")


def _add_form(**kwargs) -> AddToShortlistForm:
    form = AddToShortlistForm(**kwargs)
    lists = db.session.scalars(
        select(Shortlist).where(Shortlist.owner_id == current_user.id).order_by(Shortlist.name)
    ).all()
    form.shortlist.choices = [SelectChoice(str(s.id), s.name) for s in lists] + [
        SelectChoice(NEW_LIST, _("Nouvelle liste…"))
    ]
    return form


# --- Shortlists ---------------------------------------------------------------------------


def _own_shortlist(shortlist_id: int) -> Shortlist:
    """The signed-in user's list; anyone else's does not exist for them."""
    shortlist = db.session.get(Shortlist, shortlist_id)
    if shortlist is None or shortlist.owner_id != current_user.id:
        abort(404)
    return shortlist


def _own_entry(shortlist: Shortlist, entry_id: int) -> ShortlistEntry:
    entry = db.session.get(ShortlistEntry, entry_id)
    if entry is None or entry.shortlist_id != shortlist.id:
        abort(404)
    return entry


def _enterprise(siret: str) -> Enterprise:
    compact = re.sub(r"\s", "", siret)
    enterprise = None
    if re.fullmatch(r"[0-9]{14}", compact):
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.siret == compact))
    if enterprise is None:
        abort(404)
    return enterprise


def _render_shortlists(form: ShortlistNameForm, status: int = 200):
    lists = db.session.scalars(
        select(Shortlist)
        .where(Shortlist.owner_id == current_user.id)
        .order_by(Shortlist.created_at.desc(), Shortlist.id.desc())
    ).all()
    return render_template("buyers/shortlists.html", shortlists=lists, form=form), status


@blueprint.get(LISTS)
@requires("manage_shortlists")
def shortlists():
    return _render_shortlists(ShortlistNameForm())


@blueprint.post(f"{LISTS}/nouvelle")
@requires("manage_shortlists")
def create_shortlist():
    form = ShortlistNameForm()
    if not form.validate_on_submit():
        return _render_shortlists(form, 400)
    shortlist = services.create_shortlist(db.session, current_user, form.name.data)
    flash(_("Liste « %(name)s » créée.", name=shortlist.name), "success")
    return redirect(url_for("buyers.shortlist", shortlist_id=shortlist.id))


def _render_shortlist(
    shortlist: Shortlist,
    rename_form: ShortlistNameForm | None = None,
    failed_note: tuple[int, NoteForm] | None = None,
    status: int = 200,
):
    note_forms = {}
    for entry in shortlist.entries:
        if failed_note and failed_note[0] == entry.id:
            note_forms[entry.id] = failed_note[1]
        else:
            note_forms[entry.id] = NoteForm(prefix=f"e{entry.id}", formdata=None, note=entry.note)
    rename_form = rename_form or ShortlistNameForm(formdata=None, name=shortlist.name)
    return render_template(
        "buyers/shortlist.html",
        shortlist=shortlist,
        rows=[(entry, exports.entry_view(entry)) for entry in shortlist.entries],
        rename_form=rename_form,
        note_forms=note_forms,
    ), status


@blueprint.get(f"{LISTS}/<int:shortlist_id>")
@requires("manage_shortlists")
def shortlist(shortlist_id: int):
    return _render_shortlist(_own_shortlist(shortlist_id))


@blueprint.post(f"{LISTS}/<int:shortlist_id>/renommer")
@requires("manage_shortlists")
def rename_shortlist(shortlist_id: int):
    shortlist = _own_shortlist(shortlist_id)
    form = ShortlistNameForm()
    if not form.validate_on_submit():
        return _render_shortlist(shortlist, rename_form=form, status=400)
    services.rename_shortlist(db.session, shortlist, form.name.data)
    flash(_("Liste renommée."), "success")
    return redirect(url_for("buyers.shortlist", shortlist_id=shortlist.id))


@blueprint.post(f"{LISTS}/<int:shortlist_id>/supprimer")
@requires("manage_shortlists")
def delete_shortlist(shortlist_id: int):
    shortlist = _own_shortlist(shortlist_id)
    name = shortlist.name
    services.delete_shortlist(db.session, shortlist)
    flash(_("Liste « %(name)s » supprimée.", name=name), "success")
    return redirect(url_for("buyers.shortlists"))


@blueprint.post(f"{LISTS}/<int:shortlist_id>/entreprises/<int:entry_id>/note")
@requires("manage_shortlists")
def edit_note(shortlist_id: int, entry_id: int):
    shortlist = _own_shortlist(shortlist_id)
    entry = _own_entry(shortlist, entry_id)
    form = NoteForm(prefix=f"e{entry.id}")
    if not form.validate_on_submit():
        return _render_shortlist(shortlist, failed_note=(entry.id, form), status=400)
    services.set_note(db.session, entry, form.note.data)
    flash(_("Note enregistrée."), "success")
    return redirect(url_for("buyers.shortlist", shortlist_id=shortlist.id, _anchor=f"e{entry.id}"))


@blueprint.post(f"{LISTS}/<int:shortlist_id>/entreprises/<int:entry_id>/retirer")
@requires("manage_shortlists")
def remove_entry(shortlist_id: int, entry_id: int):
    shortlist = _own_shortlist(shortlist_id)
    entry = _own_entry(shortlist, entry_id)
    name = entry.enterprise.display_name
    services.remove_from_shortlist(db.session, entry)
    flash(_("%(name)s retirée de la liste.", name=name), "success")
    return redirect(url_for("buyers.shortlist", shortlist_id=shortlist.id))


def _attachment(shortlist: Shortlist, body: bytes, mimetype: str, extension: str) -> Response:
    slug = re.sub(r"[^a-z0-9]+", "-", shortlist.name.lower()).strip("-")[:40] or "liste"
    filename = f"passerelles-{slug}-{date.today().isoformat()}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get(f"{LISTS}/<int:shortlist_id>/export.csv")
@requires("manage_shortlists")
def export_shortlist_csv(shortlist_id: int):
    shortlist = _own_shortlist(shortlist_id)
    body = exports.to_csv(exports.shortlist_rows(shortlist))
    return _attachment(shortlist, body, "text/csv; charset=utf-8", "csv")


@blueprint.get(f"{LISTS}/<int:shortlist_id>/export.xlsx")
@requires("manage_shortlists")
def export_shortlist_xlsx(shortlist_id: int):
    shortlist = _own_shortlist(shortlist_id)
    return _attachment(
        shortlist,
        exports.to_xlsx(exports.shortlist_rows(shortlist), shortlist.name),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    )


@blueprint.post("/entreprises/<siret>/ajouter-a-une-liste")
@requires("manage_shortlists")
def add_to_shortlist(siret: str):
    enterprise = _enterprise(siret)
    form = _add_form(prefix="liste")
    if not form.validate_on_submit():
        return render_template(
            "buyers/add_to_shortlist.html", form=form, enterprise=enterprise
        ), 400
    shortlist = (
        None if form.shortlist.data == NEW_LIST else _own_shortlist(int(form.shortlist.data))
    )
    shortlist, added = services.add_to_shortlist(
        db.session, current_user, enterprise, shortlist, form.new_name.data
    )
    if not added:
        flash(_("%(name)s est déjà dans cette liste.", name=enterprise.display_name), "info")
    else:
        flash(
            _(
                "%(name)s ajoutée à la liste « %(list)s ».",
                name=enterprise.display_name,
                list=shortlist.name,
            ),
            "success",
        )
    return redirect(url_for("directory.profile", siret=enterprise.siret))


# --- Contact form -------------------------------------------------------------------------


def _contact_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT"]


def _per_user() -> str:
    return f"contact:user:{current_user.id}"


def _sent(response) -> bool:
    """Only messages actually sent count against the limit (a success redirects)."""
    return response.status_code == 302


def contact_recipients(enterprise: Enterprise) -> list[str]:
    members = db.session.scalars(
        select(User.email)
        .join(EnterpriseMembership, EnterpriseMembership.user_id == User.id)
        .where(
            EnterpriseMembership.enterprise_id == enterprise.id,
            User.is_active_account.is_(True),
        )
    ).all()
    return sorted({*members, *([enterprise.contact_email] if enterprise.contact_email else [])})


@blueprint.route("/entreprises/<siret>/contact", methods=["GET", "POST"])
@requires("contact_enterprise")
@limiter.limit(_contact_limit, key_func=_per_user, methods=["POST"], deduct_when=_sent)
def contact(siret: str):
    enterprise = _enterprise(siret)
    recipients = contact_recipients(enterprise)
    form = ContactForm()
    if recipients and form.validate_on_submit():
        message = services.record_contact(
            db.session, current_user, enterprise, form.subject.data, form.message.data
        )
        mail.send(
            recipients,
            _(
                "Message de %(name)s : %(subject)s",
                name=current_user.full_name,
                subject=message.subject,
            ),
            "contact",
            reply_to=current_user.email,
            enterprise=enterprise,
            sender=current_user,
            message=message,
            profile_url=mail.external_url("directory.profile", siret=enterprise.siret),
        )
        flash(_("Votre message a été envoyé à %(name)s.", name=enterprise.display_name), "success")
        return redirect(url_for("directory.profile", siret=enterprise.siret))
    return render_template(
        "buyers/contact.html", form=form, enterprise=enterprise, reachable=bool(recipients)
    ), (400 if form.errors else 200)


# --- Saved searches -----------------------------------------------------------------------


def _own_search(search_id: int) -> SavedSearch:
    found = db.session.get(SavedSearch, search_id)
    if found is None or found.owner_id != current_user.id:
        abort(404)
    return found


def _render_searches(failed: tuple[int, SavedSearchNameForm] | None = None, status: int = 200):
    searches = db.session.scalars(
        select(SavedSearch)
        .where(SavedSearch.owner_id == current_user.id)
        .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
    ).all()
    rename_forms = {
        s.id: failed[1]
        if failed and failed[0] == s.id
        else SavedSearchNameForm(prefix=f"s{s.id}", formdata=None, name=s.name)
        for s in searches
    }
    return render_template(
        "buyers/saved_searches.html", searches=searches, rename_forms=rename_forms
    ), status


@blueprint.get(SEARCHES)
@requires("use_account")
def saved_searches():
    return _render_searches()


@blueprint.post(f"{SEARCHES}/nouvelle")
@requires("use_account")
def save_search():
    form = SaveSearchForm()
    if not form.validate_on_submit():
        return render_template("buyers/save_search.html", form=form), 400
    query_string = saved.normalise_query_string(form.query_string.data or "")
    try:
        sirets = saved.matching_sirets(query_string)
    except SearchUnavailable:
        abort(503)
    name = (
        form.name.data
        or saved.text_of(query_string)
        or _("Recherche du %(date)s", date=format_date(date.today(), "short"))
    )
    search = services.save_search(db.session, current_user, name, query_string, sirets)
    flash(
        _(
            "Recherche « %(name)s » enregistrée : vous serez alerté des nouvelles entreprises.",
            name=search.name,
        ),
        "success",
    )
    return redirect(url_for("buyers.saved_searches"))


@blueprint.post(f"{SEARCHES}/<int:search_id>/renommer")
@requires("use_account")
def rename_search(search_id: int):
    search = _own_search(search_id)
    form = SavedSearchNameForm(prefix=f"s{search.id}")
    if not form.validate_on_submit():
        return _render_searches(failed=(search.id, form), status=400)
    services.rename_search(db.session, search, form.name.data)
    flash(_("Recherche renommée."), "success")
    return redirect(url_for("buyers.saved_searches"))


@blueprint.post(f"{SEARCHES}/<int:search_id>/alertes")
@requires("use_account")
def toggle_alerts(search_id: int):
    search = _own_search(search_id)
    form = AlertsForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_alerts(db.session, search, bool(form.alerts.data))
    if search.alerts:
        flash(_("Alertes activées pour « %(name)s ».", name=search.name), "success")
    else:
        flash(_("Alertes désactivées pour « %(name)s ».", name=search.name), "success")
    return redirect(url_for("buyers.saved_searches"))


@blueprint.post(f"{SEARCHES}/<int:search_id>/supprimer")
@requires("use_account")
def delete_search(search_id: int):
    search = _own_search(search_id)
    name = search.name
    services.delete_search(db.session, search)
    flash(_("Recherche « %(name)s » supprimée.", name=name), "success")
    return redirect(url_for("buyers.saved_searches"))


def search_url(search: SavedSearch) -> str:
    base = url_for("search_ui.search")
    return f"{base}?{search.query_string}" if search.query_string else base


blueprint.add_app_template_global(search_url, "saved_search_url")
