"""Loading enterprise records: idempotent upsert by SIRET, audit trail, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from tests.factories import SNAPSHOT, count, last_json
from tests.importers.factories import BALUCHON, SIAE_HEADER, parse_siae_rows
from webapp.models import AuditEvent, Enterprise, EnterpriseSector, InterventionZone


def load(session, parsed, **kwargs):
    return load_enterprises(session, parsed, source="test", actor="test", **kwargs)


def test_snapshot_loads_then_a_second_run_changes_nothing(session, snapshot):
    first = load(session, snapshot)
    assert first.created == len(snapshot.records)
    assert first.created + len(first.rejected) == 3853
    assert count(session, Enterprise) == first.created
    events = count(session, AuditEvent)
    assert events == first.created

    second = load(session, parse_siae(SNAPSHOT))  # parsed again: the parser is deterministic
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)
    assert count(session, AuditEvent) == events  # nothing changed, nothing audited


def test_loaded_enterprise_carries_derived_zone_and_suggested_sectors(session):
    load(session, parse_siae_rows(BALUCHON))
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    assert enterprise.commune.name == "Romainville"
    assert enterprise.zone.kind == "divisions" and enterprise.zone.derived
    assert [(d.division_type, d.code) for d in enterprise.zone.divisions] == [("departement", "93")]
    assert enterprise.sectors and {s.status for s in enterprise.sectors} == {"suggested"}
    assert {s.source for s in enterprise.sectors} >= {"naf"}
    assert enterprise.capacity.headcount_bracket == "50 à 99 salariés"


def test_a_changed_row_updates_and_audits_only_what_changed(session):
    load(session, parse_siae_rows(BALUCHON))
    report = load(
        session, parse_siae_rows(BALUCHON.replace("Rue Madeleine Odru", "1 Rue Madeleine Odru"))
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert event.siret == "80746931700018" and event.actor == "test"
    assert event.changes == {"address": ["Rue Madeleine Odru", "1 Rue Madeleine Odru"]}


def test_reimport_keeps_what_people_confirmed(session):
    load(session, parse_siae_rows(BALUCHON))
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    confirmed = enterprise.sectors[0]
    confirmed.status = "confirmed"
    enterprise.zone.derived = False  # the enterprise declared this zone itself
    enterprise.zone.kind = "national"
    enterprise.zone.divisions = []
    session.commit()

    report = load(session, parse_siae_rows(BALUCHON))
    assert report.unchanged == 1
    session.expire_all()
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    assert enterprise.zone.kind == "national"
    assert any(
        s.sector_id == confirmed.sector_id and s.status == "confirmed" for s in enterprise.sectors
    )


def test_dry_run_writes_nothing(session):
    report = load(session, parse_siae_rows(BALUCHON), dry_run=True)
    assert report.created == 1 and report.dry_run
    assert count(session, Enterprise) == 0
    assert count(session, InterventionZone) == 0


def test_a_failure_mid_import_leaves_nothing_behind(session, monkeypatch):
    from importers import enterprise_loader

    calls = {"n": 0}
    real_create = enterprise_loader.create_many

    def failing_create(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_create(*args, **kwargs)

    monkeypatch.setattr(enterprise_loader, "create_many", failing_create)
    rows = [
        BALUCHON.replace("80746931700018", siret)
        for siret in ("80746931700018", "75187049400026", "79285470500029")
    ]
    with pytest.raises(RuntimeError, match="disk full"):
        load(session, parse_siae_rows(*rows), batch_size=1)
    assert count(session, Enterprise) == 0
    assert count(session, EnterpriseSector) == 0


def test_cli_import_reports_json_on_the_last_line(runner, tmp_path):
    path = tmp_path / "siae.csv"
    path.write_text(SIAE_HEADER + BALUCHON + BALUCHON.replace("80746931700018", "80746931700019"))
    result = runner.invoke(args=["import", "siae", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = last_json(result.stdout)
    assert (report["created"], report["updated"], report["rejected"]) == (1, 0, 1)
    assert report["rejected_rows"][0]["line"] == 3
    assert "invalid SIRET" in report["rejected_rows"][0]["reason"]

    again = runner.invoke(args=["import", "siae", str(path), "--json"])
    report = last_json(again.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)


def test_cli_refuses_a_malformed_file_with_a_clear_message(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("siret,name\n1,2\n")
    result = runner.invoke(args=["import", "siae", str(path)])
    assert result.exit_code == 1
    assert "missing column(s)" in result.output


def test_cli_generic_xlsx_import_with_mapping_kind_and_network(runner, session, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["SIRET", "Raison sociale", "Code postal", "Commune"])
    workbook.active.append(["80746931700018", "Atelier adapté", 93230, "Romainville"])
    path = tmp_path / "membres.xlsx"
    workbook.save(path)
    result = runner.invoke(
        args=[
            "import",
            "enterprises",
            str(path),
            "--mapping",
            "siret=SIRET,name=Raison sociale,post_code=Code postal,city=Commune",
            "--kind",
            "EA",
            "--source",
            "unea-2026",
            "--network",
            "union-nationale-des-entreprises-adaptees",
        ]
    )
    assert result.exit_code == 0, result.output
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    assert (enterprise.kind, enterprise.source) == ("EA", "unea-2026")
    assert [n.brand for n in enterprise.networks] == ["UNEA"]


def test_cli_reference_import_is_idempotent(runner):
    result = runner.invoke(args=["import", "reference", "--json"])
    assert result.exit_code == 0, result.output
    reports = last_json(result.stdout)
    assert reports["commune"]["unchanged"] == 34969
    assert all(r["created"] == 0 and r["updated"] == 0 for r in reports.values())


def test_cli_on_a_database_without_schema_says_to_migrate(tmp_path, monkeypatch):
    from config import Config
    from webapp import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = create_app(Config()).test_cli_runner().invoke(args=["import", "reference"])
    assert result.exit_code == 1
    assert "db upgrade" in result.output


def test_a_list_with_fewer_columns_updates_only_what_it_gives(session, runner, tmp_path):
    description = "Traiteur solidaire qui livre partout en France."
    load(session, parse_siae_rows(BALUCHON.replace(",,50 à 99", f",{description},50 à 99")))
    before = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    before_sectors = sorted((s.sector_id, s.source) for s in before.sectors)
    assert before.zone.kind == "national"  # derived from the description

    path = tmp_path / "unea.csv"
    path.write_text("SIRET;Nom;CP;Ville\n80746931700018;Baluchon SAS;93230;Romainville\n")
    args = [
        "import",
        "enterprises",
        str(path),
        "--kind",
        "EA",
        "--source",
        "unea",
        "--mapping",
        "siret=SIRET,name=Nom,post_code=CP,city=Ville",
        "--json",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert last_json(result.stdout)["updated"] == 1

    session.expire_all()
    after = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    assert after.name == "Baluchon SAS"  # given by the list
    # Not given by the list, so kept: --kind is only a default for new enterprises.
    assert (after.kind, after.source, after.naf_code) == ("EI", "ASP", "56.21Z")
    assert (after.address, after.website) == ("Rue Madeleine Odru", "http://www.baluchon.fr")
    assert after.position_precision == "address" and after.latitude == 48.88053
    assert after.zone.kind == "national"
    assert sorted((s.sector_id, s.source) for s in after.sectors) == before_sectors

    # Importing each source again changes nothing more: the two lists do not fight.
    again = runner.invoke(args=args)
    assert last_json(again.stdout)["updated"] == 0


def test_a_sector_people_rejected_is_not_suggested_again(session):
    load(session, parse_siae_rows(BALUCHON))
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))
    rejected = enterprise.sectors[0]
    rejected.status = "rejected"
    session.commit()
    assert load(session, parse_siae_rows(BALUCHON)).unchanged == 1
    session.expire_all()
    rows = session.scalars(
        select(EnterpriseSector).where(EnterpriseSector.sector_id == rejected.sector_id)
    ).all()
    assert [row.status for row in rows] == ["rejected"]


def test_cli_dry_run_reports_but_writes_nothing(runner, session, tmp_path):
    path = tmp_path / "siae.csv"
    path.write_text(SIAE_HEADER + BALUCHON)
    result = runner.invoke(args=["import", "siae", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = last_json(result.stdout)
    assert (report["dry_run"], report["created"]) == (True, 1)
    assert "[dry run]" in result.output
    assert count(session, Enterprise) == 0


def test_cli_xlsx_rejected_rows_keep_their_spreadsheet_lines(runner, session, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SIRET", "Nom", "CP", "Ville"])
    sheet.append(["80746931700018", "Atelier", "93230", "Romainville"])
    sheet.append([None, None, None, None])
    sheet.append(["80746931700019", "Faux SIRET", "93230", "Romainville"])
    sheet.append(["75187049400026", "Nulle part", "99999", "Nowhere"])
    path = tmp_path / "liste.xlsx"
    workbook.save(path)
    result = runner.invoke(
        args=[
            "import",
            "enterprises",
            str(path),
            "--kind",
            "ESAT",
            "--json",
            "--mapping",
            "siret=SIRET,name=Nom,post_code=CP,city=Ville",
        ]
    )
    report = last_json(result.stdout)
    assert report["created"] == 1
    assert [(r["line"], r["reason"].split(" ")[0]) for r in report["rejected_rows"]] == [
        (4, "invalid"),  # row 3 is blank; lines are the spreadsheet's row numbers
        (5, "unknown"),
    ]


def test_reference_import_refuses_a_damaged_file_whole(runner, tmp_path):
    import shutil

    from importers.reference import REFERENCE_DIR

    damaged = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, damaged)
    lines = (damaged / "epcis.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",many"  # population
    (damaged / "epcis.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", "reference", "--directory", str(damaged)])
    assert result.exit_code == 1
    assert "epcis.csv line 4: unreadable value" in result.output
