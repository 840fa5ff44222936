"""Forms of the intention pages: the list's filters (GET) and a buyer's intention."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from domain.cpv import read_cpv_codes
from domain.matching.eligibility import ARTICLES
from domain.places import PLACE_KINDS
from webapp.extensions import db
from webapp.intentions.services import (
    DESCRIPTION_MAX,
    MAX_AMOUNT,
    MAX_DURATION_MONTHS,
    place_label,
)
from webapp.models.intentions import CPV_CODES_MAX, TITLE_MAX

LOT_ROWS = 5
PLACE_KIND_LABELS = {
    "commune": _l("Commune (code INSEE)"),
    "epci": _l("Intercommunalité (SIREN de l'EPCI)"),
    "departement": _l("Département (code)"),
    "region": _l("Région (code)"),
    "national": _l("France entière"),
}
SOCIAL_LABELS = {
    "unknown": _l("Pas encore décidé"),
    "none": _l("Aucune"),
    "clause": _l("Clause sociale d'insertion"),
    "criterion": _l("Critère d'attribution social"),
    "reservation": _l("Marché réservé"),
}


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class IntentionFilterForm(FlaskForm):
    """Rendered by the list; ``queries.parse_filters`` checks the values."""

    class Meta:
        csrf = False

    sector = SelectField(_l("Secteur d'activité"), choices=[], validate_choice=False)
    place = StringField(
        _l("Lieu d'exécution"),
        description=_l("Par exemple departement:59, commune:59350, region:32 ou national."),
    )
    launch_from = StringField(_l("Lancement à partir du"), description=_l("AAAA-MM-JJ"))
    launch_to = StringField(_l("Lancement jusqu'au"), description=_l("AAAA-MM-JJ"))
    reservation = SelectField(
        _l("Réservable (recommandation du rapprochement)"),
        choices=[SelectChoice("", _l("Indifférent"))] + [SelectChoice(a, a) for a in ARTICLES],
        validate_choice=False,
    )
    group = BooleanField(_l("Accessible à un groupement d'entreprises"))
    source = SelectField(_l("Origine"), choices=[], validate_choice=False)


class LotForm(Form):
    title = StringField(
        _l("Intitulé du lot"), validators=[Length(max=TITLE_MAX)], filters=[_stripped]
    )
    amount = IntegerField(
        _l("Montant du lot (€ HT)"), validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)]
    )
    sectors = SelectMultipleField(
        _l("Secteurs du lot"), choices=[], coerce=int, validators=[Optional()]
    )

    def validate_title(self, field) -> None:
        if not field.data and (self.amount.data is not None or self.sectors.data):
            raise ValidationError(_l("Donnez un intitulé à ce lot, ou videz-le."))


class IntentionForm(FlaskForm):
    organisation = SelectField(_l("Organisation acheteuse"), coerce=int, choices=[])
    title = StringField(
        _l("Intitulé"), validators=[DataRequired(), Length(max=TITLE_MAX)], filters=[_stripped]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)], filters=[_stripped]
    )
    cpv_codes = StringField(
        _l("Codes CPV"),
        validators=[Optional()],
        filters=[_stripped],
        description=_l(
            "8 chiffres, avec ou sans chiffre de contrôle (90910000-9), séparés par des "
            "espaces ; ou des mots de l'intitulé (nettoyage), complétés en codes si "
            "JavaScript est actif."
        ),
    )
    sectors = SelectMultipleField(
        _l("Secteurs d'activité"), choices=[], coerce=int, validators=[Optional()]
    )
    place_kind = SelectField(
        _l("Lieu d'exécution : type"),
        choices=[SelectChoice(kind, PLACE_KIND_LABELS[kind]) for kind in PLACE_KINDS],
    )
    place_code = StringField(
        _l("Lieu d'exécution : code"),
        validators=[Length(max=12)],
        filters=[_stripped],
        description=_l(
            "Code INSEE, SIREN d'EPCI, code de département ou de région ; vide "
            "pour la France entière."
        ),
    )
    amount_total = IntegerField(
        _l("Montant total estimé (€ HT)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)],
    )
    amount_per_year = IntegerField(
        _l("Montant annuel estimé (€ HT)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)],
    )
    duration_months = IntegerField(
        _l("Durée (mois)"), validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_MONTHS)]
    )
    launch_date = DateField(_l("Date de lancement prévue"), validators=[Optional()])
    social_consideration = SelectField(
        _l("Considération sociale envisagée"),
        choices=[SelectChoice(k, label) for k, label in SOCIAL_LABELS.items()],
    )
    save = SubmitField(_l("Enregistrer"))
    publish = SubmitField(_l("Enregistrer et publier"))

    @property
    def lots(self) -> list[FormField]:
        """The lot rows (fixed fields ``lot_1``…: a FieldList renumbers rows with gaps)."""
        return [self[f"lot_{n}"] for n in range(1, LOT_ROWS + 1)]

    def validate_cpv_codes(self, field) -> None:
        reading = read_cpv_codes(field.data)
        if reading.errors:
            raise ValidationError(
                _("Codes CPV non reconnus : %(codes)s", codes=", ".join(reading.rejected()[:5]))
            )
        if len(" ".join(reading.codes)) > CPV_CODES_MAX:
            raise ValidationError(_l("Trop de codes CPV."))
        field.codes = list(reading.codes)

    def validate_place_code(self, field) -> None:
        kind = self.place_kind.data
        if kind == "national":
            return
        if not field.data:
            raise ValidationError(_l("Indiquez le code du lieu, ou choisissez la France entière."))
        if place_label(db.session, kind, field.data) is None:
            raise ValidationError(_l("Ce code ne correspond à aucun lieu de ce type."))


for _number in range(1, LOT_ROWS + 1):
    setattr(IntentionForm, f"lot_{_number}", FormField(LotForm, _l("Lot %(n)s", n=_number)))
