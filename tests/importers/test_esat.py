"""The ESAT of the FINESS register: parser on real and bad rows, loader, CLI, search."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from importers.esat import parse_esat
from search.query import SearchQuery
from tests.factories import SHARED_DATA, SNAPSHOT, last_json
from tests.importers.factories import ESAT_DEMO, esat_csv, esat_demo_rows, parse_esat_rows
from webapp.indexing.sync import sync_outbox
from webapp.models import AuditEvent, Enterprise

SHARED = SHARED_DATA / "esat_finess.csv"
needs_shared = pytest.mark.skipif(not SHARED.is_file(), reason=f"{SHARED} not found")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return esat_demo_rows()


def row_of(rows, et_finess: str) -> dict[str, str]:
    return dict(next(r for r in rows if r["et_finess"] == et_finess))


@pytest.fixture(scope="module")
def demo():
    return parse_esat(ESAT_DEMO)


# ------------------------------------------------------------------ parser, real rows


def test_the_demo_copy_parses_whole(demo) -> None:
    assert demo.rows == 1504
    assert len(demo.rejected) == 78  # the rows without SIRET, each reported
    assert all(r.reason.startswith("no SIRET (FINESS establishment ") for r in demo.rejected)
    merged = [w for w in demo.warnings if w.code == "site_merged"]
    # Every row is either an enterprise, a site of one, or a reported rejection.
    assert len(demo.records) + len(merged) + len(demo.rejected) == 1504
    assert len({r.siret for r in demo.records}) == len(demo.records)
    assert {r.kind for r in demo.records} == {"ESAT"}


@needs_shared
def test_the_shared_file_parses_like_the_shipped_copy(demo) -> None:
    shared = parse_esat(SHARED)
    assert [r.siret for r in shared.records] == [r.siret for r in demo.records]
    assert shared.rejected == demo.rejected


def test_a_real_row_becomes_an_esat_of_its_commune(demo) -> None:
    # ORSAC's ESAT LA FRETA, Hauteville-Lompnes (01185), 66 places, switchboard published.
    record = next(r for r in demo.records if r.siret == "77554456201007")
    assert (record.name, record.kind, record.source) == ("ESAT LA FRETA", "ESAT", "FINESS")
    assert (record.commune_insee, record.departement_code, record.post_code) == (
        "01185",
        "01",
        "01110",
    )
    assert record.position_precision in ("commune", "postal_code", "epci", "departement")
    assert record.capacity == {"authorised_places": 66}
    assert record.gaps["contact_phone"] == "04 74 35 13 29"
    assert record.gaps["description"].startswith("ESAT géré par ORSAC (association loi 1901")
    assert record.legal_form == "Association loi 1901 reconnue d'utilité publique"
    assert record.ess_status == "by_statute"
    assert record.zone.divisions == (("departement", "01"),) and record.zone.derived
    # The register's text fills a gap only: not an identity field the record speaks for.
    assert "description" not in record.provided and "latitude" not in record.provided


def test_establishments_of_one_body_are_distinct_enterprises(demo) -> None:
    orsac = [r for r in demo.records if r.siren == "775544562"]
    assert len(orsac) > 1 and len({r.siret for r in orsac}) == len(orsac)


def test_sites_of_one_siret_are_one_enterprise_with_their_places_added(demo, rows) -> None:
    # OSARIS: one principal (Nîmes, 109 places) and four sites (37 + 23 + 36 + 15).
    lines = [n for n, r in enumerate(rows, start=2) if r["siret"] == "77589836400028"]
    assert len(lines) == 5
    record = next(r for r in demo.records if r.siret == "77589836400028")
    assert record.name == "ESAT OSARIS- SITE LA BASTIDE" and record.city == "Nîmes"
    assert record.capacity == {"authorised_places": 109 + 37 + 23 + 36 + 15}
    assert (
        "ESAT OSARIS -SITE BEAUCAIRE (Beaucaire, 37 places agréées)" in (record.gaps["description"])
    )
    merged = {w.line for w in demo.warnings if w.code == "site_merged"}
    assert set(lines) - {record.line} <= merged


def test_zero_places_is_no_capacity(demo, rows) -> None:
    zero = next(r for r in rows if r["authorised_places"] == "0" and r["et_type"] == "Principal")
    parsed = parse_esat_rows(zero)
    assert parsed.records[0].capacity == {"authorised_places": None}
    assert [w.code for w in parsed.warnings if w.code == "no_places"] == ["no_places"]


def test_an_arrondissement_code_lands_on_its_city(rows) -> None:
    marseille = next(r for r in rows if r["commune_code"].startswith("132") and r["siret"])
    record = parse_esat_rows(marseille).records[0]
    assert record.commune_insee == "13055" and record.city == marseille["commune_name"]


# ------------------------------------------------------------------ parser, bad rows


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"siret": ""}, "no SIRET (FINESS establishment 010787141, ESAT LA FRETA)"),
        ({"siret": "77554456201008"}, "invalid SIRET '77554456201008'"),
        ({"siret": "7755445620100"}, "invalid SIRET '7755445620100'"),
        ({"commune_code": "01999"}, "unknown INSEE commune code '01999' (Hauteville-Lompnes)"),
        ({"departement_code": "02"}, "commune 01185 is in département 01, not 02"),
        ({"authorised_places": "66,5"}, "authorised places '66,5' is not a whole number"),
        ({"authorised_places": "-3"}, "authorised places '-3' is not a whole number"),
        ({"post_code": "1110X"}, "invalid postal code '1110X'"),
        ({"et_name": ""}, "missing et_name"),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_and_reason(rows, change, reason) -> None:
    good, bad = row_of(rows, "010008951"), row_of(rows, "010787141") | change
    parsed = parse_esat_rows(good, bad)
    assert [r.siret for r in parsed.records] == ["77554456201361"]
    assert len(parsed.rejected) == 1
    assert parsed.rejected[0].line == 3
    assert parsed.rejected[0].reason.startswith(reason)


def test_a_repeated_establishment_is_rejected_as_a_duplicate(rows) -> None:
    freta = row_of(rows, "010787141")
    parsed = parse_esat_rows(freta, freta)
    assert len(parsed.records) == 1
    assert [(r.line, r.reason) for r in parsed.rejected] == [
        (3, "duplicate FINESS establishment 010787141: already on line 2")
    ]


def test_a_site_before_its_principal_still_gives_the_principal(rows) -> None:
    principal, site = row_of(rows, "330781873"), row_of(rows, "330781881")
    record = parse_esat_rows(site, principal).records[0]
    assert record.name == "ESAT JEAN JACQUEMART" and record.line == 3
    assert record.capacity == {"authorised_places": 125 + 170}


def test_undecodable_bytes_reject_the_row_not_the_file(rows) -> None:
    data = esat_csv(row_of(rows, "010008951"), row_of(rows, "010787141"))
    data = data.replace(b"LA FRETA", b"LA FR\xe9TA")  # a Latin-1 byte
    parsed = parse_esat(io.BytesIO(data))
    assert len(parsed.records) == 1
    assert [(r.line, r.reason) for r in parsed.rejected] == [
        (3, "invalid utf-8 bytes in column(s) et_name")
    ]


def test_a_file_without_the_register_columns_is_refused() -> None:
    from importers.tabular import ImportFileError

    with pytest.raises(ImportFileError, match="missing column"):
        parse_esat(io.BytesIO(b"siret,name\n77554456201361,ESAT\n"))


# ------------------------------------------------------------------ loader and CLI


def load(session, parsed, **kwargs):
    return load_enterprises(session, parsed, source="esat", actor="test", **kwargs)


def test_load_then_rerun_changes_nothing(session, demo) -> None:
    first = load(session, demo)
    assert (first.created, first.updated) == (len(demo.records), 0)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    second = load(session, parse_esat(ESAT_DEMO))
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(demo.records))
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events

    freta = session.scalar(select(Enterprise).where(Enterprise.siret == "77554456201007"))
    assert freta.kind == "ESAT" and freta.contact_phone == "04 74 35 13 29"
    assert freta.capacity.authorised_places == 66
    # A ceiling, not a headcount: no headcount figure is made up from it.
    assert freta.capacity.headcount_total is None and freta.capacity.headcount_inclusion is None


def test_an_esat_another_list_created_is_updated_not_duplicated(session, demo) -> None:
    # ECOD'AIR is in the SIAE snapshot (an ACI) and in FINESS (an ESAT) under one SIRET.
    load(session, parse_siae(SNAPSHOT))
    before = session.scalar(select(Enterprise).where(Enterprise.siret == "45231025300029"))
    identity = (before.name, before.kind, before.source, before.commune_insee)
    report = load(session, demo)
    assert report.updated == 2  # ECOD'AIR and Aurore's ESAT, both in the snapshot
    assert sorted(w.line for w in report.warnings if w.code == "listed_by_other_source") == [
        1046,
        1156,
    ]
    rows = session.scalars(select(Enterprise).where(Enterprise.siret == "45231025300029")).all()
    assert len(rows) == 1
    after = rows[0]
    assert (after.name, after.kind, after.source, after.commune_insee) == identity
    assert after.capacity.authorised_places is not None
    assert after.contact_phone

    # The two lists do not undo each other: each again changes nothing.
    assert load(session, parse_siae(SNAPSHOT)).updated == 0
    assert load(session, parse_esat(ESAT_DEMO)).updated == 0


def test_cli_imports_reports_and_reruns(runner, tmp_path, rows) -> None:
    path = tmp_path / "esat.csv"
    no_siret = next(r for r in rows if not r["siret"])
    path.write_bytes(esat_csv(row_of(rows, "010008951"), row_of(rows, "010787141"), no_siret))

    dry = runner.invoke(args=["import", "esat", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    summary = last_json(dry.stdout)
    assert (summary["dry_run"], summary["created"], summary["rejected"]) == (True, 2, 1)
    assert summary["rejected_rows"][0]["line"] == 4
    assert "no SIRET" in summary["rejected_rows"][0]["reason"]
    assert "rejected line 4: no SIRET" in dry.stderr

    first = runner.invoke(args=["import", "esat", str(path), "--json"])
    assert first.exit_code == 0, (first.output, first.exception)
    assert last_json(first.stdout)["created"] == 2
    again = last_json(runner.invoke(args=["import", "esat", str(path), "--json"]).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_cli_says_why_a_file_cannot_be_read(runner, tmp_path) -> None:
    result = runner.invoke(args=["import", "esat", str(tmp_path / "absent.csv")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_search_finds_an_imported_esat(session, search_backend, rows) -> None:
    load(session, parse_esat_rows(row_of(rows, "010787141"), row_of(rows, "010008951")))
    sync_outbox(session, search_backend)
    hits = search_backend.search(SearchQuery(text="freta")).hits
    assert [session.get(Enterprise, hit.id).siret for hit in hits] == ["77554456201007"]
    # The managing body is in the text a buyer searches.
    orsac = search_backend.search(SearchQuery(text="ORSAC", kinds=("ESAT",))).hits
    assert len(orsac) == 2
