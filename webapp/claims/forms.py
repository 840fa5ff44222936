"""Forms for claims and for one-click decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional


class ClaimForm(FlaskForm):
    message = TextAreaField(
        _l("Message (facultatif)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Votre fonction dans l'entreprise, ou tout ce qui aidera à décider."),
    )


class DecisionForm(FlaskForm):
    """Two buttons named ``decision``: approve or refuse."""

    decision = StringField(validators=[InputRequired(), AnyOf(("approve", "refuse"))])
