"""Forms of the buyers' pages: shortlists, contact, saved searches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.buyers.services import NAME_MAX, SUBJECT_MAX

NOTE_MAX = 2000
MESSAGE_MIN, MESSAGE_MAX = 20, 5000
QUERY_MAX = 4000
NEW_LIST = "new"


def _stripped(value):
    """Surrounding spaces out (NUL never gets here: ``webapp.input_cleaning``)."""
    return value.strip() if isinstance(value, str) else value


class ShortlistNameForm(FlaskForm):
    name = StringField(
        _l("Nom de la liste"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        filters=[_stripped],
    )


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        filters=[_stripped],
        description=_l("Visible de vous seul."),
    )


class AddToShortlistForm(FlaskForm):
    """From an enterprise's profile: pick one of one's lists, or name a new one."""

    shortlist = SelectField(_l("Liste"), validators=[DataRequired()], validate_choice=False)
    new_name = StringField(
        _l("Nom de la nouvelle liste"),
        validators=[Optional(), Length(max=NAME_MAX)],
        filters=[_stripped],
    )

    def validate_shortlist(self, field) -> None:
        if field.data == NEW_LIST:
            return
        if field.data not in {str(choice[0]) for choice in field.iter_choices()}:
            raise ValidationError(_l("Choisissez une de vos listes."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.shortlist.data == NEW_LIST and not self.new_name.data:
            # Not a validate_new_name: Optional() would stop the chain before it.
            self.new_name.errors.append(_l("Donnez un nom à la nouvelle liste."))
            valid = False
        return valid


class ContactForm(FlaskForm):
    subject = StringField(
        _l("Objet"),
        validators=[DataRequired(), Length(max=SUBJECT_MAX)],
        filters=[_stripped],
    )
    message = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(min=MESSAGE_MIN, max=MESSAGE_MAX)],
        filters=[_stripped],
        description=_l(
            "Entre %(min)s et %(max)s caractères. Votre nom et votre adresse e-mail sont "
            "transmis à l'entreprise pour qu'elle vous réponde.",
            min=MESSAGE_MIN,
            max=MESSAGE_MAX,
        ),
    )


class SaveSearchForm(FlaskForm):
    query_string = HiddenField(validators=[Optional(), Length(max=QUERY_MAX)])
    name = StringField(
        _l("Nom de la recherche"),
        validators=[Optional(), Length(max=NAME_MAX)],
        filters=[_stripped],
    )


class SavedSearchNameForm(FlaskForm):
    name = StringField(
        _l("Nom de la recherche"),
        validators=[DataRequired(), Length(max=NAME_MAX)],
        filters=[_stripped],
    )


class AlertsForm(FlaskForm):
    alerts = BooleanField(_l("Recevoir une alerte par e-mail"))
