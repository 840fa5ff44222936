"""``/compte/jetons``: one's personal API tokens — create (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApiToken
from webapp.models.accounts import TOKEN_SCOPES
from webapp.permissions import requires
from webapp.tokens import services
from webapp.tokens.forms import SCOPE_LABELS, TokenForm

blueprint = Blueprint("tokens", __name__, url_prefix="/compte/jetons")


def _own_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def _page(form: TokenForm, created: str | None = None, status: int = 200):
    return render_template(
        "tokens/list.html",
        form=form,
        tokens=_own_tokens(),
        created=created,
        scope_labels=SCOPE_LABELS,
    ), status


@blueprint.route("", methods=["GET", "POST"])
@requires("use_account")
def list_tokens():
    form = TokenForm(scopes=TOKEN_SCOPES)
    if not form.is_submitted():
        form.scopes.data = ["read"]
    if form.validate_on_submit():
        try:
            token = services.issue_token(db.session, current_user, form.name.data, form.scopes.data)
        except services.TooManyTokens as exc:
            form.name.errors.append(
                _("Vous avez déjà %(n)s jetons actifs : révoquez-en un d'abord.", n=exc.live)
            )
            return _page(form, status=400)
        # Shown in this answer only: it is not stored, and a reload does not show it again.
        body, status = _page(TokenForm(formdata=None, scopes=TOKEN_SCOPES), created=token)
        return body, status, {"Cache-Control": "no-store"}
    return _page(form, status=400 if form.errors else 200)


@blueprint.post("/<int:token_id>/revoquer")
@requires("use_account")
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(db.session, token)
    flash(_("Jeton « %(name)s » révoqué.", name=token.name), "success")
    return redirect(url_for("tokens.list_tokens"))
