"""The search page, its live-updated results fragment, suggestions and exports."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict

from search.backend import SearchUnavailable  # the engine is down: a 503, not a crash
from search.query import SORTS, SearchQuery
from search.results import SearchResult
from webapp import reading_french
from webapp.extensions import db
from webapp.indexing.engine import get_backend
from webapp.indexing.places import DatabasePlaces
from webapp.permissions import requires
from webapp.search_ui import export
from webapp.search_ui.forms import (
    FIELD_LABELS,
    SERVES_COMMUNE,
    SORT_LABELS,
    FormState,
    clip_text,
    filter_options,
    form_errors,
    kind_group_counts,
    page_arguments,
    parse_leniently,
    shareable_arguments,
)
from webapp.search_ui.present import (
    ResultPages,
    Vocabulary,
    load_vocabulary,
    present_hit,
    top_counts,
)

blueprint = Blueprint("search_ui", __name__, url_prefix="/recherche")

SUGGESTIONS = 8


def run_search(query: SearchQuery) -> SearchResult:
    try:
        return get_backend(current_app).search(query)
    except SearchUnavailable:
        abort(503)


@blueprint.get("")
@requires("view_public")
def search():
    args, commune_used = page_arguments(request.args)
    query, problems = parse_leniently(args, DatabasePlaces(db.session))
    result = run_search(query)
    vocabulary = load_vocabulary(db.session)
    context = _results_context(query, result, vocabulary, problems, commune_used)
    status = 400 if problems else 200
    if request.args.get("partial"):
        return render_template("search_ui/_results.html", **context), status
    form = FormState(MultiDict(request.args))
    return render_template(
        "search_ui/search.html",
        form=form,
        options=filter_options(vocabulary, result.facets, form),
        suggestions=_suggestions(form.text("q")),
        sorts=[(sort, SORT_LABELS[sort]) for sort in SORTS],
        labels=FIELD_LABELS,
        **context,
    ), status


def _results_context(
    query: SearchQuery,
    result: SearchResult,
    vocabulary: Vocabulary,
    problems: dict[str, str],
    commune_used: bool,
) -> dict:
    hits = [present_hit(hit, vocabulary) for hit in result.hits]
    markers = [
        {
            "lat": view.hit.latitude,
            "lon": view.hit.longitude,
            "label": view.hit.name,
            "url": url_for("directory.profile", siret=view.hit.siret),
        }
        for view in hits
        if view.hit.latitude is not None and view.hit.longitude is not None
    ]
    circle = None
    if query.near and query.radius_km:
        circle = {
            "lat": query.near.latitude,
            "lon": query.near.longitude,
            "radius_km": query.radius_km,
        }
    shared = shareable_arguments(request.args)
    if commune_used:
        # Links speak the API's language: the commune field becomes "serves".
        shared.setlist("serves", [f"commune:{clip_text(request.args[SERVES_COMMUNE]).strip()}"])
    without_page = shared.copy()
    without_page.poplist("page")
    errors = form_errors(problems, commune_used=commune_used)
    return {
        "query": query,
        "result": result,
        "hits": hits,
        "pages": ResultPages(result.page, result.per_page, result.total),
        "markers": markers,
        "circle": circle,
        "link_args": shared,
        "export_args": without_page.to_dict(flat=False),
        "export_limit": export.EXPORT_LIMIT,
        "errors": errors,
        "error_labels": {name: FIELD_LABELS[name] for name in errors},
        "departement_counts": top_counts(
            result.facets.get("departement", {}), vocabulary.departements
        ),
        # For search.js to refresh the counts shown in the form after a live update.
        "facet_counts": {**result.facets, "kind_group": kind_group_counts(result.facets)},
    }


def _suggestions(prefix: str) -> list[str]:
    prefix = prefix.strip()
    if len(prefix) < 2:
        return []
    try:
        return get_backend(current_app).suggest(prefix, limit=SUGGESTIONS)
    except SearchUnavailable:
        return []  # the search box still works without suggestions


@blueprint.get("/suggestions")
@requires("view_public")
def suggestions():
    """Names for the search box's ``<datalist>`` (JSON), as the visitor types."""
    prefix = clip_text(request.args.get("q"))
    return jsonify({"q": prefix, "suggestions": _suggestions(prefix)})


def _export_hits():
    args, _commune_used = page_arguments(request.args)
    query, problems = parse_leniently(args, DatabasePlaces(db.session))
    if problems:
        # An export must be exactly what was asked: no silently dropped filter.
        abort(400)
    backend = get_backend(current_app)
    try:
        hits = list(export.matching_hits(backend, query, export.EXPORT_LIMIT))
    except SearchUnavailable:
        abort(503)
    return export.export_rows(db.session, hits, load_vocabulary(db.session))


def _attachment(body: bytes, mimetype: str, extension: str) -> Response:
    filename = f"passerelles-recherche-{date.today().isoformat()}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/export.csv")
@requires("view_public")
def export_csv():
    body = export.to_csv(_export_hits(), decimal_comma=reading_french())
    return _attachment(body, "text/csv; charset=utf-8", "csv")


@blueprint.get("/export.xlsx")
@requires("view_public")
def export_xlsx():
    return _attachment(
        export.to_xlsx(_export_hits()),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    )
