"""The forms of the day: the check-in buttons at the door, and the feedback page (one
block per meeting the participant had, and one for the event as a whole)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from webapp.events.day import ABSENT, FEEDBACK_COMMENT_MAX, PRESENT, UNKNOWN

NEXT_STEP_LABELS = {
    "none": _l("Aucune"),
    "quote": _l("Un devis"),
    "visit": _l("Une visite"),
    "joint_bid": _l("Une candidature commune"),
    "other": _l("Autre"),
}
USEFUL_CHOICES = [SelectChoice("yes", _l("Oui")), SelectChoice("no", _l("Non"))]
EVENT_KEY = "event"  # the block about the event as a whole


class AttendanceForm(FlaskForm):
    """A row's buttons: ``presence`` is the button pressed; ``q`` the search to return to."""

    presence = SelectField(
        choices=[SelectChoice(value, value) for value in (PRESENT, ABSENT, UNKNOWN)],
        validators=[InputRequired()],
    )
    q = HiddenField(validators=[Optional(), Length(max=100)])


class FeedbackForm(FlaskForm):
    """Built per participant by ``feedback_form``: fields ``useful_<key>``,
    ``next_step_<key>``, ``comment_<key>``, key a meeting id or ``EVENT_KEY``."""


def feedback_form(keys: list[int | str], **kwargs) -> FeedbackForm:
    """A feedback form with a block for each key (meeting ids, then ``EVENT_KEY``)."""

    class Form(FeedbackForm):
        pass

    for key in keys:
        about_event = key == EVENT_KEY
        setattr(
            Form,
            f"useful_{key}",
            RadioField(
                _l("L'événement vous a-t-il été utile ?")
                if about_event
                else _l("Ce rendez-vous vous a-t-il été utile ?"),
                choices=USEFUL_CHOICES,
                validators=[Optional()],
            ),
        )
        if not about_event:
            setattr(
                Form,
                f"next_step_{key}",
                SelectField(
                    _l("Suite prévue"),
                    choices=[SelectChoice(k, label) for k, label in NEXT_STEP_LABELS.items()],
                    default="none",
                ),
            )
        setattr(
            Form,
            f"comment_{key}",
            TextAreaField(
                _l("Commentaire (facultatif)"),
                validators=[Optional(), Length(max=FEEDBACK_COMMENT_MAX)],
                filters=[lambda v: v.strip() if isinstance(v, str) else v],
            ),
        )
    return Form(**kwargs)
