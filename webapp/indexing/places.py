"""Places and vocabularies for query parsing, read from the reference tables."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.gazetteer import default_gazetteer
from search.query import Place, PlaceDirectory, Point
from webapp.models import Commune, Departement, Epci, Label, Network, Region, Sector, SectorGroup

_VOCABULARIES = {
    "sector": Sector.slug,
    "sector_group": SectorGroup.slug,
    "label": Label.slug,
    "network": Network.slug,
}
_POSTAL_CODE = re.compile(r"\b([0-9]{5})\b")


class DatabasePlaces(PlaceDirectory):
    def __init__(self, session: Session):
        self.session = session
        self._known: dict[str, frozenset[str]] = {}

    def known(self, vocabulary: str) -> frozenset[str]:
        if vocabulary not in self._known:
            column = _VOCABULARIES[vocabulary]
            self._known[vocabulary] = frozenset(self.session.scalars(select(column)))
        return self._known[vocabulary]

    def place(self, kind: str, code: str) -> Place | None:
        if kind == "commune":
            commune = self.session.get(Commune, code)
            if commune is None:
                return None
            covered_by = [
                ("commune", commune.insee),
                ("departement", commune.departement_code),
                ("region", commune.region_code),
            ]
            if commune.epci_siren:
                covered_by.insert(1, ("epci", commune.epci_siren))
            return Place(
                "commune",
                commune.insee,
                commune.name,
                commune.latitude,
                commune.longitude,
                tuple(covered_by),
                (commune.latitude, commune.longitude, commune.latitude, commune.longitude),
            )
        model, column, name_of = {
            "epci": (Epci, Commune.epci_siren, lambda o: o.name),
            "departement": (Departement, Commune.departement_code, lambda o: o.name),
            "region": (Region, Commune.region_code, lambda o: o.name),
        }[kind]
        division = self.session.get(model, code)
        if division is None:
            return None
        south, west, north, east, lat, lon = self.session.execute(
            select(
                func.min(Commune.latitude),
                func.min(Commune.longitude),
                func.max(Commune.latitude),
                func.max(Commune.longitude),
                func.avg(Commune.latitude),
                func.avg(Commune.longitude),
            ).where(column == code)
        ).one()
        if south is None:
            return None
        # A zone listing a larger division covers this one only if it contains it whole.
        departements = self.session.scalars(
            select(Commune.departement_code).where(column == code).distinct()
        ).all()
        regions = self.session.scalars(
            select(Commune.region_code).where(column == code).distinct()
        ).all()
        covered_by = [(kind, code)]
        if kind == "epci" and len(departements) == 1:
            covered_by.append(("departement", departements[0]))
        if kind in ("epci", "departement") and len(regions) == 1:
            covered_by.append(("region", regions[0]))
        return Place(
            kind,
            code,
            name_of(division),
            float(lat),
            float(lon),
            tuple(covered_by),
            (south, west, north, east),
        )

    def locate(self, text: str) -> Point | None:
        """A commune from "59000 Lille", "Lille" or "59000" (the most populous on a tie)."""
        gazetteer = default_gazetteer()
        postal = _POSTAL_CODE.search(text)
        name = _POSTAL_CODE.sub(" ", text).strip(" ,")
        if postal and name:
            commune = gazetteer.resolve(postal.group(1), name).commune
            candidates = (commune,) if commune else ()
        elif postal:
            candidates = tuple(
                sorted(
                    gazetteer.communes_for_postal_code(postal.group(1)),
                    key=lambda c: -(c.population or 0),
                )
            )
        else:
            candidates = gazetteer.named(name)
        if not candidates:
            return None
        return Point(candidates[0].latitude, candidates[0].longitude, candidates[0].name)
