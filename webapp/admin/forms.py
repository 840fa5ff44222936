"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf, InputRequired

from webapp.auth.forms import valid_siret


class FacilitatorForm(FlaskForm):
    network = SelectField(_l("Réseau"), validators=[InputRequired()], choices=[])


class BuyerOrganisationForm(FlaskForm):
    siret = StringField(
        _l("SIRET de l'organisation acheteuse"), validators=[InputRequired(), valid_siret]
    )


class MergeForm(FlaskForm):
    kept = StringField(_l("SIRET de la fiche conservée"), validators=[InputRequired(), valid_siret])
    duplicate = StringField(
        _l("SIRET du doublon (supprimé après la fusion)"),
        validators=[InputRequired(), valid_siret],
    )
    step = StringField(validators=[InputRequired(), AnyOf(("preview", "merge"))], default="preview")
