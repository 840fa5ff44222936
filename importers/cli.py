"""``flask --app webapp import ...``: every data import, with progress, dry run and a report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from domain.kinds import KIND_CODES
from importers.decp import load_decp, parse_decp
from importers.enterprise_lists import parse_enterprise_list, parse_mapping, parse_siae
from importers.enterprise_loader import ReferenceDataMissing, load_enterprises
from importers.esat import parse_esat
from importers.intentions import load_intentions, parse_intentions
from importers.places import PlaceReader
from importers.reference import REFERENCE_DIR, load_reference
from importers.report import ImportReport
from importers.tabular import ImportFileError
from webapp.extensions import db
from webapp.indexing.cli import drain
from webapp.indexing.engine import get_backend
from webapp.models.intentions import BUYER_SOURCES, SOURCE_MAX

import_group = click.Group("import", help="Import reference data and enterprise lists.")

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Parse and check everything, write nothing."
)
json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="End with the report as one JSON object on the last line (rejected rows included).",
)


@import_group.command("reference")
@click.option(
    "--directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=REFERENCE_DIR,
    show_default=True,
    help="Folder of the derived files.",
)
@dry_run_option
@json_option
@with_appcontext
def import_reference(directory: Path, dry_run: bool, as_json: bool) -> None:
    """Load régions, départements, EPCIs, communes, sectors, NAF codes, labels, networks."""
    _require_schema()
    try:
        reports = load_reference(
            db.session,
            directory,
            dry_run=dry_run,
            progress=lambda table: click.echo(f"  {table}…", err=True),
        )
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for report in reports.values():
        _echo_counts(report)
    if as_json:
        click.echo(
            json.dumps({name: r.summary() for name, r in reports.items()}, ensure_ascii=False)
        )


@import_group.command("siae")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@dry_run_option
@json_option
@with_appcontext
def import_siae(file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the SIAE list (the ASP snapshot's format; .csv or .csv.gz)."""
    _run_enterprise_import(lambda: parse_siae(file), "siae", file, dry_run, as_json)


@import_group.command("esat")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@dry_run_option
@json_option
@with_appcontext
def import_esat(file: Path, dry_run: bool, as_json: bool) -> None:
    """Import the ESAT of the FINESS register (data/demo/esat_finess.csv.gz's format)."""
    _run_enterprise_import(lambda: parse_esat(file), "esat", file, dry_run, as_json)


