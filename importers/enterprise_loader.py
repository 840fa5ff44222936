"""Loading parsed enterprise records: upsert by SIRET, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from importers.enterprise_rows import EnterpriseRecord
from importers.report import ImportReport, ParseResult, Warning_
from webapp.models import Enterprise, InterventionZone, Network, Sector
from webapp.services.enterprises import EnterpriseData, SuggestedSector, create_many, update

BATCH_SIZE = 1000


class ReferenceDataMissing(RuntimeError):
    """The territorial and sector data must be loaded before enterprises."""


def load_enterprises(
    session: Session,
    parsed: ParseResult[EnterpriseRecord],
    *,
    source: str,
    actor: str,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upsert ``parsed.records`` by SIRET and commit once at the end (roll back on dry run
    or on any error), so a file is imported whole or not at all. Rows are read and flushed
    in batches to bound memory and round trips."""
    report = ImportReport(
        source,
        dry_run=dry_run,
        rows=parsed.rows,
        rejected=list(parsed.rejected),
        warnings=list(parsed.warnings),
    )
    sector_ids = dict(session.execute(select(Sector.name, Sector.id)).all())
    named = {s.sector for r in parsed.records for s in r.sectors}
    if not sector_ids or not named <= sector_ids.keys():
        missing = ", ".join(sorted(named - sector_ids.keys())[:5]) or "all"
        raise ReferenceDataMissing(
            f"sectors missing from the database ({missing}): run `flask import reference` first"
        )
    networks = {n.slug: n for n in session.scalars(select(Network))}
    unknown = sorted({slug for r in parsed.records for slug in r.networks} - networks.keys())
    if unknown:
        raise ReferenceDataMissing(f"unknown network(s): {', '.join(unknown)}")
    try:
        # Which SIRETs exist is read once, before anything is inserted: on PostgreSQL a
        # lookup by SIRET after thousands of uncommitted inserts is planned from stale
        # statistics as a sequential scan (6 s a batch, measured at 100,000 rows).
        existing_ids = _existing_ids(session, [r.siret for r in parsed.records], batch_size)
        for batch in _batches(parsed.records, batch_size):
            _load_batch(session, batch, existing_ids, sector_ids, networks, actor, report)
            session.flush()
            if progress:
                progress(len(batch))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def _existing_ids(session: Session, sirets: list[str], chunk: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(sirets), chunk):
        rows = session.execute(
            select(Enterprise.siret, Enterprise.id).where(
                Enterprise.siret.in_(sirets[start : start + chunk])
            )
        )
        found.update((siret, id_) for siret, id_ in rows)
    return found


def _load_batch(session, batch, existing_ids, sector_ids, networks, actor, report) -> None:
    ids = [existing_ids[r.siret] for r in batch if r.siret in existing_ids]
    existing = (
        {
            e.siret: e
            for e in session.scalars(
                select(Enterprise)
                .where(Enterprise.id.in_(ids))
                .options(
                    selectinload(Enterprise.sectors),
                    selectinload(Enterprise.zone).selectinload(InterventionZone.divisions),
                    selectinload(Enterprise.capacity),
                    selectinload(Enterprise.networks),
                )
            )
        }
        if ids
        else {}
    )
    created = []
    for record in batch:
        data = to_data(record, sector_ids, networks)
        enterprise = existing.get(record.siret)
        if enterprise is None:
            created.append(data)
            continue
        if not data.takes_over(enterprise):
            report.warnings.append(
                Warning_(
                    record.line,
                    "listed_by_other_source",
                    f"SIRET {record.siret} is already in the directory from {enterprise.source} "
                    f"({enterprise.kind}): its identity is kept, only empty fields and the "
                    "capacity are filled",
                )
            )
        if update(session, enterprise, data, actor):
            report.updated += 1
        else:
            report.unchanged += 1
    create_many(session, created, actor)
    report.created += len(created)


# Record fields (as named in a column mapping) -> the enterprise attributes they set.
_OPTIONAL_ATTRIBUTES = {
    "brand": ("brand",),
    "kind": ("kind",),
    "naf": ("naf_code",),
    "legal_form": ("legal_form", "ess_status"),
    "address": ("address",),
    "website": ("website",),
    "description": ("description",),
    "source": ("source",),
    "latitude": ("latitude", "longitude", "position_precision"),
}
_ALWAYS = ("siren", "name", "post_code", "city", "commune_insee", "departement_code")


def to_data(
    record: EnterpriseRecord, sector_ids: dict[str, int], networks: dict[str, Network]
) -> EnterpriseData:
    """The service's view of a record: only the fields the row gave a value for."""
    provided = record.provided
    attributes = list(_ALWAYS) + [
        attribute
        for name, names in _OPTIONAL_ATTRIBUTES.items()
        if name in provided
        for attribute in names
    ]
    identity = {attribute: getattr(record, attribute) for attribute in attributes}
    defaults = {
        attribute: getattr(record, attribute)
        for attribute in (
            "kind",
            "source",
            "ess_status",
            "latitude",
            "longitude",
            "position_precision",
        )
    }
    sectors = [
        SuggestedSector(sector_ids[s.sector], s.source, s.confidence, s.evidence[:300])
        for s in record.sectors
    ]
    sources = {"name"} | {"naf"} & provided | {"description"} & provided
    return EnterpriseData(
        siret=record.siret,
        identity=identity,
        defaults=defaults,
        sectors=sectors,
        sector_sources=frozenset(sources),
        zone=record.zone,
        zone_from_description="description" in provided,
        headcount_bracket=record.headcount_bracket,
        networks=[networks[slug] for slug in record.networks],
        gaps=dict(record.gaps),
        capacity=dict(record.capacity),
        identity_source=record.identity_source,
    )


def _batches(
    records: Sequence[EnterpriseRecord], size: int
) -> Iterable[Sequence[EnterpriseRecord]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]
