"""Turning one row of an enterprise list into a validated record, or a reason to reject it.

Shared by every enterprise source (SIAE list, generic CSV/XLSX with a column mapping), so a
row means the same thing whatever file it comes from.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from stdnum.exceptions import ValidationError
from stdnum.fr import siret as siret_number

from domain.gazetteer import Gazetteer
from domain.geo import haversine_km
from domain.kinds import KINDS, KINDS_BY_CODE
from domain.sector_suggestion import SectorSuggester, SectorSuggestion, normalize_naf
from domain.text import fold
from domain.zones import ZoneSpec, derive_zone
from importers.report import ParseResult
from webapp.models.enterprise import Enterprise

# The fields a column mapping may fill. Only the first four are required.
REQUIRED_FIELDS = ("siret", "name", "post_code", "city")
FIELDS = REQUIRED_FIELDS + (
    "kind",
    "brand",
    "naf",
    "legal_form",
    "address",
    "departement",
    "latitude",
    "longitude",
    "website",
    "description",
    "employees_bracket",
    "source",
)

# Coordinates further than this from the resolved commune are treated as wrong (a swapped
# latitude/longitude, a geocoder's mistake) and the commune's position is used instead.
MAX_KM_FROM_COMMUNE = 40.0

# Column widths of the enterprise table, for the fields stored as given.
MAX_LENGTHS = {
    field_name: Enterprise.__table__.columns[column].type.length
    for field_name, column in {
        "name": "name",
        "brand": "brand",
        "legal_form": "legal_form",
        "address": "address",
        "city": "city",
        "website": "website",
        "source": "source",
    }.items()
}

_ESS_LEGAL_FORMS = ("association", "scop", "scic", "cooperative", "mutuelle", "fondation")
_KIND_BY_LABEL = {fold(kind.label): kind.code for kind in KINDS}
_UNKNOWN_VALUES = {"", "non renseigne", "nc", "n c", "inconnu", "-"}


@dataclass
class EnterpriseRecord:
    line: int
    siret: str
    siren: str
    name: str
    kind: str
    source: str
    post_code: str
    city: str
    commune_insee: str
    departement_code: str
    latitude: float
    longitude: float
    position_precision: str
    brand: str | None = None
    naf_code: str | None = None
    legal_form: str | None = None
    ess_status: str = "unknown"
    address: str | None = None
    website: str | None = None
    description: str | None = None
    headcount_bracket: str | None = None
    sectors: tuple[SectorSuggestion, ...] = ()
    zone: ZoneSpec | None = None
    networks: tuple[str, ...] = field(default_factory=tuple)
    # What a register adds (see EnterpriseData): fields filled when empty, capacity figures,
    # and the source whose enterprises the record may re-identify (None: any).
    gaps: dict[str, str] = field(default_factory=dict)
    capacity: dict[str, int | None] = field(default_factory=dict)
    identity_source: str | None = None
    # The fields this row gave a value for (``kind`` not when the default kind was used,
    # ``latitude`` only when the row's coordinates were kept): an update touches only these.
    provided: frozenset[str] = frozenset(FIELDS)


class RowRejected(ValueError):
    """Raised while building a record: the message is the reason reported for the row."""


@dataclass
class RowBuilder:
    """Validates mapped rows into ``EnterpriseRecord``s, rejecting duplicates within a file."""

    gazetteer: Gazetteer
    suggester: SectorSuggester
    naf_codes: frozenset[str]
    default_source: str
    default_kind: str | None = None
    networks: tuple[str, ...] = ()
    _seen: dict[str, int] = field(default_factory=dict)

    def add(self, line: int, values: dict[str, str], result: ParseResult[EnterpriseRecord]) -> None:
        raw_siret = re.sub(r"\s", "", values.get("siret", ""))
        try:
            record = self._build(line, {k: (v or "").strip() for k, v in values.items()}, result)
        except RowRejected as exc:
            result.reject(line, str(exc), raw_siret or None)
            return
        first = self._seen.setdefault(record.siret, line)
        if first != line:
            result.reject(
                line, f"duplicate SIRET {record.siret}: already on line {first}", record.siret
            )
            return
        result.records.append(record)

    def _build(self, line: int, v: dict[str, str], result: ParseResult) -> EnterpriseRecord:
        missing = [name for name in REQUIRED_FIELDS if not v.get(name)]
        if missing:
            raise RowRejected(f"missing {', '.join(missing)}")
        _check_text(v)
        siret = _siret(v["siret"])
        kind = self._kind(v.get("kind", ""))
        post_code = _post_code(v["post_code"])
        position = _coordinates(v.get("latitude", ""), v.get("longitude", ""))
        resolution = self.gazetteer.resolve(
            post_code,
            v["city"],
            departement=v.get("departement") or None,
            latitude=position[0] if position else None,
            longitude=position[1] if position else None,
        )
        commune = resolution.commune
        if commune is None:
            raise RowRejected(resolution.reason)

        if position is None:
            latitude, longitude, precision = (
                commune.latitude,
                commune.longitude,
                commune.position_precision,
            )
            result.warn(
                line, "position_from_commune", f"no coordinates: position of {commune.name} used"
            )
        elif haversine_km(*position, commune.latitude, commune.longitude) > MAX_KM_FROM_COMMUNE:
            latitude, longitude, precision = (
                commune.latitude,
                commune.longitude,
                commune.position_precision,
            )
            result.warn(
                line,
                "coordinates_far_from_commune",
                f"coordinates {position[0]}, {position[1]} are over {MAX_KM_FROM_COMMUNE:g} km "
                f"from {commune.name}: the commune's position is used",
            )
        else:
            latitude, longitude, precision = position[0], position[1], "address"

        naf = self._naf(v.get("naf", ""), line, result)
        name = v["name"]
        brand = v.get("brand") or None
        description = v.get("description") or None
        legal_form = v.get("legal_form") or None
        sectors = tuple(self.suggester.suggest(naf, name, brand, description))
        if not sectors:
            result.warn(
                line, "no_sector", "no sector could be suggested from the NAF code or the text"
            )
        zone = derive_zone(description, commune.departement)
        provided = {name for name, value in v.items() if value}
        if precision != "address":
            provided -= {"latitude", "longitude"}
        return EnterpriseRecord(
            line=line,
            siret=siret,
            siren=siret[:9],
            name=name,
            brand=brand if brand != name else None,
            kind=kind,
            source=v.get("source") or self.default_source,
            post_code=post_code,
            city=v["city"],
            commune_insee=commune.insee,
            departement_code=commune.departement,
            latitude=round(latitude, 6),
            longitude=round(longitude, 6),
            position_precision=precision,
            naf_code=naf,
            legal_form=legal_form,
            ess_status=_ess_status(legal_form),
            address=v.get("address") or None,
            website=_website(v.get("website", "")),
            description=description,
            headcount_bracket=None
            if fold(v.get("employees_bracket")) in _UNKNOWN_VALUES
            else v["employees_bracket"],
            sectors=sectors,
            zone=zone,
            networks=self.networks,
            provided=frozenset(provided),
        )

    def _kind(self, raw: str) -> str:
        if not raw:
            if self.default_kind:
                return self.default_kind
            raise RowRejected("missing kind")
        code = raw.strip().upper()
        if code in KINDS_BY_CODE:
            return code
        by_label = _KIND_BY_LABEL.get(fold(raw))
        if by_label:
            return by_label
        raise RowRejected(f"unknown kind {raw!r} (expected one of {', '.join(KINDS_BY_CODE)})")

    def _naf(self, raw: str, line: int, result: ParseResult) -> str | None:
        if not raw:
            result.warn(line, "no_naf", "no NAF code")
            return None
        naf = normalize_naf(raw)
        if naf is None or naf not in self.naf_codes:
            raise RowRejected(f"unknown NAF code {raw!r}")
        if self.suggester.is_generic_naf(naf):
            result.warn(
                line, "generic_naf", f"generic NAF code {naf}: it tells nothing of the sector"
            )
        return naf


def _check_text(values: dict[str, str]) -> None:
    """Refuse what the database would refuse (over-long text), so one odd row is reported
    instead of aborting the whole import; NUL never gets here (``importers.tabular``
    cleans every cell)."""
    for name, value in values.items():
        limit = MAX_LENGTHS.get(name)
        if limit and len(value) > limit:
            raise RowRejected(f"{name} is longer than {limit} characters")


def _siret(raw: str) -> str:
    compact = re.sub(r"[\s.]", "", raw)
    try:
        return siret_number.validate(compact)
    except ValidationError as exc:
        raise RowRejected(f"invalid SIRET {raw!r}: {exc.message.lower().rstrip('.')}") from None


def _post_code(raw: str) -> str:
    compact = raw.replace(" ", "")
    if compact.isdigit() and len(compact) == 4:  # a spreadsheet dropped the leading zero
        compact = "0" + compact
    if not re.fullmatch(r"\d{5}", compact):
        raise RowRejected(f"invalid postal code {raw!r}")
    return compact


def _coordinates(raw_lat: str, raw_lon: str) -> tuple[float, float] | None:
    if not raw_lat and not raw_lon:
        return None
    try:
        latitude = float(raw_lat.replace(",", "."))
        longitude = float(raw_lon.replace(",", "."))
    except ValueError:
        raise RowRejected(f"unreadable coordinates {raw_lat!r}, {raw_lon!r}") from None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise RowRejected(f"unreadable coordinates {raw_lat!r}, {raw_lon!r}")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise RowRejected(f"coordinates out of range {raw_lat!r}, {raw_lon!r}")
    return latitude, longitude


def _website(raw: str) -> str | None:
    url = raw.strip()
    if not url or " " in url:
        return None
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "http://" + url
    return url[:500]


def _ess_status(legal_form: str | None) -> str:
    folded = fold(legal_form)
    if any(word in folded.split() for word in _ESS_LEGAL_FORMS):
        return "by_statute"
    return "unknown"
