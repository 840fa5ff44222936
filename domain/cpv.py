"""The CPV 2008 nomenclature (Common Procurement Vocabulary, Regulation (EC) No 213/2008):
what a CPV code is, its French label, and codes found by label.

The nomenclature is reference data, ``data/reference/cpv.csv.gz`` (9,454 codes, derived by
``scripts/derive_data.py``), held in memory: one rule says what a CPV code is — a code of
that list ("00000000", a date typed in the field, a CPV 2003 code such as 74000000 are
not). Pure Python, no Flask, no database.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.text import fold

NOMENCLATURE_FILE = Path(__file__).resolve().parents[1] / "data" / "reference" / "cpv.csv.gz"
MAX_RESULTS = 50
_CODE = re.compile(r"(\d{8})(?:-?(\d))?")


class CpvError(ValueError):
    """Not a CPV code; the message says why."""


@dataclass(frozen=True)
class CpvCode:
    code: str  # 8 digits
    check_digit: str
    label: str  # French

    @property
    def display(self) -> str:
        return f"{self.code} {self.label}"


class Nomenclature:
    def __init__(self, codes: list[CpvCode]):
        self.codes = sorted(codes, key=lambda c: c.code)
        self._by_code = {c.code: c for c in self.codes}
        self._words = [tuple(fold(c.label).split()) for c in self.codes]
        self.divisions = frozenset(c.code[:2] for c in self.codes)

    @classmethod
    def load(cls, path: Path = NOMENCLATURE_FILE) -> Nomenclature:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            return cls(
                [CpvCode(r["code"], r["check_digit"], r["label"]) for r in csv.DictReader(handle)]
            )

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code: str) -> CpvCode | None:
        return self._by_code.get(code)

    def label(self, code: str) -> str | None:
        found = self._by_code.get(code)
        return found.label if found else None

    def search(self, query: str, limit: int = 10) -> list[CpvCode]:
        """Codes by code prefix ("9091") or by label, accent- and case-insensitive, each
        word of the query starting a word of the label ("nettoy bat" finds "Services de
        nettoyage de bâtiments"): labels that start with the query first, then the most
        general (fewest words), then by code."""
        limit = max(1, min(limit, MAX_RESULTS))
        text = (query or "").strip()
        digits = re.sub(r"[\s.-]", "", text)
        if digits.isdigit():
            return [c for c in self.codes if c.code.startswith(digits[:8])][:limit]
        words = fold(text).split()
        if not words:
            return []
        phrase = " ".join(words)
        found = []
        for entry, label_words in zip(self.codes, self._words, strict=True):
            if all(any(w.startswith(q) for w in label_words) for q in words):
                starts = not " ".join(label_words).startswith(phrase)
                found.append((starts, len(label_words), entry.code, entry))
        found.sort(key=lambda f: f[:3])
        return [f[3] for f in found[:limit]]


@cache
def default_nomenclature() -> Nomenclature:
    return Nomenclature.load()


def normalise_cpv(text: str, nomenclature: Nomenclature | None = None) -> str:
    """``"90910000-9"``, ``"9091 0000"``, ``"90910000"`` -> ``"90910000"``.

    Spaces and dots are ignored; the check digit, when present, is dropped and not
    verified (20 contracts of the 2019 DECP sample carry a wrong one on a right code).
    Raises ``CpvError`` for anything that is not a code of the CPV 2008 nomenclature."""
    raw = (text or "").strip()
    compacted = re.sub(r"[\s.]", "", raw)
    match = _CODE.fullmatch(compacted)
    if not match:
        raise CpvError(f"{raw!r} is not a CPV code (8 digits, optionally -check digit)")
    code = match.group(1)
    if (nomenclature or default_nomenclature()).get(code) is None:
        raise CpvError(f"{raw!r} is not a code of the CPV 2008 nomenclature")
    return code
