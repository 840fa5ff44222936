"""Home, about, language choice and error pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, get_locale, gettext
from flask_babel import gettext as translate
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from domain.kinds import FAMILY_LABELS, KINDS, KINDS_BY_CODE
from webapp.auth.spaces import account_spaces
from webapp.extensions import db
from webapp.models import Commune, Departement, Enterprise
from webapp.permissions import requires
from webapp.request_log import request_id

blueprint = Blueprint("main", __name__)


@blueprint.app_context_processor
def inject_globals() -> dict:
    return {
        "current_locale": str(get_locale() or "fr"),
        "KINDS_BY_CODE": KINDS_BY_CODE,
        "account_spaces": account_spaces,
    }


@blueprint.app_template_filter("tr")
def translate_filter(text: str) -> str:
    """Translate a string marked in Python with ``N_`` (no %-formatting, unlike ``_()``)."""
    return translate(text) if text else text


@blueprint.app_template_filter("amount_ht")
def amount_ht_filter(value: int) -> str:
    """A purchase amount in the reader's number format, tax excluded ("120 000 € HT")."""
    return gettext("%(amount)s € HT", amount=format_decimal(value))


@blueprint.route("/")
@requires("view_public")
def home():
    counts = dict(
        db.session.execute(
            select(Enterprise.kind, func.count())
            .where(Enterprise.status == "active")
            .group_by(Enterprise.kind)
        ).all()
    )
    families: dict[str, int] = {}
    for kind in KINDS:
        families[kind.family] = families.get(kind.family, 0) + counts.get(kind.code, 0)
    return render_template(
        "main/home.html",
        total=sum(counts.values()),
        kind_counts=[(kind, counts[kind.code]) for kind in KINDS if counts.get(kind.code)],
        family_counts=[(FAMILY_LABELS[f], n) for f, n in families.items() if n],
        communes=db.session.scalar(select(func.count()).select_from(Commune)),
        departements=db.session.scalars(select(Departement).order_by(Departement.code)).all(),
    )


@blueprint.route("/a-propos")
@requires("view_public")
def about():
    return render_template("main/about.html")


@blueprint.route("/langue/<lang_code>")
@requires("view_public")
def set_language(lang_code: str):
    if lang_code in current_app.config["LANGUAGES"]:
        session["lang"] = lang_code
    return redirect(_same_site_referrer() or url_for("main.home"))


def _same_site_referrer() -> str | None:
    """The page the visitor came from, only if it is on this site (no open redirect)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    path = parts.path
    # "//host/x" or "/\\host/x" would leave the site once written in a Location header.
    if parts.netloc != request.host or not path.startswith("/") or path[1:2] in ("/", "\\"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    return render_template("error.html", error=error), error.code


DATABASE_RETRY_AFTER = 5  # seconds


@blueprint.app_errorhandler(OperationalError)
def database_unavailable(error: OperationalError):
    """The database is gone, hung past its timeout, or (SQLite) locked by a long write:
    a 503 that says to try again, never a 500. The API answers in JSON."""
    db.session.rollback()
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0][:200])
    if request.path.startswith("/api/"):
        response = jsonify(
            {"error": "database temporarily unavailable, retry", "request_id": request_id()}
        )
        response.status_code = 503
    else:
        response = make_response(render_template("error.html", error=ServiceUnavailable()), 503)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


@blueprint.app_errorhandler(500)
def internal_error(error):
    db.session.rollback()
    return render_template("error.html", error=None), 500
