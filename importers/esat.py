"""The ESAT of the FINESS register (``data/demo/esat_finess.csv.gz``): file in, records out.

One row is a FINESS establishment (ET) run by a managing body (EJ). The enterprise is the
establishment's SIRET: several establishments of one body are distinct enterprises (they
share a SIREN), while the further sites of one SIRET (a principal ESAT and its annexes,
each with its own FINESS number) are one enterprise whose authorised places add up.

``parse_esat`` is pure, like the other parsers: nothing touches the database. The loader
is the shared ``importers.enterprise_loader.load_enterprises``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from domain.gazetteer import Commune
from domain.zones import ADDRESS_DEPARTEMENT, DIVISIONS, ZoneSpec
from importers.enterprise_lists import ReferenceKit, default_kit
from importers.enterprise_rows import (
    EnterpriseRecord,
    RowRejected,
    _check_text,
    _post_code,
    _siret,
)
from importers.report import ParseResult
from importers.tabular import ImportFileError, read_rows

SOURCE = "FINESS"
KIND = "ESAT"

COLUMNS = (
    "ej_finess",
    "ej_name",
    "ej_legal_status_code",
    "ej_legal_status",
    "et_finess",
    "et_name",
    "address",
    "post_code",
    "et_type",
    "siret",
    "region_code",
    "departement_code",
    "commune_code",
    "commune_name",
    "phone",
    "authorised_places",
)

# FINESS legal statuses of the managing bodies (the establishment's own legal form), in
# words a buyer reads, for the abbreviated labels of the register ("Ass.L.1901 R.U.P.").
LEGAL_STATUSES = {
    "2": "Département",
    "11": "Établissement public départemental hospitalier",
    "14": "Établissement public intercommunal hospitalier",
    "17": "Centre communal d'action sociale (CCAS)",
    "18": "Établissement social national",
    "19": "Établissement social départemental",
    "21": "Établissement social communal",
    "22": "Établissement social intercommunal",
    "28": "Groupement d'intérêt public (GIP)",
    "40": "Régime général de sécurité sociale",
    "47": "Société mutualiste",
    "60": "Association loi 1901 non reconnue d'utilité publique",
    "61": "Association loi 1901 reconnue d'utilité publique",
    "62": "Association de droit local (Alsace-Moselle)",
    "63": "Fondation",
    "65": "Autre organisme privé à but non lucratif",
    "66": "Groupement de coopération sociale ou médico-sociale privé",
    "72": "Société à responsabilité limitée (SARL)",
}

# Associations, foundations and mutuals are of the social and solidarity economy by statute
# (loi 2014-856 art. 1); public bodies are not, and the other private forms are not known.
ESS_BY_STATUTE = frozenset({"47", "60", "61", "62", "63"})

_PHONE = re.compile(r"[0-9 +.()\-]{10,30}")
_MAX_PHONE_LENGTH = 30


@dataclass
class _Establishment:
    """One valid row, before the rows of a SIRET are gathered into an enterprise."""

    line: int
    siret: str
    et_finess: str
    name: str
    principal: bool
    commune: Commune
    places: int | None
    values: dict[str, str]
    sites: list[_Establishment] = field(default_factory=list)


def parse_esat(
    source: str | Path | BinaryIO, *, kit: ReferenceKit | None = None
) -> ParseResult[EnterpriseRecord]:
    """Parse the FINESS list of ESAT (``.csv`` or ``.csv.gz``, the columns of ``COLUMNS``).

    A row without SIRET, with an invalid one, an unknown commune code or an unreadable
    count of places is rejected with its line and the reason. A row repeating a FINESS
    establishment already read is rejected; a further establishment of a SIRET already
    read is merged into it (its places added, its site named), with a warning.
    """
    kit = kit or default_kit()
    header, rows = read_rows(source)
    absent = [column for column in COLUMNS if column not in header]
    if absent:
        raise ImportFileError(f"line 1: missing column(s) {', '.join(absent)}")

    result: ParseResult[EnterpriseRecord] = ParseResult()
    by_siret: dict[str, _Establishment] = {}
    finess_lines: dict[str, int] = {}
    for row in rows:
        result.rows += 1
        if row.error:
            result.reject(row.line, row.error)
            continue
        values = {name: (row.values[name] or "").strip() for name in COLUMNS}
        raw_siret = re.sub(r"\s", "", values["siret"]) or None
        try:
            establishment = _establishment(row.line, values, kit, result)
        except RowRejected as exc:
            result.reject(row.line, str(exc), raw_siret)
            continue
        first = finess_lines.setdefault(establishment.et_finess, row.line)
        if first != row.line:
            result.reject(
                row.line,
                f"duplicate FINESS establishment {establishment.et_finess}: already on line "
                f"{first}",
                establishment.siret,
            )
            continue
        _gather(by_siret, establishment, result)

    for establishment in by_siret.values():
        result.records.append(_record(establishment, kit, result))
    result.records.sort(key=lambda record: record.line)
    return result


def _establishment(
    line: int, v: dict[str, str], kit: ReferenceKit, result: ParseResult
) -> _Establishment:
    if not v["siret"]:
        raise RowRejected(
            f"no SIRET (FINESS establishment {v['et_finess'] or '?'}, {v['et_name'] or '?'})"
        )
    for required in ("et_finess", "et_name", "commune_code", "post_code"):
        if not v[required]:
            raise RowRejected(f"missing {required}")
    _check_text({"name": v["et_name"], "address": v["address"]} | v)
    siret = _siret(v["siret"])
    _post_code(v["post_code"])
    commune = kit.gazetteer.get(v["commune_code"])
    if commune is None:
        raise RowRejected(
            f"unknown INSEE commune code {v['commune_code']!r} ({v['commune_name'] or '?'})"
        )
    if v["departement_code"] and v["departement_code"] != commune.departement:
        raise RowRejected(
            f"commune {v['commune_code']} is in département {commune.departement}, "
            f"not {v['departement_code']}"
        )
    return _Establishment(
        line=line,
        siret=siret,
        et_finess=v["et_finess"],
        name=v["et_name"],
        principal=v["et_type"].lower() == "principal",
        commune=commune,
        places=_places(v["authorised_places"], line, result),
        values=v,
    )


def _places(raw: str, line: int, result: ParseResult) -> int | None:
    if not raw:
        result.warn(line, "no_places", "no authorised places given: capacity unknown")
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise RowRejected(f"authorised places {raw!r} is not a whole number")
    places = int(raw)
    if places == 0:
        # The register's 0 is "not given" (annexes counted with their principal), not a
        # capacity: showing "0 places" would say the ESAT can employ nobody.
        result.warn(line, "no_places", "0 authorised places: capacity unknown")
        return None
    return places


def _gather(
    by_siret: dict[str, _Establishment], establishment: _Establishment, result: ParseResult
) -> None:
    """Keep one establishment per SIRET: the principal (else the first) speaks for it."""
    kept = by_siret.get(establishment.siret)
    if kept is None:
        by_siret[establishment.siret] = establishment
        return
    if establishment.principal and not kept.principal:
        establishment.sites = [*kept.sites, kept]
        kept.sites = []
        by_siret[establishment.siret] = establishment
        kept, site = establishment, kept
    else:
        kept.sites.append(establishment)
        site = establishment
    result.warn(
        site.line,
        "site_merged",
        f"FINESS establishment {site.et_finess} ({site.name}) shares SIRET {site.siret} "
        f"with line {kept.line}: merged as one of its sites",
    )


def _record(est: _Establishment, kit: ReferenceKit, result: ParseResult) -> EnterpriseRecord:
    v = est.values
    commune = est.commune
    result.warn(
        est.line,
        "position_from_commune",
        f"no coordinates: position of {commune.name} used ({commune.position_precision})",
    )
    known_places = [e.places for e in (est, *est.sites) if e.places is not None]
    sectors = tuple(kit.suggester.suggest(None, est.name))
    if not sectors:
        result.warn(est.line, "no_sector", "no sector could be suggested from the name")
    legal_form = LEGAL_STATUSES.get(v["ej_legal_status_code"]) or v["ej_legal_status"] or None
    departements = sorted({e.commune.departement for e in (est, *est.sites)})
    phone = _phone(v["phone"], est.line, result)
    # What the record speaks for (see EnterpriseRecord.provided): no coordinates, no NAF,
    # no description of the enterprise's own (the register's text only fills a gap).
    provided = {"name", "kind", "post_code", "city"}
    provided |= {"legal_form"} if legal_form else set()
    provided |= {"address"} if v["address"] else set()
    return EnterpriseRecord(
        line=est.line,
        siret=est.siret,
        siren=est.siret[:9],
        name=est.name,
        kind=KIND,
        source=SOURCE,
        post_code=_post_code(v["post_code"]),
        city=v["commune_name"] or commune.name,
        commune_insee=commune.insee,
        departement_code=commune.departement,
        latitude=round(commune.latitude, 6),
        longitude=round(commune.longitude, 6),
        position_precision=commune.position_precision,
        legal_form=legal_form,
        ess_status="by_statute" if v["ej_legal_status_code"] in ESS_BY_STATUTE else "unknown",
        address=v["address"] or None,
        sectors=sectors,
        zone=ZoneSpec(
            DIVISIONS,
            divisions=tuple(("departement", code) for code in departements),
            derived=True,
            derivation=ADDRESS_DEPARTEMENT,
        ),
        gaps={"description": _description(est, legal_form)}
        | ({"contact_phone": phone} if phone else {}),
        capacity={"authorised_places": sum(known_places) if known_places else None},
        identity_source=SOURCE,
        provided=frozenset(provided),
    )


def _phone(raw: str, line: int, result: ParseResult) -> str | None:
    if not raw:
        return None
    if not _PHONE.fullmatch(raw) or sum(ch.isdigit() for ch in raw) < 10:
        result.warn(line, "unreadable_phone", f"phone {raw!r} is not a phone number: not kept")
        return None
    return raw[:_MAX_PHONE_LENGTH]


def _description(est: _Establishment, legal_form: str | None) -> str:
    """What the register says that no column of ours holds: who runs the ESAT and where
    its other sites are (in French, like the register; shown as the profile's text)."""
    body = est.values["ej_name"]
    text = f"ESAT géré par {body}" if body else "ESAT"
    if legal_form:
        text += f" ({legal_form[0].lower() + legal_form[1:]})"
    text += f". Registre FINESS : établissement {est.et_finess}"
    if est.values["ej_finess"]:
        text += f", entité juridique {est.values['ej_finess']}"
    text += "."
    if est.sites:
        sites = " ; ".join(
            f"{site.name} ({site.commune.name}"
            + (f", {site.places} places agréées)" if site.places else ")")
            for site in sorted(est.sites, key=lambda site: site.line)
        )
        text += f" Autres sites : {sites}."
    return text
