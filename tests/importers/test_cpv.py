"""The CPV to sector mapping (``importers.cpv``, data/mappings/cpv_sectors.csv)."""

from __future__ import annotations

import contextlib
import csv
import json

import pytest

from domain.cpv import CpvError
from importers.cpv import MAPPING_FILE, default_mapping, load_mapping, sectors_for_cpv
from tests.factories import SHARED_DATA

DECP_SAMPLE = SHARED_DATA / "decp" / "decp_sample_pes_2019.json"


def test_longest_prefix_wins():
    assert sectors_for_cpv("90910000-9") == [("Nettoyage de locaux", 0.9)]
    # 90914 (car parks) has its own row, longer than 9091.
    assert sectors_for_cpv("90914000")[0][0].startswith("Nettoyage spécifique")
    assert sectors_for_cpv("77310000")[0] == ("Création et entretien des espaces verts", 0.9)
    assert sectors_for_cpv("55520000")[0] == ("Restauration collective", 0.8)
    assert sectors_for_cpv("45310000")[0] == ("Electricité", 0.9)
    # Fuels name no trade of the taxonomy: nothing, rather than a guess.
    assert sectors_for_cpv("09134100") == []


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
