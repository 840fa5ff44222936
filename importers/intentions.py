"""Purchase intentions from a CSV or XLSX file in the shape of
``data/templates/intentions_modele.csv`` (documented in ``data/templates/README.md``).

One row per intention; rows sharing ``identifiant_externe`` are one intention with several
lots (one lot per row). ``parse_intentions`` reads the cells and checks each row against
the intention service's rules (reading the reference tables only); ``load_intentions``
writes through that service, upserting on (source, external id), all or nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.fr import siret as siret_number

from domain.cpv import read_cpv_codes
from domain.purchase_reading import describe, read_purchase
from domain.text import fold
from importers.cpv import sectors_for_cpv
from importers.places import PlaceReader
from importers.report import ImportReport, ParseResult
from importers.tabular import ImportFileError, read_rows
from webapp.intentions import services
from webapp.models import BuyerOrganisation, PurchaseIntention, Sector

COLUMNS = (
    "titre",
    "description",
    "codes_cpv",
    "secteurs",
    "lieu",
    "montant_total",
    "montant_annuel",
    "duree_mois",
    "date_lancement",
    "acheteur_nom",
    "acheteur_siret",
    "acheteur_type",
    "consideration_sociale",
    "statut",
    "lot_numero",
    "lot_titre",
    "lot_montant",
    "lot_secteurs",
    "identifiant_externe",
)
REQUIRED = ("titre", "lieu", "acheteur_nom")
# Columns that describe the intention (not a lot): a lot row may leave them empty.
INTENTION_COLUMNS = tuple(c for c in COLUMNS if not c.startswith("lot_"))
# The intention service's fields (its messages' keys) as the template's columns.
FIELD_COLUMNS = {
    "title": "titre",
    "description": "description",
    "cpv_codes": "codes_cpv",
    "place": "lieu",
    "amount_total": "montant_total",
    "amount_per_year": "montant_annuel",
    "duration_months": "duree_mois",
    "launch_date": "date_lancement",
    "social_consideration": "consideration_sociale",
    "status": "statut",
    "external_id": "identifiant_externe",
    "buyer.name": "acheteur_nom",
    "buyer.type": "acheteur_type",
    "lots": "lot_numero",
}
LOT_COLUMNS = {"title": "lot_titre", "amount": "lot_montant", "number": "lot_numero"}

BUYER_TYPES = {
    "pouvoir_adjudicateur": "pouvoir_adjudicateur",
    "pouvoir adjudicateur": "pouvoir_adjudicateur",
    "entite_adjudicatrice": "entite_adjudicatrice",
    "entite adjudicatrice": "entite_adjudicatrice",
}
SOCIAL = {
    "none": "none",
    "aucune": "none",
    "clause": "clause",
    "clause sociale": "clause",
    "criterion": "criterion",
    "critere": "criterion",
    "critere social": "criterion",
    "reservation": "reservation",
    "marche reserve": "reservation",
    "unknown": "unknown",
    "inconnue": "unknown",
    "a definir": "unknown",
}
STATUSES = {
    "draft": "draft",
    "brouillon": "draft",
    "published": "published",
    "publiee": "published",
    "publie": "published",
    "closed": "closed",
    "close": "closed",
    "cloturee": "closed",
}


@dataclass
class LotRecord:
    number: int
    title: str
    amount: int | None
    sectors: list[str]  # sector names


@dataclass
class IntentionRecord:
    line: int
    external_id: str
    title: str
    description: str | None
    cpv_codes: list[str]
    sectors: list[str]  # sector names
    place_kind: str
    place_code: str | None
    place_label: str | None
    amount_total: int | None
    amount_per_year: int | None
    duration_months: int | None
    launch_date: date | None
    buyer_name: str
    buyer_siret: str | None
    buyer_type: str
    social_consideration: str
    status: str
    lots: list[LotRecord] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # the intention's cells, to compare


class _Bad(ValueError):
    pass


class SectorNames:
    """Sectors by slug, by name and by folded name."""

    def __init__(self, session: Session):
        self.by_key: dict[str, str] = {}
        self.by_name: dict[str, Sector] = {}
        for sector in session.scalars(select(Sector)):
            self.by_name[sector.name] = sector
            for key in (sector.slug, sector.name, fold(sector.name)):
                self.by_key[key] = sector.name

    def names(self, cell: str) -> list[str]:
        """Sector names of a cell separated by ``;`` or ``|`` (names contain commas)."""
        found: list[str] = []
        for part in filter(None, (p.strip() for p in re.split(r"[;|\n]", cell or ""))):
            name = self.by_key.get(part) or self.by_key.get(fold(part))
            if name is None:
                raise _Bad(f"unknown sector {part!r} (a slug or a name of the sector list)")
            if name not in found:
                found.append(name)
        return found


def parse_intentions(
    source: str | Path | BinaryIO,
    session: Session,
    *,
    encoding: str = "utf-8",
    places: PlaceReader | None = None,
) -> ParseResult[IntentionRecord]:
    header, rows = read_rows(source, encoding=encoding)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"line 1: missing column(s) {', '.join(missing)}")
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"line 1: unknown column(s) {', '.join(unknown)} (columns: {', '.join(COLUMNS)})"
        )
    places = places or PlaceReader(session)
    sectors = SectorNames(session)
    result: ParseResult[IntentionRecord] = ParseResult()
    by_id: dict[str, IntentionRecord] = {}
    for row in rows:
        result.rows += 1
        if row.error:
            result.reject(row.line, row.error)
            continue
        values = {c: (row.values.get(c) or "").strip() for c in COLUMNS}
        key = values["identifiant_externe"] or None
        try:
            if key and key in by_id:
                _add_lot_row(by_id[key], row.line, values, sectors)
                continue
            record = _record(row.line, values, places, sectors, result)
        except _Bad as exc:
            result.reject(row.line, str(exc), key)
            continue
        if record.external_id in by_id:
            result.reject(row.line, f"same intention as line {by_id[record.external_id].line}")
            continue
        by_id[record.external_id] = record
        result.records.append(record)
    # Sectors read from the CPV codes and the title (and description) when neither the
    # intention nor its lots name one (domain/purchase_reading.py); none found is
    # no rejection: the matcher matches a sectorless purchase by the kinds that usually
    # do it.
    for record in result.records:
        if record.sectors or any(lot.sectors for lot in record.lots):
            continue
        reading = read_purchase(
            {code: sectors_for_cpv(code) for code in record.cpv_codes},
            record.title,
            record.description,
        )
        record.sectors = reading.names
        if reading.sectors:
            result.warn(
                record.line,
                "sectors_read",
                f"sectors read from the CPV codes and the title: {describe(reading.sectors)}",
            )
        else:
            why = reading.cpv_note or "no CPV code"
            result.warn(
                record.line,
                "no_sector",
                f"{why} and the title names none: an intention with no sector",
            )
    return result


def _record(
    line: int,
    values: dict[str, str],
    places: PlaceReader,
    sectors: SectorNames,
    result: ParseResult,
) -> IntentionRecord:
    for column in REQUIRED:
        if not values[column]:
            raise _Bad(f"{column} is required")
    place = places.text(values["lieu"])
    if not place.ok:
        raise _Bad(f"lieu: {place.error}")
    if place.warning:
        result.warn(line, "place_approximate", place.warning)
    cpv = read_cpv_codes(values["codes_cpv"])
    if cpv.errors:
        raise _Bad(f"codes_cpv: {cpv.errors[0]}")
    codes = list(cpv.codes)
    buyer_siret = re.sub(r"\s", "", values["acheteur_siret"]) or None
    if buyer_siret and not siret_number.is_valid(buyer_siret):
        raise _Bad(f"acheteur_siret {values['acheteur_siret']!r} is not a valid SIRET")
    buyer_name = values["acheteur_nom"]
    external_id = values["identifiant_externe"] or _derived_id(
        buyer_siret or buyer_name, values["titre"]
    )
    record = IntentionRecord(
        line=line,
        external_id=external_id,
        title=values["titre"],
        description=values["description"] or None,
        cpv_codes=codes,
        sectors=_sectors(sectors, values["secteurs"], "secteurs"),
        place_kind=place.kind,
        place_code=place.code,
        place_label=place.label,
        amount_total=_integer(values, "montant_total"),
        amount_per_year=_integer(values, "montant_annuel"),
        duration_months=_integer(values, "duree_mois"),
        launch_date=_date(values, "date_lancement"),
        buyer_name=buyer_name,
        buyer_siret=buyer_siret,
        buyer_type=_choice(values, "acheteur_type", BUYER_TYPES, "pouvoir_adjudicateur"),
        social_consideration=_choice(values, "consideration_sociale", SOCIAL, "unknown"),
        status=_choice(values, "statut", STATUSES, "published"),
        values={c: values[c] for c in INTENTION_COLUMNS},
    )
    if values["lot_numero"] or values["lot_titre"]:
        record.lots.append(_lot(values, sectors))
    found = services.problems(intention_data(record, sectors.by_name), buyer_of(record))
    if found:
        raise _Bad(_reasons(found))
    return record


def _add_lot_row(
    record: IntentionRecord, line: int, values: dict[str, str], sectors: SectorNames
) -> None:
    """A further row of an intention: a lot; intention columns empty or the same."""
    for column in INTENTION_COLUMNS:
        if values[column] and values[column] != record.values[column]:
            raise _Bad(f"{column} differs from line {record.line} (same identifiant_externe)")
    if not (values["lot_numero"] or values["lot_titre"]):
        raise _Bad(f"repeats line {record.line}'s identifiant_externe without a lot")
    if not record.lots:
        raise _Bad(f"line {record.line} has no lot: put one lot on each row of the intention")
    lot = _lot(values, sectors)
    if any(existing.number == lot.number for existing in record.lots):
        raise _Bad(f"lot {lot.number} is given twice")
    record.lots.append(lot)


def _lot(values: dict[str, str], sectors: SectorNames) -> LotRecord:
    number = _integer(values, "lot_numero")
    if number is None:
        raise _Bad("lot_numero is required for a lot")
    lot = LotRecord(
        number,
        values["lot_titre"],
        _integer(values, "lot_montant"),
        _sectors(sectors, values["lot_secteurs"], "lot_secteurs"),
    )
    found = services.lot_problems(services.LotData(lot.title, lot.amount, [], number), number)
    if found:
        raise _Bad(_reasons({f"lots[0].{name}": message for name, message in found.items()}))
    return lot


def _reasons(found: dict[str, str]) -> str:
    """The intention service's messages, each named by its column of the template."""
    return "; ".join(f"{_column(name)}: {message}" for name, message in found.items())


