"""The enterprise list's filter form (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from domain.kinds import KINDS
from webapp.extensions import db
from webapp.models import Departement, SectorGroup


class EnterpriseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectMultipleField(
        _l("Type de structure"),
        choices=[SelectChoice(k.code) for k in KINDS],
        validators=[Optional()],
    )
    departement = SelectField(_l("Département"), choices=[], validators=[Optional()])
    sector = SelectField(_l("Secteur d'activité"), choices=[], validators=[Optional()])

    def set_choices(self, departements, sector_groups) -> None:
        self.departement.choices = [SelectChoice("", _l("Tous"))] + [
            SelectChoice(d.code, f"{d.code} — {d.name}") for d in departements
        ]
        self.sector.choices = [SelectChoice("", _l("Tous"))] + [
            SelectChoice(s.slug, s.name, optgroup=group.name)
            for group in sector_groups
            for s in group.sectors
        ]


def filter_form(formdata=None) -> EnterpriseFilterForm:
    """The filter form with its choices read from the reference data."""
    form = EnterpriseFilterForm(formdata)
    form.set_choices(
        db.session.scalars(select(Departement).order_by(Departement.code)),
        db.session.scalars(
            select(SectorGroup)
            .order_by(SectorGroup.name)
            .options(selectinload(SectorGroup.sectors))
        ),
    )
    return form
