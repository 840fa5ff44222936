"""Describing an intervention zone in words, with the names of its divisions."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from domain.zones import ADDRESS_DEPARTEMENT, DESCRIPTION_NATIONAL
from webapp.models import Commune, InterventionZone
from webapp.models.territory import DIVISION_MODELS


def explain_derivation(code: str | None) -> str | None:
    """Why an importer inferred this zone, in the visitor's language."""
    if not code:
        return None
    kind, _sep, evidence = code.partition(":")
    if kind == ADDRESS_DEPARTEMENT:
        return _("département de l'adresse déclarée")
    if kind == DESCRIPTION_NATIONAL:
        return _("la description mentionne « %(phrase)s »", phrase=evidence)
    return code


@dataclass(frozen=True)
class ZoneView:
    summary: str
    places: list[str]
    derived: bool
    derivation: str | None


def describe_zone(session: Session, zone: InterventionZone | None) -> ZoneView | None:
    if zone is None:
        return None
    if zone.kind == "national":
        return ZoneView(_("Toute la France"), [], zone.derived, explain_derivation(zone.derivation))
    if zone.kind == "radius":
        return ZoneView(
            _("Dans un rayon de %(km)s km autour de son adresse", km=zone.radius_km),
            [],
            zone.derived,
            explain_derivation(zone.derivation),
        )
    labels = {
        "region": _("Région"),
        "departement": _("Département"),
        "epci": _("Intercommunalité"),
        "commune": _("Commune"),
    }
    places = []
    for division in zone.divisions:
        row = session.get(DIVISION_MODELS[division.division_type], division.code)
        name = row.name if row else division.code
        places.append(
            _(
                "%(division)s : %(name)s (%(code)s)",
                division=labels[division.division_type],
                name=name,
                code=division.code,
            )
        )
    return ZoneView(
        _("Sur les territoires suivants"), places, zone.derived, explain_derivation(zone.derivation)
    )


_COMMUNE_COLUMNS = {
    "region": Commune.region_code,
    "departement": Commune.departement_code,
    "epci": Commune.epci_siren,
    "commune": Commune.insee,
}


def zone_extent(session: Session, zone: InterventionZone | None) -> list[list[float]] | None:
    """South-west and north-east corners of the communes a division zone lists, so the map
    can outline it (we hold commune positions, not boundaries)."""
    if zone is None or zone.kind != "divisions" or not zone.divisions:
        return None
    conditions = [_COMMUNE_COLUMNS[d.division_type] == d.code for d in zone.divisions]
    row = session.execute(
        select(
            func.min(Commune.latitude),
            func.min(Commune.longitude),
            func.max(Commune.latitude),
            func.max(Commune.longitude),
        ).where(or_(*conditions))
    ).one()
    if row[0] is None:
        return None
    return [[row[0], row[1]], [row[2], row[3]]]
