"""Parsing enterprise lists: real snapshot rows, and every kind of bad row."""

from __future__ import annotations

import io

import pytest

from importers.enterprise_lists import (
    SIAE_MAPPING,
    parse_enterprise_list,
    parse_mapping,
)
from importers.tabular import ImportFileError
from tests.importers.factories import BALUCHON, SIAE_HEADER, parse_siae_text


def test_every_snapshot_row_is_either_a_record_or_a_reported_rejection(snapshot):
    assert snapshot.rows == 3853
    assert len(snapshot.records) + len(snapshot.rejected) == snapshot.rows
    assert all(r.reason for r in snapshot.rejected)
    assert len({r.siret for r in snapshot.records}) == len(snapshot.records)
    # Most rows are good: rejections are the snapshot's real faults, not parser gaps.
    assert len(snapshot.records) > 3800


def test_snapshot_rejections_name_their_cause(snapshot):
    reasons = [r.reason for r in snapshot.rejected]
    assert sum("invalid SIRET" in r for r in reasons) == 13
    assert any(r.startswith("duplicate SIRET 35058476900029: already on line") for r in reasons)
    assert any("Strasbourg" in r for r in reasons)  # 40220 Strasbourg: an inconsistent address


def test_real_row_becomes_a_complete_record():
    parsed = parse_siae_text(SIAE_HEADER + BALUCHON)
    assert parsed.rejected == []
    record = parsed.records[0]
    assert (record.line, record.siret, record.siren) == (2, "80746931700018", "807469317")
    assert record.kind == "EI"
    assert record.naf_code == "56.21Z"
    assert record.commune_insee == "93063"  # Romainville
    assert record.departement_code == "93"
    assert (record.latitude, record.longitude, record.position_precision) == (
        48.88053,
        2.431955,
        "address",
    )
    assert record.headcount_bracket == "50 à 99 salariés"
    assert record.zone.kind == "divisions" and record.zone.divisions == (("departement", "93"),)
    assert record.zone.derived
    assert record.sectors and record.sectors[0].source == "naf"


def test_multiline_description_keeps_its_line_numbers(snapshot):
    by_siret = {r.siret: r for r in snapshot.records}
    initiatives = by_siret["79285470500029"]
    assert initiatives.line == 4
    assert "chantier restauration collective" in initiatives.description
    assert by_siret["38269518700049"].line == 8  # the row after a four-line description


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (BALUCHON.replace("80746931700018", "80746931700019"), "invalid SIRET '80746931700019'"),
        (BALUCHON.replace("80746931700018", "8074693170"), "invalid SIRET '8074693170'"),
        (BALUCHON.replace("BALUCHON A TABLE CITOYENS", ""), "missing name"),
        (BALUCHON.replace(",93230,Romainville,", ",,Romainville,"), "missing post_code"),
        (BALUCHON.replace(",EI,", ",XYZ,"), "unknown kind 'XYZ'"),
        (BALUCHON.replace(",5621Z,", ",9999Q,"), "unknown NAF code '9999Q'"),
        (
            BALUCHON.replace("93230,Romainville,93", "99999,Nowhere,93"),
            "no commune named 'Nowhere'",
        ),
        (
            BALUCHON.replace("93230,Romainville,93", "93230,Romainville,59"),
            "postal code 93230 belongs to département 93, not 59",
        ),
        (BALUCHON.replace("48.88053", "north"), "unreadable coordinates"),
        (BALUCHON.replace("48.88053", "148.8"), "coordinates out of range"),
        (BALUCHON.replace("93230", "9323A"), "invalid postal code"),
        (BALUCHON.replace("Rue Madeleine Odru", "R" * 256), "address is longer than 255"),
    ],
)
def test_bad_rows_are_rejected_with_line_and_reason(row, reason):
    parsed = parse_siae_text(SIAE_HEADER + row)
    assert parsed.records == []
    assert len(parsed.rejected) == 1
    assert parsed.rejected[0].line == 2
    assert reason in parsed.rejected[0].reason


