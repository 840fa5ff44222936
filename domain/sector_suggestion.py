"""Suggest buyer-facing sectors for an enterprise from its NAF code, name and description.

Imported registries give an activity code (NAF) and a name, rarely a description, never the
sectors of our taxonomy. Suggestions fill that gap until the enterprise confirms its sectors;
each one says where it comes from and how sure it is, so the profile can show it as a
suggestion and a reviewer can judge it.

The rules are data, versioned in ``data/mappings/`` (see its README): a NAF prefix mapping, a
list of NAF codes too generic to say anything, and a keyword list. This module only applies
them. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.text import fold

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MAPPINGS_DIR = REPO_ROOT / "data" / "mappings"
DEFAULT_SECTORS_CSV = REPO_ROOT / "data" / "reference" / "sectors.csv"

SOURCES = ("naf", "name", "description")
# A keyword in the name is a deliberate statement of the trade; in a description it may sit
# in a list of the public's difficulties or of partners, so it weighs less.
SOURCE_FACTORS = {"name": 1.0, "description": 0.75}

_NAF = re.compile(r"(\d{2})\.?(\d{2})([A-Z])")
# Division '43', group '43.9', class '43.99' or subclass '43.99C'.
_NAF_PREFIX = re.compile(r"\d{2}(\.\d{1,2}|\.\d{2}[A-Z])?")


def normalize_naf(code: str | None) -> str | None:
    """Dotted upper-case NAF subclass (``'8899b'`` → ``'88.99B'``), or None if not one."""
    if not code:
        return None
    match = _NAF.fullmatch(code.strip().upper())
    return f"{match[1]}.{match[2]}{match[3]}" if match else None


def _stem(word: str) -> str:
    # Plural tolerance: 'dechets' and 'dechet' compare equal. Applied to both keyword and
    # text, so a singular ending in s ('bois' → 'boi') still only matches itself.
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _stems(text: str | None) -> tuple[str, ...]:
    return tuple(_stem(word) for word in fold(text).split())


@dataclass(frozen=True)
class SectorSuggestion:
    sector: str  # exact sector name of the taxonomy
    source: str  # 'naf' | 'name' | 'description'
    confidence: float  # 0..1, rounded to 2 decimals
    evidence: str  # what triggered it: the NAF code, or the keyword (folded)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown suggestion source {self.source!r}")
        object.__setattr__(self, "confidence", round(self.confidence, 2))


@dataclass(frozen=True)
class _NafRule:
    prefix: str
    sectors: tuple[tuple[str, float], ...]  # empty for a generic code
    note: str


@dataclass(frozen=True)
class _Keyword:
    phrase: str
    stems: tuple[str, ...]
    sectors: tuple[tuple[str, float], ...]  # empty for a masking phrase


def _read_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with their line number, after checking the header names exactly ``columns``."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path.name}: expected columns {','.join(columns)}")
        for row in reader:
            yield reader.line_num, {key: (value or "").strip() for key, value in row.items()}


def _confidence(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: confidence {text!r} is not a number") from None
    if not 0 < value <= 1:
        raise ValueError(f"{where}: confidence {value} is not in (0, 1]")
    return value


def load_sector_names(sectors_csv: Path) -> frozenset[str]:
    """Sector names of the taxonomy (any CSV with a ``sector`` column)."""
    with sectors_csv.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if "sector" not in (reader.fieldnames or ()):
            raise ValueError(f"{sectors_csv.name}: no 'sector' column")
        return frozenset(row["sector"].strip() for row in reader)


class SectorSuggester:
    """Applies one version of the mappings; build it with :meth:`load`."""

    def __init__(
        self, version: str, naf_rules: dict[str, _NafRule], keywords: list[_Keyword]
    ) -> None:
        self.version = version
        self._naf_rules = naf_rules
        self._keywords_by_first: dict[str, list[_Keyword]] = {}
        for keyword in keywords:
            self._keywords_by_first.setdefault(keyword.stems[0], []).append(keyword)

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, mappings_dir: Path, sectors_csv: Path) -> SectorSuggester:
        """Read and validate the mapping files; ValueError names the first bad row."""
        known = load_sector_names(sectors_csv)
        version = (mappings_dir / "VERSION").read_text(encoding="utf-8").strip()
        if not version or "\n" in version:
            raise ValueError("VERSION: expected a single non-empty line")
        return cls(
            version,
            cls._load_naf(mappings_dir, known),
            cls._load_keywords(mappings_dir / "sector_keywords.csv", known),
        )

    @staticmethod
    def _load_naf(mappings_dir: Path, known: frozenset[str]) -> dict[str, _NafRule]:
        sectors: dict[str, list[tuple[str, float]]] = {}
        notes: dict[str, str] = {}
        path = mappings_dir / "naf_sectors.csv"
        for line, row in _read_rows(path, ("naf_prefix", "sector", "confidence", "note")):
            where = f"{path.name} line {line}"
            prefix, sector = row["naf_prefix"], row["sector"]
            if not _NAF_PREFIX.fullmatch(prefix):
                raise ValueError(f"{where}: invalid NAF prefix {prefix!r}")
            if sector not in known:
                raise ValueError(f"{where}: unknown sector {sector!r}")
            if any(existing == sector for existing, _ in sectors.get(prefix, ())):
                raise ValueError(f"{where}: duplicate row {prefix},{sector}")
            sectors.setdefault(prefix, []).append((sector, _confidence(row["confidence"], where)))
            notes.setdefault(prefix, row["note"])
        rules = {p: _NafRule(p, tuple(s), notes[p]) for p, s in sectors.items()}

        path = mappings_dir / "naf_generic.csv"
        for line, row in _read_rows(path, ("naf_prefix", "note")):
            where = f"{path.name} line {line}"
            prefix = row["naf_prefix"]
            if not _NAF_PREFIX.fullmatch(prefix):
                raise ValueError(f"{where}: invalid NAF prefix {prefix!r}")
            if prefix in rules:
                # One prefix cannot both name sectors and say nothing about them.
                raise ValueError(f"{where}: {prefix} is also in naf_sectors.csv")
            rules[prefix] = _NafRule(prefix, (), row["note"])
        return rules

    @staticmethod
    def _load_keywords(path: Path, known: frozenset[str]) -> list[_Keyword]:
        sectors: dict[tuple[str, ...], list[tuple[str, float]]] = {}
        phrases: dict[tuple[str, ...], str] = {}
        masks: set[tuple[str, ...]] = set()
        for line, row in _read_rows(path, ("keyword", "sector", "confidence")):
            where = f"{path.name} line {line}"
            phrase, sector = row["keyword"], row["sector"]
            if not phrase or phrase != fold(phrase):
                raise ValueError(f"{where}: keyword {phrase!r} is not folded (see fold())")
            stems = _stems(phrase)
            if phrases.setdefault(stems, phrase) != phrase:
                raise ValueError(f"{where}: {phrase!r} repeats {phrases[stems]!r} up to plurals")
            if not sector:
                # A masking phrase hides the keywords inside it and suggests nothing.
                if stems in sectors or row["confidence"]:
                    raise ValueError(
                        f"{where}: a masking phrase takes one row, with no sector and no confidence"
                    )
                masks.add(stems)
                sectors[stems] = []
                continue
            if stems in masks:
                raise ValueError(f"{where}: {phrase!r} is already a masking phrase")
            if sector not in known:
                raise ValueError(f"{where}: unknown sector {sector!r}")
            entries = sectors.setdefault(stems, [])
            if any(existing == sector for existing, _ in entries):
                raise ValueError(f"{where}: duplicate row {phrase},{sector}")
            entries.append((sector, _confidence(row["confidence"], where)))
        return [_Keyword(phrases[s], s, tuple(e)) for s, e in sorted(sectors.items())]

    # ------------------------------------------------------------------ NAF

    def _naf_rule(self, naf: str | None) -> tuple[str, _NafRule] | None:
        """Normalised code and the rule of its longest listed prefix (mapped or generic)."""
        code = normalize_naf(naf)
        if code is None:
            return None
        # '43.99C', '43.99', '43.9', '43': the most specific rule wins.
        for prefix in (code, code[:5], code[:4], code[:2]):
            if prefix in self._naf_rules:
                return code, self._naf_rules[prefix]
        return None

    def is_generic_naf(self, naf: str | None) -> bool:
        """True when the code is valid but says nothing about the sector (88.99B, 94.99Z...)."""
        found = self._naf_rule(naf)
        return found is not None and not found[1].sectors

    def naf_status(self, naf: str | None) -> str:
        """'missing', 'invalid', 'generic', 'mapped' or 'unmapped' (valid, no rule)."""
        if not (naf or "").strip():
            return "missing"
        if normalize_naf(naf) is None:
            return "invalid"
        found = self._naf_rule(naf)
        if found is None:
            return "unmapped"
        return "mapped" if found[1].sectors else "generic"

    def _from_naf(self, naf: str | None) -> Iterator[SectorSuggestion]:
        found = self._naf_rule(naf)
        if found is None:
            return
        code, rule = found
        for sector, confidence in rule.sectors:
            # Evidence is data (the code, the keyword), worded by the interface in its language.
            yield SectorSuggestion(sector, "naf", confidence, code)

    # ------------------------------------------------------------------ keywords

    def _matched_keywords(self, text: str | None) -> list[_Keyword]:
        """Keywords found in ``text`` as whole words, longest phrases first, never overlapping.

        A longer phrase hides the shorter ones inside it: 'restaurants du coeur' (food aid,
        a masking phrase) keeps 'restaurant' from suggesting restaurants.
        """
        stems = _stems(text)
        found: list[tuple[int, int, _Keyword]] = []
        for start, stem in enumerate(stems):
            for keyword in self._keywords_by_first.get(stem, ()):
                end = start + len(keyword.stems)
                if stems[start:end] == keyword.stems:
                    found.append((start, end, keyword))
        found.sort(key=lambda match: (match[0] - match[1], match[0]))
        taken: set[int] = set()
        kept: list[_Keyword] = []
        for start, end, keyword in found:
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                kept.append(keyword)
        return kept

    def _from_text(self, text: str | None, source: str) -> Iterator[SectorSuggestion]:
        factor = SOURCE_FACTORS[source]
        for keyword in self._matched_keywords(text):
            for sector, confidence in keyword.sectors:
                yield SectorSuggestion(sector, source, confidence * factor, keyword.phrase)

    # ------------------------------------------------------------------ suggestions

    def suggest(
        self,
        naf: str | None,
        name: str | None,
        brand: str | None = None,
        description: str | None = None,
    ) -> list[SectorSuggestion]:
        """One suggestion per sector, highest confidence first (ties: sector name).

        Sources are read in order NAF, name (then brand), description; a later source only
        replaces a sector's suggestion with a strictly higher confidence, so ties keep the
        firmer source and the result is deterministic.
        """
        best: dict[str, SectorSuggestion] = {}
        candidates = [
            *self._from_naf(naf),
            *self._from_text(name, "name"),
            *self._from_text(brand, "name"),
            *self._from_text(description, "description"),
        ]
        for suggestion in candidates:
            current = best.get(suggestion.sector)
            if current is None or suggestion.confidence > current.confidence:
                best[suggestion.sector] = suggestion
        return sorted(best.values(), key=lambda s: (-s.confidence, s.sector))


@cache
def default_suggester() -> SectorSuggester:
    """The suggester of the repository's mappings and taxonomy, loaded once per process."""
    return SectorSuggester.load(DEFAULT_MAPPINGS_DIR, DEFAULT_SECTORS_CSV)