def _column(field_name: str) -> str:
    if field_name.startswith("lots["):
        return LOT_COLUMNS.get(field_name.rpartition(".")[2], "lot_numero")
    return FIELD_COLUMNS.get(field_name, field_name)


def _sectors(index: SectorNames, cell: str, column: str) -> list[str]:
    try:
        return index.names(cell)
    except _Bad as exc:
        raise _Bad(f"{column}: {exc}") from None


def _integer(values: dict[str, str], column: str) -> int | None:
    text = re.sub(r"[\s\u00a0\u202f€]", "", values[column]).replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise _Bad(f"{column}: {values[column]!r} is not a number") from None
    if number < 0 or number >= 1e13 or number != number:
        raise _Bad(f"{column}: {values[column]!r} is out of range")
    return int(round(number))


def _date(values: dict[str, str], column: str) -> date | None:
    text = values[column]
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?", text)
    if match:
        parts = [int(p) for p in match.groups()]
    else:
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if not match:
            raise _Bad(f"{column}: {text!r} is not a date (AAAA-MM-JJ or JJ/MM/AAAA)")
        day, month, year = (int(p) for p in match.groups())
        parts = [year, month, day]
    try:
        return date(*parts)
    except ValueError:
        raise _Bad(f"{column}: {text!r} is not a date") from None