def test_broken_encoding_rejects_only_that_row():
    data = (SIAE_HEADER + BALUCHON).encode() + BALUCHON.replace(
        "80746931700018", "75187049400026"
    ).replace("Baluchon-À", "Baluchon-\udce0").encode("utf-8", "surrogateescape")
    parsed = parse_siae_text(data)
    assert [r.siret for r in parsed.records] == ["80746931700018"]
    assert parsed.rejected[0].line == 3
    assert "invalid utf-8 bytes in column(s) brand" in parsed.rejected[0].reason


def test_duplicate_siret_keeps_the_first_row_and_reports_the_second():
    parsed = parse_siae_text(SIAE_HEADER + BALUCHON + BALUCHON.replace(",EI,", ",ACI,"))
    assert [r.kind for r in parsed.records] == ["EI"]
    assert parsed.rejected[0].line == 3
    assert parsed.rejected[0].reason == "duplicate SIRET 80746931700018: already on line 2"


def test_missing_coordinates_fall_back_to_the_commune_with_its_precision():
    parsed = parse_siae_text(SIAE_HEADER + BALUCHON.replace("48.88053,2.431955", ","))
    record = parsed.records[0]
    assert record.position_precision == "commune"  # Romainville is located by GeoNames
    assert (record.latitude, record.longitude) == (48.8854, 2.43482)
    assert [w.code for w in parsed.warnings] == ["position_from_commune"]


def test_coordinates_far_from_the_commune_are_replaced_and_reported():
    # Swapped latitude and longitude put Romainville in the Gulf of Guinea.
    parsed = parse_siae_text(
        SIAE_HEADER + BALUCHON.replace("48.88053,2.431955", "2.431955,48.88053")
    )
    record = parsed.records[0]
    assert record.position_precision == "commune"
    assert "coordinates_far_from_commune" in [w.code for w in parsed.warnings]


def test_generic_naf_is_reported_as_a_warning_not_a_rejection():
    parsed = parse_siae_text(SIAE_HEADER + BALUCHON.replace(",5621Z,", ",8899B,"))
    assert parsed.records[0].naf_code == "88.99B"
    assert "generic_naf" in [w.code for w in parsed.warnings]


def test_malformed_file_is_refused_whole():
    with pytest.raises(ImportFileError, match="missing column"):
        parse_siae_text("siret,name\n80746931700018,X\n")
    with pytest.raises(ImportFileError, match="malformed CSV"):
        parse_siae_text(SIAE_HEADER + BALUCHON + '"75187049400026,"unterminated\n')


def test_mapping_text_is_validated():
    assert parse_mapping("siret=N° SIRET, name=Raison sociale") == {
        "siret": "N° SIRET",
        "name": "Raison sociale",
    }
    with pytest.raises(ImportFileError, match="unknown field 'nom'"):
        parse_mapping("nom=Nom")
    with pytest.raises(ImportFileError, match="field=Column"):
        parse_mapping("siret")


def test_generic_list_with_its_own_columns_and_a_default_kind():
    text = "N° SIRET;Raison sociale;CP;Ville\n807 469 317 00018;Atelier Test;93230;ROMAINVILLE\n"
    parsed = parse_enterprise_list(
        io.BytesIO(text.encode()),
        {"siret": "N° SIRET", "name": "Raison sociale", "post_code": "CP", "city": "Ville"},
        source_name="unea-2026",
        default_kind="EA",
        networks=("union-nationale-des-entreprises-adaptees",),
    )
    record = parsed.records[0]
    assert (record.siret, record.kind, record.source) == ("80746931700018", "EA", "unea-2026")
    assert record.networks == ("union-nationale-des-entreprises-adaptees",)


def test_generic_list_without_kind_column_nor_default_is_refused():
    with pytest.raises(ImportFileError, match="default kind"):
        parse_enterprise_list(
            io.BytesIO(b"s,n,c,v\n"),
            {"siret": "s", "name": "n", "post_code": "c", "city": "v"},
            source_name="x",
        )


def test_kind_given_as_its_french_label_is_understood():
    parsed = parse_siae_text(SIAE_HEADER + BALUCHON.replace(",EI,", ",Entreprise adaptée,"))
    assert parsed.records[0].kind == "EA"


def test_siae_mapping_covers_the_snapshot_header():
    assert set(SIAE_MAPPING.values()) == set(SIAE_HEADER.strip().split(","))
