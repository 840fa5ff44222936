"""Importing purchase intentions from the CSV/XLSX template: rows, lots, places, sectors,
rejected rows, all or nothing, idempotent re-runs, the matcher run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from importers.intentions import COLUMNS, load_intentions, parse_intentions
from importers.tabular import ImportFileError
from tests.factories import ROOT, count, last_json
from tests.importers.factories import TEMPLATE_ROW, write_template
from webapp.models import IntentionLot, MatchRun, PurchaseIntention

TEMPLATES = ROOT / "data" / "templates"


def test_the_shipped_csv_template_imports_cleanly_then_a_second_run_changes_nothing(
    session, runner
):
    path = TEMPLATES / "intentions_modele.csv"
    result = runner.invoke(args=["import", "intentions", str(path), "--source", "t", "--json"])
    assert result.exit_code == 0, result.output
    report = last_json(result.output)
    assert report["created"] == 2 and report["rejected"] == 0
    assert report["warnings"] == {"sectors_read": 1}
    green = session.scalar(
        select(PurchaseIntention).where(PurchaseIntention.external_id == "LYON-2027-EV-01")
    )
    assert [s.name for s in green.sectors] == ["Création et entretien des espaces verts"]
    assert (green.place_kind, green.place_code, green.place_label) == ("commune", "69123", "Lyon")
    assert green.amount_total == 240000 and green.duration_months == 36
    assert green.social_consideration == "reservation" and green.status == "published"
    assert green.cpv_codes == "77310000" and green.source == "t" and not green.forecast
    nurseries = session.scalar(
        select(PurchaseIntention).where(PurchaseIntention.external_id == "LYON-2027-CRECHES")
    )
    assert [(lot.number, lot.title, lot.amount) for lot in nurseries.lots] == [
        (1, "Nettoyage des locaux", 280000),
        (2, "Blanchisserie", 80000),
    ]
    assert [s.name for s in nurseries.lots[1].sectors] == ["Blanchisserie"]
    assert nurseries.sectors == []  # the lots name theirs: none derived for the whole
    assert nurseries.launch_date.isoformat() == "2027-09-01"
    assert (nurseries.place_kind, nurseries.place_code) == ("departement", "69")
    # The matcher ran for both published intentions.
    assert count(session, MatchRun) == 2

    again = runner.invoke(args=["import", "intentions", str(path), "--source", "t", "--json"])
    report = last_json(again.output)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert count(session, PurchaseIntention) == 2 and count(session, IntentionLot) == 2


def test_the_shipped_xlsx_template_gives_the_same_intentions(session):
    parsed_csv = parse_intentions(TEMPLATES / "intentions_modele.csv", session)
    parsed_xlsx = parse_intentions(TEMPLATES / "intentions_modele.xlsx", session)
    assert not parsed_xlsx.rejected
    assert [r.__dict__ | {"line": 0} for r in parsed_xlsx.records] == [
        r.__dict__ | {"line": 0} for r in parsed_csv.records
    ]


def test_bad_rows_are_rejected_with_line_and_reason(session, tmp_path):
    path = write_template(
        tmp_path,
        TEMPLATE_ROW,
        TEMPLATE_ROW | {"titre": "Sans lieu", "lieu": ""},
        TEMPLATE_ROW | {"titre": "Lieu inconnu", "lieu": "dep:99"},
        TEMPLATE_ROW | {"titre": "Code ambigu", "lieu": "69001"},
        TEMPLATE_ROW | {"titre": "CPV faux", "codes_cpv": "9091"},
        TEMPLATE_ROW | {"titre": "Secteur inconnu", "secteurs": "Jonglage"},
        TEMPLATE_ROW | {"titre": "Montant", "montant_total": "beaucoup"},
        TEMPLATE_ROW | {"titre": "Date", "date_lancement": "31/02/2027"},
        TEMPLATE_ROW | {"titre": "Siret", "acheteur_siret": "12345678901234"},
        TEMPLATE_ROW | {"titre": "Statut", "statut": "peut-être"},
        TEMPLATE_ROW | {"titre": "Gazole des véhicules", "codes_cpv": "09134100", "secteurs": ""},
    )
    parsed = parse_intentions(path, session)
    # A CPV code that maps to no sector (fuels) is no rejection: a sectorless intention.
    assert [r.title for r in parsed.records] == ["Nettoyage de la mairie", "Gazole des véhicules"]
    assert parsed.records[1].sectors == []
    no_sector = {w.line: w.message for w in parsed.warnings if w.code == "no_sector"}
    assert "09134100 maps to no sector" in no_sector[12]
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert sorted(reasons) == list(range(3, 12))
    assert reasons[3] == "lieu is required"
    assert "not a département code" in reasons[4]
    assert "both a commune code" in reasons[5]
    assert reasons[6].startswith("codes_cpv:")
    assert "unknown sector 'Jonglage'" in reasons[7]
    assert reasons[8].startswith("montant_total:")
    assert reasons[9].startswith("date_lancement:")
    assert "not a valid SIRET" in reasons[10]
    assert reasons[11].startswith("statut:")


def test_lot_rows_must_agree_with_their_intention(session, tmp_path):
    lot = {"identifiant_externe": "X1", "lot_numero": "1", "lot_titre": "Lot A"}
    path = write_template(
        tmp_path,
        TEMPLATE_ROW | lot | {"lot_secteurs": "nettoyage-de-locaux"},
        {"identifiant_externe": "X1", "lot_numero": "2", "lot_titre": "Lot B"},
        {"identifiant_externe": "X1", "lot_numero": "2", "lot_titre": "Lot B bis"},
        {"identifiant_externe": "X1", "titre": "Autre titre", "lot_numero": "3", "lot_titre": "C"},
        {"identifiant_externe": "X1"},
    )
    parsed = parse_intentions(path, session)
    (record,) = parsed.records
    assert [lot.number for lot in record.lots] == [1, 2]
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert reasons[4] == "lot 2 is given twice"
    assert reasons[5] == "titre differs from line 2 (same identifiant_externe)"
    assert "without a lot" in reasons[6]


def test_rows_without_an_external_id_get_a_stable_one(session, tmp_path):
    path = write_template(tmp_path, TEMPLATE_ROW)
    first = load_intentions(session, parse_intentions(path, session), source="s", match=False)
    assert first.created == 1
    intention = session.scalar(select(PurchaseIntention))
    assert intention.external_id.startswith("auto-")
    # The same row again is the same intention; a new amount updates it.
    changed = write_template(tmp_path, TEMPLATE_ROW | {"montant_total": "150000"}, name="b.csv")
    second = load_intentions(session, parse_intentions(changed, session), source="s", match=False)
    assert (second.created, second.updated) == (0, 1)
    assert session.scalar(select(PurchaseIntention.amount_total)) == 150000


def test_a_malformed_file_commits_nothing(session, runner, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(";".join(COLUMNS) + '\n"Nettoyage;sans fin de guillemet\n', encoding="utf-8")
    result = runner.invoke(args=["import", "intentions", str(path)])
    assert result.exit_code != 0 and "malformed CSV" in result.output
    assert count(session, PurchaseIntention) == 0
    missing = tmp_path / "missing.csv"
    missing.write_text("titre;lieu\nA;FR\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="missing column"):
        parse_intentions(missing, session)


def test_dry_run_writes_nothing(session, runner, tmp_path):
    path = write_template(tmp_path, TEMPLATE_ROW)
    result = runner.invoke(args=["import", "intentions", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    assert last_json(result.output)["created"] == 1
    assert count(session, PurchaseIntention) == 0


PROPRETE = "ACHAT DE PRESTATIONS DE PROPRETE URBAINE SUR LE TERRITOIRE DE FLEURY LES AUBRAIS"


def test_sectors_are_read_from_the_title_when_the_cpv_says_nothing_or_is_not_a_trade(
    session, tmp_path
):
    path = write_template(
        tmp_path,
        # Titles of real DECP contracts won by insertion structures (2019 sample).
        TEMPLATE_ROW
        | {
            "titre": PROPRETE,
            "codes_cpv": "85312510-7",
        },
        TEMPLATE_ROW | {"titre": "Travaux de d\ufffdbroussaillage", "codes_cpv": "34100000"},
        TEMPLATE_ROW | {"titre": "Nettoyage de la mairie", "codes_cpv": "90910000-9"},
    )
    parsed = parse_intentions(path, session)
    sectors = {r.title: r.sectors for r in parsed.records}
    # 85312510 maps to "Autre (Médico-social)": an insertion purchase, only the title counts.
    assert sectors[PROPRETE] == ["Nettoyage urbain"]
    assert "Création et entretien des espaces verts" in sectors["Travaux de d\ufffdbroussaillage"]
    assert sectors["Nettoyage de la mairie"] == ["Nettoyage de locaux"]
    read = {w.line: w.message for w in parsed.warnings if w.code == "sectors_read"}
    assert "proprete urbaine" in read[2] and "nettoyage" in read[4]


@pytest.mark.parametrize("source", ["web", "api"])
def test_the_buyers_own_sources_are_refused_on_the_command_line_with_a_clear_error(
    session, runner, source
):
    path = TEMPLATES / "intentions_modele.csv"
    result = runner.invoke(args=["import", "intentions", str(path), "--source", source])
    assert result.exit_code == 2
    assert "intentions buyers write themselves" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert count(session, PurchaseIntention) == 0
