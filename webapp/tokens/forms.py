"""The form that creates a personal API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

SCOPE_LABELS = {
    "read": _l("Lecture (read) : consulter l'API en votre nom"),
    "write:intentions": _l("Intentions d'achat (write:intentions) : en déclarer en votre nom"),
    "write:events": _l(
        "Événements (write:events) : pointer les participants des événements que vous organisez"
    ),
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(
        _l("Nom du jeton"),
        validators=[DataRequired(), Length(max=80)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description=_l("Pour vous y retrouver : l'outil ou le script qui s'en sert."),
    )
    scopes = CheckboxesField(
        _l("Droits"),
        validators=[DataRequired(_l("Cochez au moins un droit."))],
    )

    def __init__(self, *args, scopes: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [SelectChoice(s, SCOPE_LABELS.get(s, s)) for s in scopes]
