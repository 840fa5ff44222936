"""Places of execution read from import files: a postal code, a commune INSEE code, a
département, a région, an EPCI, a country, or the DECP ``lieuExecution`` object.

Never a guess: a value is read as what it says it is; a postal code shared by several
communes becomes their département (with a warning) only when they all share one, and is
refused otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from importers.gazetteer import Gazetteer, default_gazetteer
from webapp.models import Departement, Epci, Region


@dataclass(frozen=True)
class PlaceReading:
    """A place of execution (``kind`` in PurchaseIntention's PLACE_KINDS), or why not."""

    kind: str | None = None
    code: str | None = None
    label: str | None = None
    warning: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _fail(reason: str) -> PlaceReading:
    return PlaceReading(error=reason)


NATIONAL = PlaceReading("national", None, "France")

# DECP lieuExecution.typeCode -> our reading of the code.
DECP_TYPES = {
    "code postal": "postal_code",
    "code commune": "commune",
    "code département": "departement",
    "code departement": "departement",
    "code région": "region",
    "code region": "region",
    "code pays": "country",
}

# Prefixes accepted in the intentions template's ``lieu`` column.
PREFIXES = {
    "cp": "postal_code",
    "postal": "postal_code",
    "insee": "commune",
    "commune": "commune",
    "dep": "departement",
    "departement": "departement",
    "département": "departement",
    "reg": "region",
    "region": "region",
    "région": "region",
    "epci": "epci",
    "pays": "country",
}


def _names(session: Session, key, name) -> dict[str, str]:
    return {code: label for code, label in session.execute(select(key, name))}


class PlaceReader:
    """Reads places against the reference tables (communes from the gazetteer, which is
    built from the same files as the database; départements, régions, EPCIs from the
    session)."""

    def __init__(self, session: Session, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or default_gazetteer()
        self.departements = _names(session, Departement.code, Departement.name)
        self.regions = _names(session, Region.code, Region.name)
        self.epcis = _names(session, Epci.siren, Epci.name)

    # -- by kind --------------------------------------------------------------------

    def read(self, kind: str, code: str, name: str = "") -> PlaceReading:
        code = (code or "").strip()
        if kind == "postal_code":
            return self.postal_code(code, name)
        if kind == "commune":
            return self.commune(code)
        if kind == "departement":
            return self.departement(code)
        if kind == "region":
            return self.region(code)
        if kind == "epci":
            return self.epci(code)
        if kind == "country":
            return self.country(code)
        return _fail(f"unknown kind of place {kind!r}")

    def commune(self, code: str) -> PlaceReading:
        insee = code.upper()
        if not re.fullmatch(r"\d[\dAB]\d{3}", insee):
            return _fail(f"{code!r} is not a commune INSEE code (5 characters)")
        commune = self.gazetteer.get(insee)
        if commune is None:
            return _fail(f"no commune has the INSEE code {code!r}")
        warning = None
        if commune.insee != insee:
            warning = f"former commune {insee}, now {commune.insee} ({commune.name})"
        return PlaceReading("commune", commune.insee, commune.name, warning)

    def postal_code(self, code: str, name: str = "") -> PlaceReading:
        if not re.fullmatch(r"\d{5}", code):
            return _fail(f"{code!r} is not a postal code (5 digits)")
        if name and name.strip():
            found = self.gazetteer.resolve(code, name)
            if found.ok:
                commune = found.commune
                warning = None
                if "departement" in found.method:
                    # A CEDEX code with the commune's name: the name decides, said so.
                    warning = f"postal code {code} read through the name {name.strip()!r}"
                return PlaceReading("commune", commune.insee, commune.name, warning)
        communes = self.gazetteer.communes_for_postal_code(code)
        if not communes:
            return _fail(f"no commune has the postal code {code}")
        if len(communes) == 1:
            return PlaceReading("commune", communes[0].insee, communes[0].name)
        departements = {c.departement for c in communes}
        if len(departements) == 1:
            (departement,) = departements
            return PlaceReading(
                "departement",
                departement,
                self.departements.get(departement, departement),
                f"postal code {code} covers {len(communes)} communes: read as their "
                f"département {departement}",
            )
        return _fail(
            f"postal code {code} covers communes of several départements "
            f"({', '.join(sorted(departements))})"
        )

    def departement(self, code: str) -> PlaceReading:
        normal = code.upper()
        if re.fullmatch(r"0\d\d", normal) and normal[1:] in self.departements:
            normal = normal[1:]  # "078": INSEE's three-character form of 78
        elif re.fullmatch(r"\d", normal):
            normal = normal.zfill(2)
        if normal not in self.departements:
            return _fail(f"{code!r} is not a département code")
        return PlaceReading("departement", normal, self.departements[normal])

    def region(self, code: str) -> PlaceReading:
        normal = code.zfill(2) if re.fullmatch(r"\d", code) else code
        if normal not in self.regions:
            return _fail(f"{code!r} is not a région code")
        return PlaceReading("region", normal, self.regions[normal])

    def epci(self, code: str) -> PlaceReading:
        if code not in self.epcis:
            return _fail(f"{code!r} is not the SIREN of an EPCI")
        return PlaceReading("epci", code, self.epcis[code])

    def country(self, code: str) -> PlaceReading:
        if code.upper() in ("FR", "FRA", "FRANCE"):
            return NATIONAL
        return _fail(f"country {code!r}: only France (FR) is served")

    # -- DECP and free text ---------------------------------------------------------

    def decp(self, place: object) -> PlaceReading:
        """A DECP ``lieuExecution`` object ``{code, typeCode, nom}``."""
        if not isinstance(place, dict):
            return _fail("no lieuExecution object")
        type_code = str(place.get("typeCode") or "").strip()
        kind = DECP_TYPES.get(type_code.lower())
        if kind is None:
            return _fail(f"place type {type_code!r} is not read (code {place.get('code')!r})")
        return self.read(kind, str(place.get("code") or ""), str(place.get("nom") or ""))

    def text(self, value: str) -> PlaceReading:
        """The template's ``lieu``: ``FR``/``national``, ``dep:69``, ``reg:84``,
        ``epci:200046977``, ``cp:69001``, ``insee:69123``, or a bare code whose shape
        says what it is (2-3 characters: département; 9 digits: EPCI; 5 digits: a commune
        code or a postal code, refused when it could be either for different places)."""
        text = (value or "").strip()
        if not text:
            return _fail("no place given")
        prefix, sep, rest = text.partition(":")
        if sep:
            kind = PREFIXES.get(prefix.strip().lower())
            if kind is None:
                return _fail(f"unknown place prefix {prefix.strip()!r}")
            return self.read(kind, rest.strip())
        if text.lower() in ("fr", "france", "national", "nationale"):
            return NATIONAL
        if re.fullmatch(r"\d{9}", text):
            return self.epci(text)
        if re.fullmatch(r"\d{1,3}|2[ABab]", text):
            return self.departement(text)
        if re.fullmatch(r"\d[\dABab]\d{3}", text):
            as_commune = self.commune(text)
            as_postal = self.postal_code(text) if text.isdigit() else _fail("")
            same = (as_commune.kind, as_commune.code) == (as_postal.kind, as_postal.code)
            if as_commune.ok and as_postal.ok and not same:
                return _fail(
                    f"{text} is both a commune code ({as_commune.label}) and a postal code "
                    f"({as_postal.label}): write insee:{text} or cp:{text}"
                )
            if as_commune.ok:
                return as_commune
            if as_postal.ok:
                return as_postal
            return _fail(f"{text} is neither a commune code nor a postal code")
        return _fail(f"{text!r} is not a place code (see data/templates/README.md)")
