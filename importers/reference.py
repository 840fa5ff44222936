"""Loading the committed reference data (territory, sectors, NAF, labels, networks).

Each table is upserted on its natural key (INSEE code, SIREN, slug...): a second run
reports everything unchanged. The files are derived by ``scripts/derive_data.py``.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from importers.report import ImportReport
from importers.tabular import ImportFileError
from webapp.models import (
    Commune,
    Departement,
    Epci,
    Label,
    NafCode,
    Network,
    Region,
    Sector,
    SectorGroup,
)

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"


def _int(value: str) -> int | None:
    return int(value) if value else None


def _text(value: str) -> str | None:
    return value or None


@dataclass(frozen=True)
class TableSpec:
    model: type
    filename: str
    key: str  # natural key column, unique in the file
    convert: Callable[[dict[str, str], Session], dict[str, Any]]


def _sector(row: dict[str, str], session: Session) -> dict[str, Any]:
    group_id = session.scalar(select(SectorGroup.id).where(SectorGroup.slug == row["group_slug"]))
    return {"slug": row["sector_slug"], "name": row["sector"], "group_id": group_id}


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        Region,
        "regions.csv",
        "code",
        lambda r, _: {"code": r["code"], "name": r["name"], "chef_lieu": _text(r["chef_lieu"])},
    ),
    TableSpec(
        Departement,
        "departements.csv",
        "code",
        lambda r, _: {
            "code": r["code"],
            "name": r["name"],
            "region_code": r["region_code"],
            "chef_lieu": _text(r["chef_lieu"]),
        },
    ),
    TableSpec(
        Epci,
        "epcis.csv",
        "siren",
        lambda r, _: {
            "siren": r["siren"],
            "name": r["name"],
            "kind": r["kind"],
            "population": _int(r["population"]),
        },
    ),
    TableSpec(
        Commune,
        "communes.csv.gz",
        "insee",
        lambda r, _: {
            "insee": r["insee"],
            "name": r["name"],
            "postal_codes": r["postal_codes"],
            "departement_code": r["departement"],
            "region_code": r["region"],
            "epci_siren": _text(r["epci_siren"]),
            "population": _int(r["population"]),
            "latitude": float(r["latitude"]),
            "longitude": float(r["longitude"]),
            "position_precision": r["position_precision"],
        },
    ),
    TableSpec(
        SectorGroup,
        "sectors.csv",
        "slug",
        lambda r, _: {"slug": r["group_slug"], "name": r["group"]},
    ),
    TableSpec(Sector, "sectors.csv", "slug", _sector),
    TableSpec(
        NafCode,
        "naf.csv",
        "code",
        lambda r, _: {"code": r["code"], "label": r["label"], "level": r["level"]},
    ),
    TableSpec(
        Label,
        "labels.csv",
        "slug",
        lambda r, _: {
            "slug": r["slug"],
            "name": r["name"],
            "description": _text(r["description"]),
            "website": _text(r["website"]),
        },
    ),
    TableSpec(
        Network,
        "networks.csv",
        "slug",
        lambda r, _: {
            "slug": r["slug"],
            "name": r["name"],
            "brand": _text(r["brand"]),
            "website": _text(r["website"]),
        },
    ),
)


def read_reference_rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise ImportFileError(f"missing reference file {path} (run scripts/derive_data.py)")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load_reference(
    session: Session,
    directory: Path = REFERENCE_DIR,
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, ImportReport]:
    """Upsert every reference table in dependency order, in one transaction."""
    reports: dict[str, ImportReport] = {}
    try:
        for spec in TABLES:
            if progress:
                progress(spec.model.__tablename__)
            reports[spec.model.__tablename__] = _load_table(session, spec, directory)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return reports


def _load_table(session: Session, spec: TableSpec, directory: Path) -> ImportReport:
    report = ImportReport(spec.model.__tablename__)
    model = spec.model
    key_column = getattr(model, spec.key)
    has_surrogate_id = spec.key != model.__mapper__.primary_key[0].name
    columns = [c.key for c in model.__table__.columns if c.key != "id"]
    existing = {
        row[0]: row
        for row in session.execute(
            select(
                key_column,
                *[getattr(model, c) for c in columns],
                *([model.id] if has_surrogate_id else []),
            )
        )
    }
    inserts, updates, seen = [], [], set()
    for row in read_reference_rows(directory / spec.filename):
        values = spec.convert(row, session) if spec.model is Sector else spec.convert(row, None)
        key = values[spec.key]
        if key in seen:
            continue  # sectors.csv repeats each group once per sector
        seen.add(key)
        report.rows += 1
        current = existing.get(key)
        if current is None:
            inserts.append(values)
        elif tuple(current[1 : 1 + len(columns)]) != tuple(values.get(c) for c in columns):
            updates.append(values | ({"id": current[-1]} if has_surrogate_id else {}))
        else:
            report.unchanged += 1
    if inserts:
        session.execute(insert(model), inserts)
    if updates:
        session.execute(update(model), updates)
    report.created, report.updated = len(inserts), len(updates)
    session.flush()
    return report
