"""Forms of the meeting requests' and the schedule's pages (each POST button is one of
these small forms, for its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from webapp.models.events import MOTIVATION_MAX

# The ids a column holds (an INTEGER of PostgreSQL): beyond, the driver overflows.
ID_MAX = 2**31 - 1
_ID = NumberRange(min=1, max=ID_MAX)


def query_id(args, name: str) -> int | None:
    """An id read from the query string (``request.args``): None when absent, not a
    number, or outside 1..ID_MAX (so that it never reaches the database)."""
    value = args.get(name, type=int)
    return value if value is not None and 1 <= value <= ID_MAX else None


class AskForm(FlaskForm):
    """Ask another participant for a meeting."""

    sender = IntegerField(validators=[Optional(), _ID])  # when one speaks for several
    recipient = IntegerField(_l("Participant"), validators=[InputRequired(), _ID])
    motivation = TextAreaField(
        _l("Votre motivation"),
        validators=[Optional(), Length(max=MOTIVATION_MAX)],
        description=_l("Ce que vous attendez de ce rendez-vous (facultatif)."),
    )
    intention = IntegerField(validators=[Optional(), _ID])
    suggested = BooleanField(default=False)


class AnswerForm(FlaskForm):
    """Two buttons named ``decision``: accept or decline."""

    decision = HiddenField(validators=[InputRequired(), AnyOf(("accept", "decline"))])


class ButtonForm(FlaskForm):
    """Only a CSRF token: cancel, compute, publish."""


class LockForm(FlaskForm):
    locked = HiddenField(validators=[InputRequired(), AnyOf(("1", "0"))])


class MoveForm(FlaskForm):
    slot = SelectField(_l("Créneau"), coerce=int, validators=[InputRequired()])
    table = SelectField(_l("Table"), coerce=int, validators=[InputRequired()])


class MeetingMoveForm(MoveForm):
    """The planning's one move form: which meeting, then where. The meeting is checked
    against the event by the view (its choices are only listed on the page)."""

    meeting = SelectField(
        _l("Rendez-vous"), coerce=int, validate_choice=False, validators=[InputRequired(), _ID]
    )


class ParticipantFilterForm(FlaskForm):
    """The GET filter of the other participants (no CSRF: it writes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Type"),
        choices=[
            SelectChoice("", _l("Tous")),
            SelectChoice("buyer", _l("Acheteurs")),
            SelectChoice("enterprise", _l("Entreprises")),
        ],
        validators=[Optional()],
    )
    q = StringField(_l("Nom"), validators=[Optional(), Length(max=100)])
