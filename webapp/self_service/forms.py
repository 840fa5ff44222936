"""Forms of the enterprise self-service pages (one small form per section)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from domain.kinds import PRESTA_TYPES

MAX_HEADCOUNT = 1_000_000
MAX_AMOUNT_EUR = 100_000_000_000  # 100 billion euros: beyond, a typo
MAX_RADIUS_KM = 1_000
FIRST_YEAR = 1900


def _strip(value):
    """Surrounding spaces out (NUL never gets here: ``webapp.input_cleaning``)."""
    return value.strip() if isinstance(value, str) else value


STRIP = [_strip]


def web_address(form, field) -> None:
    if field.data and not field.data.lower().startswith(("http://", "https://")):
        raise ValidationError(_l("Indiquez une adresse complète, commençant par https://."))


def not_in_future(form, field) -> None:
    if field.data is not None and field.data > date.today().year:
        raise ValidationError(_l("Cette année est dans le futur."))


def year_field(label):
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=FIRST_YEAR), not_in_future],
        render_kw={"inputmode": "numeric"},
    )


def amount_field(label, description=None):
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT_EUR)],
        description=description,
        render_kw={"inputmode": "numeric"},
    )


def headcount_field(label):
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=0, max=MAX_HEADCOUNT)],
        render_kw={"inputmode": "numeric"},
    )


class IdentityForm(FlaskForm):
    name = StringField(
        _l("Raison sociale"), validators=[InputRequired(), Length(max=255)], filters=STRIP
    )
    brand = StringField(
        _l("Nom commercial"),
        validators=[Optional(), Length(max=255)],
        filters=STRIP,
        description=_l("Le nom sous lequel vos clients vous connaissent, s'il diffère."),
    )
    legal_form = StringField(
        _l("Forme juridique"), validators=[Optional(), Length(max=100)], filters=STRIP
    )
    address = StringField(
        _l("Adresse"),
        validators=[Optional(), Length(max=255)],
        filters=STRIP,
        render_kw={"autocomplete": "street-address"},
    )
    post_code = StringField(
        _l("Code postal"),
        validators=[
            InputRequired(),
            Regexp(r"^[0-9]{5}$", message=_l("Un code postal a 5 chiffres.")),
        ],
        filters=STRIP,
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    city = StringField(_l("Commune"), validators=[InputRequired(), Length(max=100)], filters=STRIP)
    website = URLField(
        _l("Site web"),
        validators=[Optional(), Length(max=500), web_address],
        filters=STRIP,
        render_kw={"autocomplete": "url"},
    )
    contact_name = StringField(
        _l("Personne à contacter"),
        validators=[Optional(), Length(max=120)],
        filters=STRIP,
        description=_l("Visible des seuls utilisateurs connectés."),
    )
    contact_email = EmailField(
        _l("E-mail de contact"),
        validators=[Optional(), Email(), Length(max=254)],
        filters=STRIP,
    )
    contact_phone = StringField(
        _l("Téléphone de contact"),
        validators=[
            Optional(),
            Length(max=30),
            Regexp(
                r"^\+?[0-9 .()-]{6,30}$", message=_l("Ce numéro de téléphone n'est pas valide.")
            ),
        ],
        filters=STRIP,
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class DescriptionForm(FlaskForm):
    description = TextAreaField(
        _l("Présentation"),
        filters=STRIP,
        validators=[Optional(), Length(max=10_000)],
        description=_l(
            "Format Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…)."
        ),
        render_kw={"rows": 12},
    )


def presta_choices() -> list[SelectChoice]:
    return [SelectChoice(code, _l(label)) for code, label in PRESTA_TYPES.items()]


class OfferForm(FlaskForm):
    title = StringField(
        _l("Intitulé"), validators=[InputRequired(), Length(max=255)], filters=STRIP
    )
    description = TextAreaField(
        _l("Description"),
        filters=STRIP,
        validators=[Optional(), Length(max=4_000)],
        render_kw={"rows": 5},
    )
    presta_type = SelectField(
        _l("Type de prestation"), choices=presta_choices, validators=[InputRequired()]
    )
    sector = SelectField(_l("Secteur"), choices=[], validate_choice=True)


ZONE_KINDS = [
    SelectChoice("national", _l("Toute la France")),
    SelectChoice("divisions", _l("Des territoires (régions, départements, EPCI, communes)")),
    SelectChoice("radius", _l("Un rayon autour de votre adresse")),
]


class ZoneForm(FlaskForm):
    kind = RadioField(_l("Où intervenez-vous ?"), choices=ZONE_KINDS, validators=[InputRequired()])
    divisions = TextAreaField(
        _l("Territoires"),
        filters=STRIP,
        validators=[Optional(), Length(max=4_000)],
        description=_l(
            "Séparés par des virgules, sous la forme type:code, par exemple "
            "« region:32, departement:59, epci:200093201, commune:59350 »."
        ),
        render_kw={"rows": 3},
    )
    radius_km = IntegerField(
        _l("Rayon (km)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_RADIUS_KM)],
        render_kw={"inputmode": "numeric"},
    )


class CapacityForm(FlaskForm):
    headcount_total = headcount_field(_l("Effectif total"))
    headcount_inclusion = headcount_field(_l("Dont salariés en insertion ou handicapés"))
    turnover_eur = amount_field(_l("Chiffre d'affaires (euros)"))
    turnover_year = year_field(_l("Année du chiffre d'affaires"))
    largest_contract_eur = amount_field(
        _l("Plus gros marché accepté (euros)"),
        _l("Le montant annuel du plus gros contrat que vous avez mené ou pouvez mener."),
    )
    volumes = TextAreaField(
        _l("Volumes"),
        filters=STRIP,
        validators=[Optional(), Length(max=2_000)],
        description=_l("Par exemple : 5 000 m² de nettoyage par jour, 200 repas par jour."),
        render_kw={"rows": 3},
    )

    def validate_headcount_inclusion(self, field) -> None:
        total = self.headcount_total.data
        if field.data is not None and total is not None and field.data > total:
            raise ValidationError(_l("Ne peut dépasser l'effectif total."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not a validate_turnover_year: Optional() ends that field's chain when it is empty.
        if self.turnover_eur.data is not None and self.turnover_year.data is None:
            if not self.turnover_year.errors:
                self.turnover_year.errors = [_l("Indiquez l'année de ce chiffre d'affaires.")]
            valid = False
        return valid


class ReferenceForm(FlaskForm):
    client_name = StringField(
        _l("Client"), validators=[InputRequired(), Length(max=255)], filters=STRIP
    )
    description = TextAreaField(
        _l("Prestation réalisée"),
        filters=STRIP,
        validators=[Optional(), Length(max=2_000)],
        render_kw={"rows": 4},
    )
    year = year_field(_l("Année"))
    amount_eur = amount_field(_l("Montant (euros)"))


class LabelForm(FlaskForm):
    label = SelectField(_l("Label"), choices=[], validators=[InputRequired()])
    evidence_url = URLField(
        _l("Justificatif (lien)"),
        validators=[Optional(), Length(max=500), web_address],
        filters=STRIP,
        description=_l("Une page qui atteste du label : elle aide à le vérifier."),
    )


class NetworkForm(FlaskForm):
    network = SelectField(_l("Réseau"), choices=[], validators=[InputRequired()])


class SectorForm(FlaskForm):
    sector = SelectField(_l("Secteur"), choices=[], validators=[InputRequired()])
