"""DECP imports: contracts as track records (ContractAward) and forecast renewals
(PurchaseIntention), from the real 2019 sample and from crafted v2 files."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from importers.decp import add_months, load_decp, parse_decp, read_contracts
from importers.places import PlaceReader
from importers.tabular import ImportFileError
from tests.factories import SHARED_DATA, count, last_json, make_enterprise
from tests.importers.factories import DECP_BUYER, DECP_HOLDER, decp_file, v2_contract
from webapp.models import ContractAward, MatchRun, PurchaseIntention

DECP_SAMPLE = SHARED_DATA / "decp" / "decp_sample_pes_2019.json"
needs_sample = pytest.mark.skipif(
    not DECP_SAMPLE.exists(), reason=f"DECP sample absent: {DECP_SAMPLE}"
)


def parse(session, source):
    return parse_decp(source, PlaceReader(session))


@needs_sample
def test_real_sample_history_then_a_second_run_changes_nothing(session, runner):
    make_enterprise(session, "85480074501125", name="AXIMA CONCEPT")
    session.commit()
    args = ["import", "decp", str(DECP_SAMPLE), "--history", "--json"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    report = last_json(result.output)["awards"]
    assert report["rows"] == 1148
    assert report["created"] > 1100
    assert report["created"] == count(session, ContractAward)
    # A contract is identified by its DECP uid; the holder in our directory is linked.
    award = session.scalar(
        select(ContractAward).where(ContractAward.external_id == "130018989000172019I1703000")
    )
    assert award.holder_siret == "85480074501125" and award.enterprise_id is not None
    assert award.cpv == "50700000" and award.amount == 153900
    assert award.notified_on == date(2018, 12, 17) and award.duration_months == 38
    # Unreadable places are warnings (the track record is kept), with the index.
    assert report["warnings"]["place_unreadable"] > 0
    assert report["warnings"]["holder_not_siret"] >= 8  # TVA and HORS-UE holders, bad SIRETs
    assert report["warnings"]["duplicate"] > 0  # contracts published more than once

    again = last_json(runner.invoke(args=args).output)["awards"]
    assert (again["created"], again["updated"]) == (0, 0)


@needs_sample
def test_real_sample_as_intentions_keeps_upcoming_renewals_only(session):
    parsed = parse(session, DECP_SAMPLE)
    reports = load_decp(
        session, parsed, history=False, as_intentions=True, today=date(2021, 6, 1), match=False
    )
    intentions = session.scalars(select(PurchaseIntention)).all()
    assert reports.intentions.created == len(intentions) > 100
    assert all(i.forecast and i.status == "published" and i.source == "decp" for i in intentions)
    assert all(i.launch_date >= date(2020, 6, 1) for i in intentions)
    warnings = reports.intentions.warning_counts()
    assert warnings["renewal_past"] > 0
    # A CPV code with no sector no longer rejects: the intention has the title's sectors,
    # or none, said in a warning with the contract's index.
    sectorless = [i for i in intentions if not i.sectors]
    assert sectorless and warnings["no_sector"] >= len(sectorless)
    assert warnings["sectors_from_title"] > 0
    reasons = {r.reason for r in reports.intentions.rejected}
    assert reasons == {"no readable place of execution"}
    # Every rejected contract carries its index in the file.
    assert all(1 <= r.line <= 1148 for r in reports.intentions.rejected)


def test_v2_contract_becomes_award_and_forecast_intention(session, runner, tmp_path):
    enterprise = make_enterprise(session, DECP_HOLDER, name="Net Insertion")
    session.commit()
    path = tmp_path / "decp-v2.json"
    path.write_text(json.dumps({"marches": [v2_contract()]}), encoding="utf-8")
    args = ["import", "decp", str(path), "--history", "--as-intentions", "--json"]
    result = runner.invoke(args=[*args, "--today", "2026-01-01"])
    assert result.exit_code == 0, result.output
    report = last_json(result.output)
    assert report["awards"]["created"] == 1 and report["intentions"]["created"] == 1
    award = session.scalar(select(ContractAward))
    assert award.external_id == DECP_BUYER + "2024-NET-01"  # no uid: buyer SIRET + contract id
    assert award.enterprise_id == enterprise.id
    intention = session.scalar(select(PurchaseIntention))
    assert intention.external_id == award.external_id
    assert intention.launch_date == date(2026, 6, 1)
    assert (intention.amount_total, intention.amount_per_year) == (100000, 50000)
    assert (intention.place_kind, intention.place_code) == ("commune", "69123")
    assert [s.name for s in intention.sectors] == ["Nettoyage de locaux"]
    assert intention.buyer_type == "pouvoir_adjudicateur"
    assert intention.social_consideration == "clause"
    assert intention.forecast and intention.status == "published"
    assert session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))

    again = last_json(runner.invoke(args=[*args, "--today", "2026-01-01"]).output)
    assert (again["awards"]["created"], again["awards"]["updated"]) == (0, 0)
    assert (again["intentions"]["created"], again["intentions"]["updated"]) == (0, 0)


def test_renewal_older_than_a_year_is_not_an_intention(session):
    parsed = parse(session, decp_file(v2_contract(dateNotification="2020-01-01", dureeMois=12)))
    reports = load_decp(session, parsed, history=False, as_intentions=True, today=date(2026, 1, 1))
    assert reports.intentions.created == 0
    assert reports.intentions.warning_counts() == {"renewal_past": 1}
    assert count(session, PurchaseIntention) == 0


def test_wrapped_list_and_flat_holders_are_read(session):
    flat = v2_contract(
        uid="UID-1",
        titulaires=[{"typeIdentifiant": "SIRET", "id": DECP_HOLDER, "denominationSociale": "X"}],
    )
    parsed = parse(session, decp_file(flat, wrapped=True))
    (contract,) = parsed.records
    assert contract.external_id == "UID-1"
    assert [h.siret for h in contract.holders] == [DECP_HOLDER]


def test_unreadable_contracts_are_rejected_with_index_and_reason(session):
    parsed = parse(
        session,
        decp_file(
            v2_contract(),
            "not an object",
            v2_contract(id=None),
            v2_contract(dateNotification="bientôt", id="NET-SOON"),
            v2_contract(acheteur={}, id="NO-BUYER"),
            v2_contract(
                id="OTHER", codeCPV="00000000-1", lieuExecution={"code": "XX", "typeCode": "?"}
            ),
            v2_contract(),
        ),
    )
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert reasons == {
        2: "not a JSON object",
        3: "no contract id",
        4: "dateNotification 'bientôt' is not a date, and neither the contract id nor "
        "datePublicationDonnees gives one",
        5: "no uid and no buyer SIRET: the contract cannot be identified",
    }
    # A bad CPV or place keeps the contract (a track record) with warnings.
    assert [c.index for c in parsed.records] == [1, 6]
    codes = {(w.line, w.code) for w in parsed.warnings}
    assert {(6, "cpv_invalid"), (6, "place_unreadable"), (7, "duplicate")} <= codes
    reports = load_decp(session, parsed, history=True, as_intentions=True, today=date(2026, 1, 1))
    assert reports.awards.created == 2
    assert reports.intentions.created == 1
    assert [r.line for r in reports.intentions.rejected if r.line == 6] == [6]


def test_a_file_that_is_not_decp_commits_nothing(session, runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"marches": [', encoding="utf-8")
    result = runner.invoke(args=["import", "decp", str(path), "--history"])
    assert result.exit_code != 0 and "not a JSON file" in result.output
    with pytest.raises(ImportFileError, match="no list of contracts"):
        read_contracts(io.BytesIO(b'{"data": []}'))
    assert count(session, ContractAward) == 0


def test_a_flag_is_required(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"marches": []}', encoding="utf-8")
    result = runner.invoke(args=["import", "decp", str(path)])
    assert result.exit_code == 2 and "--history" in result.output


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [(date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2018, 12, 17), 38, date(2022, 2, 17))],
)
def test_add_months(start, months, end):
    assert add_months(start, months) == end


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ({"code": "69001", "typeCode": "Code postal", "nom": "LYON"}, ("commune", "69123")),
        ({"code": "2A", "typeCode": "Code département"}, ("departement", "2A")),
        ({"code": "078", "typeCode": "Code département"}, ("departement", "78")),
        ({"code": "971", "typeCode": "Code département"}, ("departement", "971")),
        ({"code": "84", "typeCode": "Code région"}, ("region", "84")),
        ({"code": "FR", "typeCode": "Code pays"}, ("national", None)),
        ({"code": "2B033", "typeCode": "Code commune"}, ("commune", "2B033")),
    ],
)
def test_decp_places(session, place, expected):
    reading = PlaceReader(session).decp(place)
    assert reading.ok, reading.error
    assert (reading.kind, reading.code) == expected


@pytest.mark.parametrize(
    ("place", "reason"),
    [
        ({"code": "FRK26", "typeCode": "Code département"}, "not a département code"),
        ({"code": "BE", "typeCode": "Code pays"}, "only France"),
        ({"code": "17", "typeCode": "Code commune", "nom": "GIRONDE"}, "not a commune"),
        ({"code": "XX", "typeCode": "?", "nom": "Lot 3"}, "is not read"),
    ],
)
def test_decp_places_never_guessed(session, place, reason):
    # What the code and the name do not agree on is not read.
    reading = PlaceReader(session).decp(place)
    assert not reading.ok and reason in reading.error


@pytest.mark.parametrize(
    ("place", "expected", "said"),
    [  # real places of the 2019 sample
        ({"code": "17", "typeCode": "Code commune", "nom": "CHARENTE MARITIME"}, "17", "17"),
        ({"code": "FRK26", "typeCode": "Code département", "nom": "RHONE"}, "69", "Rhône"),
        ({"code": "55", "typeCode": "Code pays", "nom": "MEUSE"}, "55", "Meuse"),
        ({"code": "0905", "typeCode": "Code arrondissement", "nom": "Foix (canton)"}, "09", "09"),
        (
            {
                "code": "DEP",
                "typeCode": "Code commune",
                "nom": "TOUTES LES COMMUNES DE LOIRE-ATLANTIQUE",
            },
            "44",
            "Loire-Atlantique",
        ),
        ({"code": "39039", "typeCode": "Code postal", "nom": "Département du Jura"}, "39", "Jura"),
    ],
)
def test_decp_places_in_the_wrong_field_are_read_with_a_warning(session, place, expected, said):
    reading = PlaceReader(session).decp(place)
    assert (reading.kind, reading.code) == ("departement", expected)
    assert place["code"] in reading.warning and said in reading.warning


def test_shared_postal_code_becomes_its_departement_with_a_warning(session):
    reader = PlaceReader(session)
    shared = next(
        code
        for code, communes in reader.gazetteer._by_postal_code.items()
        if len(communes) > 1 and len({c.departement for c in communes}) == 1
    )
    reading = reader.postal_code(shared)
    assert reading.kind == "departement" and "covers" in reading.warning
