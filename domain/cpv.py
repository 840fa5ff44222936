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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.text import fold

NOMENCLATURE_FILE = Path(__file__).resolve().parents[1] / "data" / "reference" / "cpv.csv.gz"
MAX_RESULTS = 50
# A code as people write it: 8 digits, in a row or in the groups of a printed notice —
# 4+4 ("9091 0000", "9091.0000", a non-breaking space) or 2+2+2+2 ("90 91 00 00") — then
# the check digit, after a dash (a hyphen, or the non-breaking hyphen, en or em dash a
# word processor puts in its place) or, after 8 digits in a row, with none ("909100009").
# Nowhere else a gap: "9091000 0" is no code, nor "9 7731000" the start of one. The
# digits must stand alone: 12 digits in a row are no code, nor its first 8, and
# "90910000-99" or "90910000-77310000" is no code at all rather than a code and a remainder.
_DASHES = "\u2011\u2013\u2014-"  # the hyphen last: a literal in a character class
_GAP = r"(?:[^\S\r\n]|\.)"  # one space (not a line break: one code a line) or dot
_EIGHT_DIGITS = rf"\d{{8}}|\d{{4}}{_GAP}\d{{4}}|\d{{2}}(?:{_GAP}\d{{2}}){{3}}"
_CHECK_DIGIT = rf"[^\S\r\n]*[{_DASHES}][^\S\r\n]*\d|(?<=\d{{8}})\d"
_CODE_IN_TEXT = re.compile(
    rf"(?<![\d{_DASHES}])({_EIGHT_DIGITS})(?:{_CHECK_DIGIT})?(?![\d{_DASHES}])"
)
# What may stand between codes of a list.
_SEPARATORS = re.compile(r"[\s,;|]+")
_NOT_A_CODE = "is not a CPV code (8 digits, optionally -check digit)"
_NOT_IN_NOMENCLATURE = "is not a code of the CPV 2008 nomenclature"


class CpvError(ValueError):
    """Not a CPV code: ``text`` is the item as written, the message says why."""

    def __init__(self, text: str, reason: str = _NOT_A_CODE):
        super().__init__(f"{text!r} {reason}")
        self.text = text


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
        digits = re.sub(rf"[\s.{_DASHES}]", "", text)
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


@dataclass(frozen=True)
class CpvReading:
    """CPV codes read from what someone wrote: the codes (8 digits, each once, in the
    order written) and an error for each item that is not one."""

    codes: tuple[str, ...] = ()
    errors: tuple[CpvError, ...] = ()

    def rejected(self, limit: int = 20) -> list[str]:
        """The items that are not codes, as written, each cut to ``limit`` characters (to
        be echoed back in an error message, never a page of them)."""
        return [error.text[:limit] for error in self.errors]


def read_cpv_codes(
    value: str | Iterable[object] | None, nomenclature: Nomenclature | None = None
) -> CpvReading:
    """The CPV codes of a text or a list, the one reading of every entry (intention form,
    API, template import, DECP import).

    A text may hold several codes, separated by spaces, line breaks, commas, semicolons or
    "|"; a code may be written in groups ("9091 0000", "9091.0000", a non-breaking space,
    "90 91 00 00") and with its check digit ("90910000-9", "90910000–9", "909100009"),
    which is dropped and not verified
    (20 contracts of the 2019 DECP sample carry a wrong one on a right code). A list is
    read item by item, each item a text (an integer is read as its digits). A code is a
    code of the CPV 2008 nomenclature: "00000000" (a DECP placeholder), a date, a CPV 2003
    code such as 74000000 are errors, as is any other item."""
    nomenclature = nomenclature or default_nomenclature()
    if value is None:
        items: list[object] = []
    elif isinstance(value, str):
        items = [value]
    else:
        items = list(value)
    codes: list[str] = []
    errors: list[CpvError] = []
    for item in items:
        if isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool)):
            _read_text(str(item), nomenclature, codes, errors)
        else:
            errors.append(CpvError(repr(item)))
    return CpvReading(tuple(dict.fromkeys(codes)), tuple(errors))


def _read_text(text: str, nomenclature: Nomenclature, codes: list, errors: list) -> None:
    """Append the codes of ``text`` to ``codes``, an error for each item that is not one:
    an 8-digit code outside the nomenclature, or what lies between codes and is more than
    separators."""
    position = 0
    for match in _CODE_IN_TEXT.finditer(text):
        _unreadable(text[position : match.start()], errors)
        code = re.sub(r"\D", "", match.group(1))
        if nomenclature.get(code) is None:
            errors.append(CpvError(match.group(0).strip(), _NOT_IN_NOMENCLATURE))
        else:
            codes.append(code)
        position = match.end()
    _unreadable(text[position:], errors)


def _unreadable(between: str, errors: list) -> None:
    errors.extend(CpvError(part) for part in _SEPARATORS.split(between) if part)


def normalise_cpv(text: str, nomenclature: Nomenclature | None = None) -> str:
    """The one CPV code ``text`` holds (read as ``read_cpv_codes`` reads it):
    ``"90910000-9"``, ``"9091 0000"``, ``"90910000"`` -> ``"90910000"``. Raises
    ``CpvError`` for anything that is not one code of the CPV 2008 nomenclature."""
    reading = read_cpv_codes(text or "", nomenclature)
    if reading.errors:
        raise reading.errors[0]
    if not reading.codes:
        raise CpvError((text or "").strip())
    if len(reading.codes) > 1:
        raise CpvError(text.strip(), "holds several CPV codes, not one")
    return reading.codes[0]
