"""Forms of the facilitator's space."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from domain.kinds import KINDS
from webapp.auth.forms import valid_siret

# The mapping used when none is given: the list's columns carry our field names.
DEFAULT_MAPPING = "siret=siret,name=name,post_code=post_code,city=city"


class InviteForm(FlaskForm):
    siret = StringField(
        _l("SIRET de l'entreprise membre"), validators=[InputRequired(), valid_siret]
    )
    email = EmailField(
        _l("Adresse e-mail de la personne invitée"),
        validators=[InputRequired(), Email(), Length(max=254)],
    )


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— colonne « kind » du fichier —"))] + [
        SelectChoice(kind.code, f"{kind.code} — {kind.label}") for kind in KINDS
    ]


class ImportForm(FlaskForm):
    file = FileField(
        _l("Liste des membres (CSV ou XLSX)"),
        validators=[FileRequired(_l("Choisissez un fichier."))],
    )
    mapping = StringField(
        _l("Correspondance des colonnes"),
        default=DEFAULT_MAPPING,
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "champ=Colonne, séparés par des virgules. Champs obligatoires : siret, name, "
            "post_code, city ; facultatifs : kind, brand, naf, legal_form, address, "
            "departement, latitude, longitude, website, description, employees_bracket."
        ),
    )
    kind = SelectField(
        _l("Type des entreprises sans type indiqué"), validators=[Optional()], choices=[]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
