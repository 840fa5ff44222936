"""Forms for registering, signing in and managing one's password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from stdnum.fr import siret as siret_number
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from webapp.auth.services import MIN_PASSWORD

ACCOUNT_KINDS = [
    SelectChoice("buyer", _l("Acheteur (collectivité, établissement public, entreprise)")),
    SelectChoice("enterprise", _l("Entreprise inclusive (je gère un ou des profils)")),
    SelectChoice("other", _l("Autre (animateur de réseau, partenaire)")),
]
BUYER_TYPES = [
    SelectChoice("pouvoir_adjudicateur", _l("Pouvoir adjudicateur")),
    SelectChoice("entite_adjudicatrice", _l("Entité adjudicatrice")),
]


def new_password(label):
    return PasswordField(
        label,
        validators=[InputRequired(), Length(min=MIN_PASSWORD, max=200)],
        render_kw={"autocomplete": "new-password"},
        description=_l("%(n)s caractères au moins.", n=MIN_PASSWORD),
    )


def valid_siret(form, field) -> None:
    if field.data:
        field.data = "".join(field.data.split())
        if not siret_number.is_valid(field.data):
            raise ValidationError(_l("Ce SIRET n'est pas valide (14 chiffres, clé de contrôle)."))


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Nom et prénom"), validators=[InputRequired(), Length(max=120)])
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[InputRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = new_password(_l("Mot de passe"))
    password_again = PasswordField(
        _l("Mot de passe (à nouveau)"),
        validators=[InputRequired(), EqualTo("password", _l("Les mots de passe diffèrent."))],
        render_kw={"autocomplete": "new-password"},
    )
    account_kind = RadioField(
        _l("Vous êtes"), choices=ACCOUNT_KINDS, default="buyer", validators=[InputRequired()]
    )
    organisation_name = StringField(
        _l("Organisation acheteuse"), validators=[Optional(), Length(max=255)]
    )
    organisation_siret = StringField(
        _l("SIRET de l'organisation"), validators=[Optional(), valid_siret]
    )
    buyer_type = RadioField(
        _l("Type d'acheteur"), choices=BUYER_TYPES, default="pouvoir_adjudicateur"
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.account_kind.data == "buyer" and not (self.organisation_name.data or "").strip():
            self.organisation_name.errors = [_l("Indiquez votre organisation.")]
            return False
        return valid


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[InputRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[InputRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class EmailForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(), Email(), Length(max=254)])


class ResetForm(FlaskForm):
    password = new_password(_l("Nouveau mot de passe"))
    password_again = PasswordField(
        _l("Nouveau mot de passe (à nouveau)"),
        validators=[InputRequired(), EqualTo("password", _l("Les mots de passe diffèrent."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetForm):
    current = PasswordField(
        _l("Mot de passe actuel"),
        validators=[InputRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class EmptyForm(FlaskForm):
    """A form with only its CSRF token: sign-out and other one-button actions."""