def _choice(values: dict[str, str], column: str, choices: dict[str, str], default: str) -> str:
    text = values[column]
    if not text:
        return default
    found = choices.get(fold(text)) or choices.get(text)
    if found is None:
        accepted = ", ".join(sorted(set(choices.values())))
        raise _Bad(f"{column}: {text!r} is not one of {accepted}")
    return found


def _derived_id(buyer: str, title: str) -> str:
    """A stable id for a row without one: the buyer (SIRET, else name) and the title,
    folded, hashed. Changing the title makes it another intention."""
    digest = hashlib.sha256(f"{fold(buyer)}|{fold(title)}".encode()).hexdigest()
    return f"auto-{digest[:24]}"


# --- Loading -----------------------------------------------------------------------------


def intention_data(record: IntentionRecord, sectors: dict[str, Sector]) -> services.IntentionData:
    """The record as the intention service writes it (``sectors`` by name)."""
    return services.IntentionData(
        title=record.title,
        description=record.description,
        cpv_codes=record.cpv_codes,
        sectors=[sectors[name] for name in record.sectors],
        lots=[
            services.LotData(
                lot.title, lot.amount, [sectors[name] for name in lot.sectors], lot.number
            )
            for lot in record.lots
        ],
        place_kind=record.place_kind,
        place_code=record.place_code,
        place_label=record.place_label,
        amount_total=record.amount_total,
        amount_per_year=record.amount_per_year,
        duration_months=record.duration_months,
        launch_date=record.launch_date,
        social_consideration=record.social_consideration,
        status=record.status,
        external_id=record.external_id,
    )


def buyer_of(
    record: IntentionRecord, organisations: dict[str, BuyerOrganisation] | None = None
) -> services.Buyer:
    """The record's buyer, attached to our organisation of that SIRET if there is one."""
    organisation = (organisations or {}).get(record.buyer_siret) if record.buyer_siret else None
    return services.Buyer(record.buyer_name, record.buyer_siret, record.buyer_type, organisation)


def load_intentions(
    session: Session,
    parsed: ParseResult[IntentionRecord],
    *,
    source: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    match: bool = True,
) -> ImportReport:
    """Upsert on (source, external id) through the intention service and commit once;
    then run the matcher for the published intentions created or changed."""
    report = ImportReport(
        source,
        dry_run=dry_run,
        rows=parsed.rows,
        rejected=list(parsed.rejected),
        warnings=list(parsed.warnings),
    )
    sectors = {s.name: s for s in session.scalars(select(Sector))}
    organisations = {
        o.siret: o for o in session.scalars(select(BuyerOrganisation)) if o.siret is not None
    }
    changed: list[PurchaseIntention] = []
    try:
        batch = services.IntentionBatch(session, source)
        for record in parsed.records:
            intention, outcome = batch.upsert(
                intention_data(record, sectors), buyer_of(record, organisations)
            )
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome != "unchanged" and intention.status == "published":
                changed.append(intention)
            if progress:
                progress(1)
        session.flush()
        if dry_run:
            session.rollback()
            return report
        session.commit()
        if match and changed:
            services.match_intentions(session, changed)
    except Exception:
        session.rollback()
        raise
    return report
