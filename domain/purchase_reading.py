"""The sectors of a purchase, read from its CPV codes, its title and its description.

A CPV code often says less than the title: "Marchés d'insertion" are coded 75231240 or
85312510 with the support activity ("propreté urbaine", "espaces verts") in the title
only; a code may map to no sector while the title names the trade. So a purchase's
sectors are the sectors its title and description name confidently (the keyword
machinery of the enterprises, ``domain.sector_suggestion``, with the vocabulary
of enterprise names plus a purchase vocabulary, ``data/mappings/purchase/``), plus the
best sector of its CPV codes — except for purchases that are not trades
(``domain.matching.nature``: insertion services, staff provision), whose CPV code
names no activity of the supplier: only what the title says counts, which may be
nothing. Text is repaired first (``domain.text_repair``).

Pure Python, no Flask, no database.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.matching.nature import Nature, purchase_nature
from domain.sector_suggestion import (
    DEFAULT_MAPPINGS_DIR,
    DEFAULT_SECTORS_CSV,
    SectorSuggester,
    default_suggester,
)
from domain.text import fold
from domain.text_repair import repair_mojibake, resolve_replacements

PURCHASE_MAPPINGS_DIR = DEFAULT_MAPPINGS_DIR / "purchase"
READING_FILE = PURCHASE_MAPPINGS_DIR / "reading.toml"


@dataclass(frozen=True)
class ReadingRules:
    version: str
    min_text_confidence: float
    default_duration_months: int


def load_reading_rules(path: Path = READING_FILE) -> ReadingRules:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = ReadingRules(
        version=str(data["version"]),
        min_text_confidence=float(data["min_text_confidence"]),
        default_duration_months=int(data["default_duration_months"]),
    )
    if not 0 < rules.min_text_confidence <= 1 or not 1 <= rules.default_duration_months <= 600:
        raise ValueError(f"{path.name}: min_text_confidence in (0, 1], duration in 1..600")
    return rules


@cache
def default_reading_rules() -> ReadingRules:
    return load_reading_rules()


@cache
def purchase_suggester() -> SectorSuggester:
    """The keyword machinery of the enterprises on the purchase vocabulary (a directory in
    the suggester's layout: no NAF rules, a purchase has no NAF code)."""
    return SectorSuggester.load(PURCHASE_MAPPINGS_DIR, DEFAULT_SECTORS_CSV)


def _keywords(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["keyword"] for row in csv.DictReader(handle)]


@cache
def _purchase_phrases() -> tuple[tuple[str, ...], ...]:
    """The purchase vocabulary's phrases as words without their plural mark, longest
    first."""
    phrases = {
        _plain(phrase) for phrase in _keywords(PURCHASE_MAPPINGS_DIR / "sector_keywords.csv")
    }
    return tuple(sorted(phrases, key=len, reverse=True))


@cache
def vocabulary() -> frozenset[str]:
    """Every folded word of both keyword lists: what a damaged word may be matched to."""
    words: set[str] = set()
    for path in (
        PURCHASE_MAPPINGS_DIR / "sector_keywords.csv",
        DEFAULT_MAPPINGS_DIR / "sector_keywords.csv",
    ):
        for phrase in _keywords(path):
            words.update(phrase.split())
    # Plurals: "d�chets" is "dechets" as well as "dechet".
    return frozenset(words | {w + "s" for w in words})


def _plain(text: str) -> tuple[str, ...]:
    # The suggester's plural tolerance (a trailing s or x dropped from words longer than
    # three letters), so a phrase found here is the phrase the suggester finds.
    return tuple(w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in fold(text).split())


def _without_purchase_phrases(text: str) -> str:
    """The text with the purchase vocabulary's phrases blanked (a "0" left in their place
    so no new phrase forms across the gap): the purchase reading of those words wins over
    the enterprise vocabulary's ("hotel de ville" is no hotel, "nettoyage des batiments"
    no building work)."""
    words = fold(text).split()
    plain = _plain(text)
    for phrase in _purchase_phrases():
        size = len(phrase)
        for start in range(len(plain) - size + 1):
            if plain[start : start + size] == phrase:
                words[start : start + size] = ["0"] * size
                plain = plain[:start] + ("0",) * size + plain[start + size :]
    return " ".join(words)


@dataclass(frozen=True)
class SectorRead:
    sector: str
    source: str  # "title" | "description" | "cpv"
    confidence: float
    evidence: str  # the keyword (folded) or the CPV code


@dataclass(frozen=True)
class PurchaseReading:
    """What was read from a purchase: its sectors (what the intention gets, title ones
    first), its nature when it is not a trade, the text repairs made, and why no CPV
    sector was taken."""

    sectors: tuple[SectorRead, ...]
    nature: Nature | None
    repairs: tuple[str, ...] = ()
    cpv_note: str | None = None

    @property
    def names(self) -> list[str]:
        return [s.sector for s in self.sectors]

    def from_text(self) -> list[SectorRead]:
        return [s for s in self.sectors if s.source != "cpv"]


def matching_text(text: str | None) -> tuple[str, list[str]]:
    """Text ready for keyword matching: mojibake repaired, each word with U+FFFD replaced
    by the vocabulary word it can be; and the repairs made, said in words."""
    raw = text or ""
    repaired = repair_mojibake(raw)
    notes = [f"{raw!r} -> {repaired!r}"] if repaired != raw else []
    resolved, replacements = resolve_replacements(repaired, vocabulary())
    return resolved, notes + replacements


def text_sectors(
    title: str | None, description: str | None = None, rules: ReadingRules | None = None
) -> tuple[list[SectorRead], list[str]]:
    """Sectors the title and description name with at least ``min_text_confidence``,
    best first, and the repairs made to read them."""
    rules = rules or default_reading_rules()
    title_text, title_notes = matching_text(title)
    description_text, description_notes = matching_text(description)
    best: dict[str, SectorRead] = {}
    suggestions = [
        *purchase_suggester().suggest(None, title_text, None, description_text),
        *default_suggester().suggest(
            None,
            _without_purchase_phrases(title_text),
            None,
            _without_purchase_phrases(description_text),
        ),
    ]
    for suggestion in suggestions:
        if suggestion.confidence < rules.min_text_confidence:
            continue
        source = "title" if suggestion.source == "name" else "description"
        current = best.get(suggestion.sector)
        if current is None or suggestion.confidence > current.confidence:
            best[suggestion.sector] = SectorRead(
                suggestion.sector, source, suggestion.confidence, suggestion.evidence
            )
    found = sorted(best.values(), key=lambda s: (-s.confidence, s.sector))
    return found, title_notes + description_notes


def read_purchase(
    cpv_sectors: Mapping[str, list[tuple[str, float]]],
    title: str | None,
    description: str | None = None,
    rules: ReadingRules | None = None,
) -> PurchaseReading:
    """The sectors of a purchase from its (normalised) CPV codes — given with the sectors
    each maps to, best first (``importers.cpv.sectors_for_cpv``) — title and description."""
    codes = [code for code in cpv_sectors if code]
    found, repairs = text_sectors(title, description, rules)
    nature = purchase_nature(codes, matching_text(title)[0])
    sectors = list(found)
    cpv_note = None
    mapped = sorted(
        ((confidence, sector, code) for code in codes for sector, confidence in cpv_sectors[code]),
        key=lambda found: (-found[0], found[1]),
    )
    if nature is not None:
        if codes:
            cpv_note = f"CPV {' '.join(codes)} not read as a trade ({nature.kind})" + (
                f": its sector {mapped[0][1]!r} is not the supplier's activity" if mapped else ""
            )
    elif mapped:
        confidence, sector, code = mapped[0]
        if sector not in {s.sector for s in sectors}:
            sectors.append(SectorRead(sector, "cpv", confidence, code))
    elif codes:
        cpv_note = f"CPV {' '.join(codes)} maps to no sector"
    return PurchaseReading(tuple(sectors), nature, tuple(repairs), cpv_note)


def describe(sectors: Iterable[SectorRead]) -> str:
    """``"Nettoyage urbain (title: 'proprete urbaine'); Autre (BTP) (CPV 45000000)"``,
    for import warnings."""
    parts = []
    for s in sectors:
        where = f"CPV {s.evidence}" if s.source == "cpv" else f"{s.source}: {s.evidence!r}"
        parts.append(f"{s.sector} ({where})")
    return "; ".join(parts)
