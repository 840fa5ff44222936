"""The sectors CPV codes (Common Procurement Vocabulary) suggest.

What a CPV code is, and how one is read — a code of the CPV 2008 nomenclature, however
written — is one rule, ``domain.cpv`` (``read_cpv_codes``, ``normalise_cpv``). The mapping is
data: ``data/mappings/cpv_sectors.csv`` (CPV prefix -> sector name of
``data/reference/sectors.csv``, with a confidence); the longest prefix present wins.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.cpv import CpvError, default_nomenclature, normalise_cpv

__all__ = ["CpvError", "sectors_for_cpv"]

ROOT = Path(__file__).resolve().parent.parent
MAPPING_FILE = ROOT / "data" / "mappings" / "cpv_sectors.csv"
SECTORS_FILE = ROOT / "data" / "reference" / "sectors.csv"


@dataclass(frozen=True)
class CpvRule:
    prefix: str
    sector: str
    confidence: float
    note: str


@dataclass(frozen=True)
class CpvMapping:
    version: str
    rules: dict[str, tuple[CpvRule, ...]]

    def rules_for(self, code: str) -> tuple[CpvRule, ...]:
        """The rules of the longest prefix of ``code`` present in the mapping."""
        for length in range(len(code), 1, -1):
            found = self.rules.get(code[:length])
            if found:
                return found
        return ()


def load_mapping(path: Path = MAPPING_FILE, sectors_file: Path = SECTORS_FILE) -> CpvMapping:
    """Read and check the mapping; a bad row raises ``ValueError`` naming its line."""
    with sectors_file.open(encoding="utf-8", newline="") as handle:
        sector_names = {row["sector"] for row in csv.DictReader(handle)}
    version = ""
    rules: dict[str, list[CpvRule]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()
    body = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            if line.startswith("# version:"):
                version = line.partition(":")[2].strip()
            continue
        body.append((number, line))
    reader = csv.reader(line for _, line in body)
    header = next(reader)
    if header != ["cpv_prefix", "sector", "confidence", "note"]:
        raise ValueError(f"{path.name}: unexpected header {header}")
    for (number, _), cells in zip(body[1:], reader, strict=True):
        if len(cells) != 4:
            raise ValueError(f"{path.name} line {number}: expected 4 columns")
        prefix, sector, confidence_text, note = cells
        divisions = default_nomenclature().divisions
        if not re.fullmatch(r"\d{2,8}", prefix) or prefix[:2] not in divisions:
            raise ValueError(f"{path.name} line {number}: bad CPV prefix {prefix!r}")
        if sector not in sector_names:
            raise ValueError(f"{path.name} line {number}: unknown sector {sector!r}")
        confidence = float(confidence_text)
        if not 0 < confidence <= 1:
            raise ValueError(f"{path.name} line {number}: confidence must be in (0, 1]")
        if any(rule.sector == sector for rule in rules.get(prefix, ())):
            raise ValueError(f"{path.name} line {number}: {prefix} -> {sector} twice")
        rules.setdefault(prefix, []).append(CpvRule(prefix, sector, confidence, note))
    if not version:
        raise ValueError(f"{path.name}: no '# version:' line")
    return CpvMapping(version, {prefix: tuple(found) for prefix, found in rules.items()})


@cache
def default_mapping() -> CpvMapping:
    return load_mapping()


def sectors_for_cpv(code: str, mapping: CpvMapping | None = None) -> list[tuple[str, float]]:
    """Sector names a CPV code suggests, with their confidence, best first; ``[]`` when
    the code's prefix names no sector. Raises ``CpvError`` on a malformed code."""
    rules = (mapping or default_mapping()).rules_for(normalise_cpv(code))
    return sorted(((r.sector, r.confidence) for r in rules), key=lambda p: (-p[1], p[0]))