@import_group.command("enterprises")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    required=True,
    metavar="FIELD=COLUMN,...",
    help="Which column holds each field, e.g. 'siret=SIRET,name=Raison sociale,"
    "post_code=CP,city=Ville,kind=Type'. Fields: siret, name, post_code, city "
    "(required), kind, brand, naf, legal_form, address, departement, latitude, "
    "longitude, website, description, employees_bracket, source.",
)
@click.option(
    "--kind",
    "default_kind",
    type=click.Choice(KIND_CODES, case_sensitive=False),
    help="Kind for rows whose kind column is empty or absent (e.g. EA for an EA list).",
)
@click.option(
    "--source",
    "source_name",
    type=click.STRING,
    callback=lambda _ctx, _param, value: _short(value, 40),
    default="import",
    show_default=True,
    help="Where the list comes from, recorded on each enterprise.",
)
@click.option(
    "--network",
    "networks",
    multiple=True,
    metavar="SLUG",
    help="Attach every imported enterprise to this network (repeatable).",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of a CSV file.")
@dry_run_option
@json_option
@with_appcontext
def import_enterprises(
    file: Path,
    mapping: str,
    default_kind: str | None,
    source_name: str,
    networks: tuple[str, ...],
    encoding: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import any CSV or XLSX enterprise list (network members, EA/ESAT lists...)."""

    def parse():
        return parse_enterprise_list(
            file,
            parse_mapping(mapping),
            source_name=source_name,
            default_kind=default_kind.upper() if default_kind else None,
            networks=networks,
            encoding=encoding,
        )

    _run_enterprise_import(parse, source_name, file, dry_run, as_json)


def _run_enterprise_import(parse, source: str, file: Path, dry_run: bool, as_json: bool) -> None:
    _require_schema()
    try:
        parsed = parse()
    except (ImportFileError, LookupError) as exc:  # LookupError: unknown --encoding
        raise click.ClickException(f"{file}: {exc}") from exc
    try:
        with click.progressbar(length=len(parsed.records), label="Import", file=sys.stderr) as bar:
            report = load_enterprises(
                db.session,
                parsed,
                source=source,
                actor=f"import:{source}",
                dry_run=dry_run,
                progress=bar.update,
            )
    except ReferenceDataMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except SQLAlchemyError as exc:  # rolled back: nothing of the file was imported
        raise click.ClickException(
            f"the database refused the import, nothing was written: {exc}"
        ) from exc
    for rejected in report.rejected:
        click.echo(f"rejected line {rejected.line}: {rejected.reason}", err=True)
    _echo_counts(report)
    if not dry_run:
        # The import is committed; the index follows (a failure stays in the outbox).
        drain(get_backend(current_app))
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False))


@import_group.command("intentions")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--source",
    "source_name",
    type=click.STRING,
    callback=lambda _ctx, _param, value: _file_source(value),
    default="import",
    show_default=True,
    help="Where the file comes from; with identifiant_externe, the key of each intention.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of a CSV file.")
@dry_run_option
@json_option
@with_appcontext
def import_intentions(
    file: Path, source_name: str, encoding: str, dry_run: bool, as_json: bool
) -> None:
    """Import purchase intentions (CSV or XLSX in the shape of
    data/templates/intentions_modele.csv), then match the published ones."""
    _require_schema()
    try:
        parsed = parse_intentions(file, db.session, encoding=encoding)
    except (ImportFileError, LookupError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    try:
        with click.progressbar(length=len(parsed.records), label="Import", file=sys.stderr) as bar:
            report = load_intentions(
                db.session, parsed, source=source_name, dry_run=dry_run, progress=bar.update
            )
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"the database refused the import, nothing was written: {exc}"
        ) from exc
    _echo_rejected(report)
    _echo_counts(report)
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False))


@import_group.command("decp")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--history", is_flag=True, help="Record each contract as a track record of its holders."
)
@click.option(
    "--as-intentions",
    is_flag=True,
    help="Turn each contract whose renewal is expected after today minus one year into a "
    "forecast purchase intention, then match it.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Reference date for expected renewals (default: today).",
)
@dry_run_option
@json_option
@with_appcontext
def import_decp(
    file: Path, history: bool, as_intentions: bool, today, dry_run: bool, as_json: bool
) -> None:
    """Import awarded contracts from a DECP JSON file (2019 format or v2 schema)."""
    if not (history or as_intentions):
        raise click.UsageError("give --history, --as-intentions or both")
    _require_schema()
    try:
        parsed = parse_decp(file, PlaceReader(db.session))
    except ImportFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    try:
        with click.progressbar(length=len(parsed.records), label="Import", file=sys.stderr) as bar:
            reports = load_decp(
                db.session,
                parsed,
                history=history,
                as_intentions=as_intentions,
                today=today.date() if today else None,
                dry_run=dry_run,
                progress=bar.update,
            )
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"the database refused the import, nothing was written: {exc}"
        ) from exc
    for report in (reports.awards, reports.intentions):
        if report is not None:
            _echo_rejected(report, "contract")
            _echo_counts(report)
    if as_json:
        click.echo(json.dumps(reports.summary(), ensure_ascii=False))


def _echo_rejected(report: ImportReport, unit: str = "line") -> None:
    for rejected in report.rejected:
        click.echo(f"{report.source}: rejected {unit} {rejected.line}: {rejected.reason}", err=True)


def _file_source(value: str) -> str:
    """A file's source name; the buyers' own sources (pages, API) are not a file's."""
    source = _short(value, SOURCE_MAX)
    if source in BUYER_SOURCES:
        raise click.BadParameter(
            f"{source!r} is the source of the intentions buyers write themselves; "
            "name the file's origin instead (e.g. --source import)"
        )
    return source


def _short(value: str, limit: int) -> str:
    if len(value) > limit:
        raise click.BadParameter(f"at most {limit} characters")
    return value


def _require_schema() -> None:
    # The session's own connection: a second one would reset a shared SQLite connection.
    if not inspect(db.session.connection()).has_table("alembic_version"):
        raise click.ClickException(
            "the database has no schema yet: run `flask --app webapp db upgrade` first"
        )


def _echo_counts(report: ImportReport) -> None:
    prefix = "[dry run] " if report.dry_run else ""
    warnings = ", ".join(f"{code}: {n}" for code, n in report.warning_counts().items())
    click.echo(
        f"{prefix}{report.source}: {report.rows} rows, {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected" + (f" (warnings: {warnings})" if warnings else ""),
        err=True,
    )
