"""Places of execution read from import files: a postal code, a commune INSEE code, a
département, a région, an EPCI, a country, or the DECP ``lieuExecution`` object.

Never a silent guess: a value is read as what it says it is; a postal code shared by
several communes becomes their département (with a warning) only when they all share one,
and is refused otherwise. DECP places often come in the wrong field (a département in
"Code postal", a commune code in "Code département", the code in ``nom``): ``decp`` then
reads what the code and the name agree on, and every such reading carries a warning that
says what was read and what was understood (``approximate`` when the place understood is
coarser than the one written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.gazetteer import Commune, Gazetteer, default_gazetteer, normalise_name
from domain.text import fold
from webapp.models import Departement, Epci, Region


@dataclass(frozen=True)
class PlaceReading:
    """A place of execution (``kind`` one of ``domain.places.PLACE_KINDS``), or why not."""

    kind: str | None = None
    code: str | None = None
    label: str | None = None
    warning: str | None = None
    error: str | None = None
    # The place understood is coarser than the one written (a département for a postal
    # code, a canton): said in the warning, counted apart.
    approximate: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def _fail(reason: str) -> PlaceReading:
    return PlaceReading(error=reason)


NATIONAL = PlaceReading("national", None, "France")

_ARTICLES = frozenset(("le", "la", "les", "l"))
# What may come before a département's name in a name that is the département (folded).
_ABOUT_DEPARTEMENT = re.compile(
    r"^(?:(?:toutes les communes|departements?|territoire)(?: de la| de l| des| du| de)? )"
)


def _informative(name: str) -> bool:
    """Whether a DECP ``nom`` says anything (not empty, not a bare code)."""
    return bool(re.search(r"[^\W\d_]{2}", name or ""))


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
        self._departement_keys = {fold(name): code for code, name in self.departements.items()}

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
        # A name that is none of the postal code's communes is said, not silently dropped.
        unmatched = f" (the name {name.strip()!r} is none of them)" if _informative(name) else ""
        if len(communes) == 1:
            warning = (
                f"postal code {code} is {communes[0].name}'s only{unmatched}" if unmatched else None
            )
            return PlaceReading("commune", communes[0].insee, communes[0].name, warning)
        departements = {c.departement for c in communes}
        if len(departements) == 1:
            (departement,) = departements
            return PlaceReading(
                "departement",
                departement,
                self.departements.get(departement, departement),
                f"postal code {code} covers {len(communes)} communes{unmatched}: read as their "
                f"département {departement}",
                approximate=True,
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
        """A DECP ``lieuExecution`` object ``{code, typeCode, nom}``: read as its type says
        when the name does not contradict it, else as what the code and the name agree on
        (with a warning naming both), else refused with the reason."""
        if not isinstance(place, dict):
            return _fail("no lieuExecution object")
        type_code = str(place.get("typeCode") or "").strip()
        code = str(place.get("code") or "").strip()
        name = str(place.get("nom") or "").strip()
        kind = DECP_TYPES.get(type_code.lower())
        if kind == "commune":
            reading = self._decp_commune(code, name)
        elif kind is not None:
            reading = self.read(kind, code, name)
        else:
            reading = _fail(f"place type {type_code!r} is not read (code {code!r})")
        if not reading.ok:
            reading = self._decp_guess(kind, code, name) or reading
        if reading.warning:
            said = f"{type_code or '?'} {code!r}" + (f" nom {name!r}" if name else "")
            reading = replace(reading, warning=f"{said}: {reading.warning}")
        return reading

    def _decp_commune(self, code: str, name: str) -> PlaceReading:
        """A "Code commune" often holds a postal code (74100 is Desingy's INSEE code and
        Annemasse's postal code): the name decides between the two readings."""
        strict = self.commune(code)
        commune = self.gazetteer.get(code) if strict.ok else None
        if commune is not None and _informative(name) and self.names(name, commune):
            return strict
        by_name = self._by_postal_code_and_name(code, name)
        if by_name is not None and (commune is None or by_name[0].insee != commune.insee):
            found, method = by_name
            where = f"the INSEE code of {commune.name}" if commune else "no commune's INSEE code"
            how = (
                f"whose postal code is {code}: read as a postal code"
                if method in ("postal_code+name", "alias_name")
                else "a commune of the same département: read by the name"
            )
            return PlaceReading(
                "commune",
                found.insee,
                found.name,
                f"{code} is {where}; the name is {found.name} ({found.insee}), {how}",
            )
        if commune is not None:
            others = [c.name for c in self.gazetteer.communes_for_postal_code(code) if c != commune]
            if others:
                return replace(
                    strict,
                    warning=f"{code} is also the postal code of {', '.join(others[:3])}: "
                    f"read as the INSEE code of {commune.name}, as its type says",
                )
            return strict
        if code.isdigit() and len(code) == 5:
            return self.postal_code(code, name)
        return strict

    def _by_postal_code_and_name(self, code: str, name: str) -> tuple[Commune, str] | None:
        """The commune named ``name`` among those of postal code ``code`` (or, for a CEDEX
        or outdated code, in its département) and how it was found, or None."""
        if not (code.isdigit() and len(code) == 5 and _informative(name)):
            return None
        found = self.gazetteer.resolve(code, name)
        if found.ok and "name" in found.method and found.method != "partial_name":
            return found.commune, found.method
        return None

    def names(self, name: str, commune: Commune) -> bool:
        """Whether a free-text name ("A Lyon 9ème", "VILLE D'AIX EN PROVENCE", "Grand
        Quevilly") names this commune: its name, article dropped, as whole words."""
        words = normalise_name(name).split()
        if commune in self.gazetteer.named(name):
            return True
        target = normalise_name(commune.name).split()
        if len(target) > 1 and target[0] in _ARTICLES:
            target = target[1:]
        size = len(target)
        return any(words[i : i + size] == target for i in range(len(words) - size + 1))

    def _departements_named(self, name: str) -> list[str]:
        """Codes of the départements whose name is in ``name`` as whole words, a name
        inside a longer one found ("Loire" in "Loire-Atlantique") left out."""
        text = f" {fold(name)} "
        found = [(code, key) for key, code in self._departement_keys.items() if f" {key} " in text]
        return [
            code
            for code, key in found
            if not any(key != other and f" {key} " in f" {other} " for _, other in found)
        ]

    def _commune_named(self, insee: str, name: str):
        """The commune of INSEE code ``insee`` when the place's name says it too."""
        commune = self.gazetteer.get(insee)
        if commune is not None and _informative(name) and self.names(name, commune):
            return commune
        return None

    def _decp_guess(self, kind: str | None, code: str, name: str) -> PlaceReading | None:
        """What a place that cannot be read as its type says may still say, when its code
        and its name agree; None when they do not."""
        named = self._departements_named(name)
        upper = code.upper()
        # A 5-digit code in another field: a commune code or a postal code, the name agreeing.
        if re.fullmatch(r"\d[\dAB]\d{3}", upper) and kind != "postal_code":
            commune = self._commune_named(upper, name)
            if commune is not None:
                return PlaceReading(
                    "commune",
                    commune.insee,
                    commune.name,
                    f"read as the INSEE code of {commune.name}, which the name says",
                )
            by_name = self._by_postal_code_and_name(upper, name)
            if by_name is not None:
                found = by_name[0]
                return PlaceReading(
                    "commune",
                    found.insee,
                    found.name,
                    f"read as the postal code {code} and the name: {found.name} ({found.insee})",
                )
        if kind == "postal_code" and re.fullmatch(r"\d[\dAB]\d{3}", upper):
            commune = self._commune_named(upper, name)
            if commune is not None:
                return PlaceReading(
                    "commune",
                    commune.insee,
                    commune.name,
                    f"no postal code {code}: read as the INSEE code of {commune.name}, which "
                    "the name says",
                )
        # The code in the name ("Code postal", code 1116, nom 38000).
        if re.fullmatch(r"\d{5}", name) and name != code:
            readers = [("postal code", self.postal_code), ("commune code", self.commune)]
            if kind == "commune":
                readers.reverse()
            for what, read in readers:
                reading = read(name)
                if reading.ok:
                    also = f"; {reading.warning}" if reading.warning else ""
                    return replace(
                        reading,
                        warning=f"the code is in the name: read {name} as a {what} "
                        f"({reading.label}){also}",
                    )
        # A département code in another field ("Code postal 51", "Code commune 17",
        # "Code pays 55"), unless the name names another département.
        departement = self._departement_code(upper)
        if departement and not (named and departement not in named):
            commune_named = self._commune_of(name, departement) if not named else None
            label = self.departements[departement]
            if commune_named is not None:
                return PlaceReading(
                    "departement",
                    departement,
                    label,
                    f"read as the département {departement} ({label}); the name names "
                    f"{commune_named.name}, a place inside it",
                    approximate=True,
                )
            if not _informative(name) or named:
                others = [f"{self.departements[c]} ({c})" for c in named if c != departement]
                more = f" (the name also names {', '.join(others)})" if others else ""
                return PlaceReading(
                    "departement",
                    departement,
                    label,
                    f"read as the département {departement} ({label}){more}",
                    approximate=bool(others),
                )
        # A canton or arrondissement code (0902, Arize-Lèze (canton)): its département.
        if re.fullmatch(r"\d{3,5}", upper) and (
            kind is None or re.search(r"\b(canton|arrondissement)\b", fold(name))
        ):
            prefix = upper[:3] if upper.startswith("97") else upper[:2]
            if prefix in self.departements and not (named and prefix not in named):
                label = self.departements[prefix]
                return PlaceReading(
                    "departement",
                    prefix,
                    label,
                    f"a canton or arrondissement: read as its département {prefix} ({label}), "
                    "approximately",
                    approximate=True,
                )
        # A département by its name ("DEP", "Département des Pyrénées-Atlantiques"), when
        # the name is about the département: "Lot 3" is no place.
        about = fold(name)
        stripped = _ABOUT_DEPARTEMENT.sub("", about)
        if len(named) == 1 and (stripped in self._departement_keys or "departement" in about):
            (departement,) = named
            hint = upper[:2]
            if hint.isdigit() and hint in self.departements and departement[:2] != hint:
                return None  # the code's digits say another département
            label = self.departements[departement]
            return PlaceReading(
                "departement",
                departement,
                label,
                f"the name is the département {departement} ({label})",
            )
        return None

    def _departement_code(self, code: str) -> str | None:
        if re.fullmatch(r"0\d\d", code) and code[1:] in self.departements:
            return code[1:]
        if re.fullmatch(r"\d|\d\d|2[AB]|97\d", code):
            normal = code.zfill(2)
            return normal if normal in self.departements else None
        return None

    def _commune_of(self, name: str, departement: str) -> Commune | None:
        """The one commune of the département the name names ("ORLEANS ET SA METROPOLE"),
        looked for among its runs of words (single words of three letters or less, such
        as "sa" or "et", left out), or None."""
        words = normalise_name(name).split()
        found: dict[str, Commune] = {}
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = words[start : start + size]
                if size == 1 and len(phrase[0]) <= 3:
                    continue
                for commune in self.gazetteer.named(" ".join(phrase)):
                    if commune.departement == departement:
                        found[commune.insee] = commune
        return next(iter(found.values())) if len(found) == 1 else None

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
