"""Enterprise lists: the SIAE list (the ASP snapshot's format) and any CSV/XLSX with a mapping.

``parse_*`` are pure: file in, records and rejected rows out; nothing touches the database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from domain.gazetteer import Gazetteer, default_gazetteer
from domain.sector_suggestion import SectorSuggester, default_suggester
from importers.enterprise_rows import FIELDS, REQUIRED_FIELDS, EnterpriseRecord, RowBuilder
from importers.report import ParseResult
from importers.tabular import ImportFileError, read_rows

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "data" / "reference"

# The snapshot's columns are ours already; only "department" has another name.
SIAE_MAPPING = {name: name for name in FIELDS} | {"departement": "department"}


@dataclass(frozen=True)
class ReferenceKit:
    """The reference data a parser needs, loaded once from the committed files."""

    gazetteer: Gazetteer
    suggester: SectorSuggester
    naf_codes: frozenset[str]


@cache
def default_kit() -> ReferenceKit:
    with (REFERENCE_DIR / "naf.csv").open(encoding="utf-8", newline="") as handle:
        naf_codes = frozenset(row["code"] for row in csv.DictReader(handle))
    return ReferenceKit(default_gazetteer(), default_suggester(), naf_codes)


def parse_mapping(text: str) -> dict[str, str]:
    """``"siret=N° SIRET,name=Raison sociale"`` → ``{"siret": "N° SIRET", "name": ...}``."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        field_name, sep, column = part.partition("=")
        field_name = field_name.strip()
        if not sep or not column.strip():
            raise ImportFileError(f"mapping entry {part!r} must look like field=Column name")
        if field_name not in FIELDS:
            raise ImportFileError(
                f"mapping names unknown field {field_name!r} (fields: {', '.join(FIELDS)})"
            )
        mapping[field_name] = column.strip()
    return mapping


def parse_enterprise_list(
    source: str | Path | BinaryIO,
    mapping: dict[str, str],
    *,
    source_name: str,
    default_kind: str | None = None,
    networks: tuple[str, ...] = (),
    encoding: str = "utf-8",
    kit: ReferenceKit | None = None,
) -> ParseResult[EnterpriseRecord]:
    """Parse a CSV or XLSX enterprise list whose columns ``mapping`` maps onto our fields.

    Columns of the mapping absent from the header make the whole file fail (nothing is
    imported); a bad row is rejected with its line number and the reason.
    """
    kit = kit or default_kit()
    header, rows = read_rows(source, encoding=encoding)
    unmapped = [field for field in REQUIRED_FIELDS if field not in mapping]
    if unmapped:
        raise ImportFileError(f"the mapping gives no column for {', '.join(unmapped)}")
    absent = [column for column in mapping.values() if column not in header]
    if absent:
        raise ImportFileError(f"line 1: missing column(s) {', '.join(absent)}")
    if default_kind is None and "kind" not in mapping:
        raise ImportFileError("no kind column: map one or give a default kind")

    builder = RowBuilder(
        kit.gazetteer, kit.suggester, kit.naf_codes, source_name, default_kind, networks
    )
    result: ParseResult[EnterpriseRecord] = ParseResult()
    for row in rows:
        result.rows += 1
        if row.error:
            result.reject(row.line, row.error)
            continue
        values = {field: row.values[column] for field, column in mapping.items()}
        builder.add(row.line, values, result)
    return result


def parse_siae(
    source: str | Path | BinaryIO, *, kit: ReferenceKit | None = None
) -> ParseResult[EnterpriseRecord]:
    """Parse the SIAE list in the ASP snapshot's format (``data/demo/siae_snapshot.csv.gz``)."""
    return parse_enterprise_list(source, SIAE_MAPPING, source_name="ASP", kit=kit)
