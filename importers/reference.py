"""Loading the committed reference data (territory, sectors, NAF, labels, networks).

Each table is upserted on its natural key (INSEE code, SIREN, slug...): a second run
reports everything unchanged. The files are derived by ``scripts/derive_data.py``.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class TableSpec:
    """A table and its file: ``columns`` maps model attributes to file columns, the first
    being the natural key; ``lookups`` turns a file value into a foreign key (slug -> id)."""

    model: type
    filename: str
    columns: dict[str, str]
    lookups: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return next(iter(self.columns))


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


TABLES: tuple[TableSpec, ...] = (
    TableSpec(Region, "regions.csv", _same("code", "name", "chef_lieu")),
    TableSpec(Departement, "departements.csv", _same("code", "name", "region_code", "chef_lieu")),
    TableSpec(Epci, "epcis.csv", _same("siren", "name", "kind", "population")),
    TableSpec(
        Commune,
        "communes.csv.gz",
        _same(
            "insee",
            "name",
            "postal_codes",
            "epci_siren",
            "population",
            "latitude",
            "longitude",
            "position_precision",
        )
        | {"departement_code": "departement", "region_code": "region"},
    ),
    TableSpec(SectorGroup, "sectors.csv", {"slug": "group_slug", "name": "group"}),
    TableSpec(
        Sector,
        "sectors.csv",
        {"slug": "sector_slug", "name": "sector", "group_id": "group_slug"},
        lookups={"group_id": (SectorGroup.slug, SectorGroup.id)},
    ),
    TableSpec(NafCode, "naf.csv", _same("code", "label", "level")),
    TableSpec(Label, "labels.csv", _same("slug", "name", "description", "website")),
    TableSpec(Network, "networks.csv", _same("slug", "name", "brand", "website")),
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
    attributes = list(spec.columns)
    surrogate_id = spec.key != model.__mapper__.primary_key[0].name
    selected = [getattr(model, a) for a in attributes] + ([model.id] if surrogate_id else [])
    existing = {row[0]: row for row in session.execute(select(*selected))}
    lookups = {
        attribute: dict(session.execute(select(source, target)).all())
        for attribute, (source, target) in spec.lookups.items()
    }
    converters = {
        a: str if a in lookups else _converter(model.__table__.columns[a]) for a in attributes
    }

    inserts, updates, seen = [], [], set()
    for line, row in enumerate(read_reference_rows(directory / spec.filename), start=2):
        try:
            values = {a: converters[a](row[spec.columns[a]]) for a in attributes}
            for attribute, mapping in lookups.items():
                values[attribute] = mapping[values[attribute]]
        except (KeyError, ValueError, TypeError) as exc:
            # Derived files are generated, never edited: a bad one is refused whole.
            raise ImportFileError(
                f"{spec.filename} line {line}: unreadable value ({exc!r})"
            ) from exc
        key = values[spec.key]
        if key in seen:
            continue  # sectors.csv repeats each group once per sector
        seen.add(key)
        report.rows += 1
        current = existing.get(key)
        if current is None:
            inserts.append(values)
        elif tuple(current[: len(attributes)]) != tuple(values.values()):
            updates.append(values | ({"id": current[-1]} if surrogate_id else {}))
        else:
            report.unchanged += 1
    if inserts:
        session.execute(insert(model), inserts)
    if updates:
        session.execute(update(model), updates)
    report.created, report.updated = len(inserts), len(updates)
    session.flush()
    return report


def _converter(column) -> Callable[[str], Any]:
    """Text from the file to the column's Python type; an empty cell is NULL if allowed."""
    python_type = column.type.python_type

    def convert(raw: str) -> Any:
        if raw == "" and column.nullable:
            return None
        return python_type(raw)

    return convert
