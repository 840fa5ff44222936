"""The enterprise list's filter form (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import Optional

from webapp.domain.kinds import KINDS


class EnterpriseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectMultipleField(
        _l("Type de structure"), choices=[(k.code, k.code) for k in KINDS], validators=[Optional()]
    )
    departement = SelectField(_l("Département"), choices=[], validators=[Optional()])
    sector = SelectField(_l("Secteur d'activité"), choices=[], validators=[Optional()])

    def set_choices(self, departements, sector_groups) -> None:
        self.departement.choices = [("", _l("Tous"))] + [
            (d.code, f"{d.code} — {d.name}") for d in departements
        ]
        self.sector.choices = [("", _l("Tous"))] + [
            (group.name, [(s.slug, s.name) for s in group.sectors]) for group in sector_groups
        ]
