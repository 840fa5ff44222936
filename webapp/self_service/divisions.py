"""The divisions of a declared intervention zone as the zone editor writes them: read from
text (``departement:59, commune:59350``) and checked against the reference data, written
back as text, and suggested by name or code as one types."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from domain.text import echoed
from webapp.models import Commune, InterventionZone
from webapp.models.enterprise import DIVISION_TYPES
from webapp.models.territory import DIVISION_MODELS

MAX_DIVISIONS = 200
SUGGESTIONS = 20

# What people type for each division type (folded to ASCII lower case).
_TYPE_ALIASES = {
    "region": "region",
    "région": "region",
    "reg": "region",
    "departement": "departement",
    "département": "departement",
    "dep": "departement",
    "dept": "departement",
    "epci": "epci",
    "commune": "commune",
    "com": "commune",
}


def parse_divisions(session: Session, text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``"departement:59, commune:59350"`` -> ([("departement", "59"), ...], errors)."""
    found: list[tuple[str, str]] = []
    errors: list[str] = []
    for raw in re.split(r"[,;\n]+", text or ""):
        token = raw.strip()
        if not token:
            continue
        kind, sep, code = token.partition(":")
        division_type = _TYPE_ALIASES.get(kind.strip().lower())
        code = code.strip().upper()
        if not sep or division_type is None or not code:
            errors.append(
                _(
                    "« %(token)s » : écrivez type:code, par exemple departement:59.",
                    token=echoed(token),
                )
            )
            continue
        if len(code) > 9 or session.get(DIVISION_MODELS[division_type], code) is None:
            errors.append(_("« %(token)s » : ce territoire est inconnu.", token=echoed(token)))
            continue
        if (division_type, code) not in found:
            found.append((division_type, code))
    if len(found) > MAX_DIVISIONS:
        errors.append(_("%(n)s territoires au plus.", n=MAX_DIVISIONS))
    return found, errors


def format_divisions(zone: InterventionZone | None) -> str:
    """A declared zone's divisions as ``parse_divisions`` reads them ("" for another kind)."""
    if zone is None or zone.kind != "divisions":
        return ""
    return ", ".join(f"{d.division_type}:{d.code}" for d in zone.divisions)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def division_labels() -> dict[str, str]:
    """Each division type's name, in the reader's language."""
    return {
        "region": _("Région"),
        "departement": _("Département"),
        "epci": _("Intercommunalité"),
        "commune": _("Commune"),
    }


def suggest_divisions(session: Session, text: str) -> list[dict[str, str]]:
    """Divisions whose name contains ``text`` or whose code starts with it, for the zone
    editor's autocomplete: [{"value": "departement:59", "label": "Département : Nord (59)"}]."""
    text = (text or "").strip()[:60]
    if len(text) < 2:
        return []
    results: list[dict[str, str]] = []
    labels = division_labels()
    for division_type in DIVISION_TYPES:
        model = DIVISION_MODELS[division_type]
        key, name = inspect(model).primary_key[0], model.name  # its code and its name
        query = (
            select(key, name)
            .where(or_(name.ilike(_like(text), escape="\\"), key.like(f"{text.upper()}%")))
            .order_by(name)
            .limit(SUGGESTIONS)
        )
        if model is Commune:
            query = query.order_by(None).order_by(Commune.population.desc().nulls_last())
        for code, label in session.execute(query):
            results.append(
                {
                    "value": f"{division_type}:{code}",
                    "label": f"{labels[division_type]} : {label} ({code})",
                }
            )
    return results[:SUGGESTIONS]
