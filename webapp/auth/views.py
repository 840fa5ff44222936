"""Registration with e-mail confirmation, sign-in and sign-out, password reset and change."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from webapp import mail
from webapp.auth import services
from webapp.auth.forms import (
    ChangePasswordForm,
    EmailForm,
    EmptyForm,
    LoginForm,
    RegisterForm,
    ResetForm,
)
from webapp.extensions import db, limiter
from webapp.models import BuyerOrganisation, User
from webapp.permissions import requires
from webapp.security import (
    authenticate,
    email_token,
    normalise_email,
    reset_token,
    user_from_email_token,
    user_from_reset_token,
)

blueprint = Blueprint("auth", __name__, url_prefix="/compte")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    """Only failed sign-ins count against the limit (a success redirects)."""
    return response.status_code != 302


@blueprint.route("/inscription", methods=["GET", "POST"])
@requires("authenticate")
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        organisation = None
        if form.account_kind.data == "buyer":
            organisation = services.NewOrganisation(
                form.organisation_name.data,
                form.organisation_siret.data or None,
                form.buyer_type.data,
            )
        done = services.register(
            db.session, form.email.data, form.full_name.data, form.password.data, organisation
        )
        if done.user is not None:
            if done.to_join is not None:
                _ask_admins_to_attach(done.user, done.to_join)
            _send_confirmation(done.user)
        else:  # the same answer: nobody learns which addresses have an account
            mail.send(
                [done.existing.email],
                _("Vous avez déjà un compte"),
                "already_registered",
                user=done.existing,
                login_url=mail.external_url("auth.login"),
            )
        flash(_("Un e-mail de confirmation vient de vous être envoyé."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form), (400 if form.errors else 200)


def _ask_admins_to_attach(user: User, organisation: BuyerOrganisation) -> None:
    """Someone registered for an organisation that exists: the administrators attach the
    person after checking (``services.register`` says why)."""
    admins = db.session.scalars(select(User.email).where(User.is_admin.is_(True))).all()
    mail.send(
        list(admins),
        _("Demande de rattachement à %(name)s", name=organisation.name),
        "organisation_join_request",
        user=user,
        organisation=organisation,
        admin_url=mail.external_url("admin.users", q=user.email),
    )


def _send_confirmation(user: User) -> None:
    link = mail.external_url("auth.confirm", token=email_token(user))
    mail.send([user.email], _("Confirmez votre adresse e-mail"), "confirm", user=user, link=link)


@blueprint.route("/confirmer/<token>", methods=["GET", "POST"])
@requires("authenticate")
def confirm(token: str):
    """The link of the confirmation e-mail shows a button; pressing it confirms (a GET
    writes nothing: mail scanners that follow links confirm no one)."""
    user = user_from_email_token(token)
    if user is None:
        flash(_("Ce lien de confirmation n'est pas valide ou a expiré."), "danger")
        return redirect(url_for("auth.resend_confirmation"))
    form = EmptyForm()
    if user.email_confirmed_at is None and not form.validate_on_submit():
        return render_template("auth/confirm.html", form=form, email=user.email)
    services.confirm_email(db.session, user)
    flash(_("Adresse e-mail confirmée : vous pouvez vous connecter."), "success")
    return redirect(url_for("auth.login"))


@blueprint.route("/confirmer", methods=["GET", "POST"])
@requires("authenticate")
@limiter.limit(_login_limit, methods=["POST"])
def resend_confirmation():
    form = EmailForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        if user is not None and user.email_confirmed_at is None:
            _send_confirmation(user)
        flash(_("Si un compte attend cette confirmation, un e-mail vient de partir."), "info")
        return redirect(url_for("auth.login"))
    title = _("Recevoir à nouveau le lien de confirmation")
    return render_template("auth/email_form.html", form=form, title=title), (
        400 if form.errors else 200
    )


@blueprint.route("/connexion", methods=["GET", "POST"])
@requires("authenticate")
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None or not user.is_active:
            form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
        elif user.email_confirmed_at is None:
            form.email.errors.append(
                _("Confirmez d'abord votre adresse e-mail (lien reçu à l'inscription).")
            )
        else:
            login_user(user, remember=form.remember.data)
            services.record_sign_in(db.session, user)
            return redirect(_next_page() or url_for("auth.account"))
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


def _next_page() -> str | None:
    """Where Flask-Login sent the visitor from: a path on this site only."""
    target = request.args.get("next", "")
    # Browsers drop tabs and newlines from URLs ("/\t/evil" becomes "//evil") and read
    # "\\" as "/": neither control characters, spaces nor backslashes are accepted.
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ch <= " " or ch == "\x7f" for ch in target)
    ):
        return target
    return None


@blueprint.route("/deconnexion", methods=["POST"])
@requires("use_account")
def logout():
    EmptyForm().validate_on_submit()  # the CSRF check itself is global (CSRFProtect)
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("main.home"))


@blueprint.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@requires("authenticate")
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        if user is not None and user.is_active:
            link = mail.external_url("auth.reset_password", token=reset_token(user))
            mail.send(
                [user.email], _("Réinitialiser votre mot de passe"), "reset", user=user, link=link
            )
        flash(_("Si un compte existe pour cette adresse, un e-mail vient de partir."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/email_form.html", form=form, title=_("Mot de passe oublié")), (
        400 if form.errors else 200
    )


@blueprint.route("/reinitialiser/<token>", methods=["GET", "POST"])
@requires("authenticate")
def reset_password(token: str):
    user = user_from_reset_token(token)
    if user is None:
        flash(_("Ce lien n'est pas valide, a déjà servi ou a expiré."), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit():
        services.reset_password(db.session, user, form.password.data)
        logout_user()
        flash(_("Mot de passe changé : connectez-vous."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), (400 if form.errors else 200)


@blueprint.route("/", methods=["GET"])
@requires("use_account")
def account():
    return render_template("auth/account.html", logout_form=EmptyForm())


@blueprint.route("/mot-de-passe", methods=["GET", "POST"])
@requires("use_account")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if authenticate(current_user.email, form.current.data) is None:
            form.current.errors.append(_("Mot de passe actuel incorrect."))
        else:
            services.change_password(db.session, current_user, form.password.data)
            login_user(current_user, fresh=True)  # this session carries the new version
            flash(_("Mot de passe changé ; vos autres sessions sont fermées."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), (400 if form.errors else 200)
