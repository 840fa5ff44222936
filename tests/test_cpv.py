"""CPV codes: normalising them and the sectors of data/mappings/cpv_sectors.csv."""

from __future__ import annotations

import contextlib
import csv
import json

import pytest

from importers.cpv import (
    MAPPING_FILE,
    CpvError,
    default_mapping,
    load_mapping,
    normalise_cpv,
    sectors_for_cpv,
    split_cpv_codes,
)
from tests.conftest import SHARED_DATA

DECP_SAMPLE = SHARED_DATA / "decp" / "decp_sample_pes_2019.json"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("90910000-9", "90910000"),
        ("90910000", "90910000"),
        (" 9091 0000-9 ", "90910000"),
        ("909100009", "90910000"),
        ("77310000-6", "77310000"),
    ],
)
def test_normalise_accepts_codes_with_or_without_check_digit(text, code):
    assert normalise_cpv(text) == code


@pytest.mark.parametrize("text", ["", "9091", "90910000-99", "ABCDEFGH", "00000000-1", "20190128"])
def test_normalise_rejects_malformed_codes(text):
    with pytest.raises(CpvError):
        normalise_cpv(text)


def test_longest_prefix_wins():
    assert sectors_for_cpv("90910000-9") == [("Nettoyage de locaux", 0.9)]
    # 90914 (car parks) has its own row, longer than 9091.
    assert sectors_for_cpv("90914000")[0][0].startswith("Nettoyage spécifique")
    assert sectors_for_cpv("77310000")[0] == ("Création et entretien des espaces verts", 0.9)
    assert sectors_for_cpv("55520000")[0] == ("Restauration collective", 0.8)
    assert sectors_for_cpv("45310000")[0] == ("Electricité", 0.9)
    # Fuels name no trade of the taxonomy: nothing, rather than a guess.
    assert sectors_for_cpv("09134100") == []


def test_several_codes_in_one_cell():
    codes, errors = split_cpv_codes("90910000-9, 77310000;98310000-9 | 90910000")
    assert codes == ["90910000", "77310000", "98310000"]
    assert errors == []
    codes, errors = split_cpv_codes("90910000 nettoyage")
    assert codes == ["90910000"] and "nettoyage" in errors[0]


def test_mapping_is_versioned_and_every_sector_exists():
    mapping = default_mapping()
    assert mapping.version
    assert len(mapping.rules) > 100


def test_a_bad_mapping_row_is_named(tmp_path):
    bad = tmp_path / "cpv.csv"
    bad.write_text(
        "# version: x\ncpv_prefix,sector,confidence,note\n9091,Nettoyage imaginaire,0.9,x\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 3: unknown sector"):
        load_mapping(bad)


def test_mapping_file_is_well_formed():
    with MAPPING_FILE.open(encoding="utf-8") as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    assert rows[0] == ["cpv_prefix", "sector", "confidence", "note"]


@pytest.mark.skipif(not DECP_SAMPLE.exists(), reason=f"DECP sample absent: {DECP_SAMPLE}")
def test_share_of_the_real_decp_sample_that_gets_a_sector():
    contracts = json.loads(DECP_SAMPLE.read_text(encoding="utf-8"))["marches"]
    mapped = 0
    for contract in contracts:
        with contextlib.suppress(CpvError):
            mapped += bool(sectors_for_cpv(contract["codeCPV"]))
    # 803 of 1148 (70 %) when written; vehicles, insurance, engineering get none on purpose.
    assert mapped / len(contracts) >= 0.65
