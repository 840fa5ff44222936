"""Purchases that are not trades: insertion services and staff provision (DESIGN.md,
"Matching is weighing evidence").

*Marchés d'insertion et de qualification professionnelle* are bought from insertion
structures as such — coded with CPV 75231240 (réinsertion), 85312510, or the generic
75000000 / 8531x / 8532x, the support activity (propreté urbaine, espaces verts) named in
the title only. Staff provision (7962x, "mise à disposition de personnel", intérim) is
bought from AI, ETTI and GEIQ. Read as trades, such purchases map to sectors almost no
enterprise carries and are matched to nobody; the matcher matches them by kind instead,
the sectors read from the title only adding weight. The rules are data
(``data/mappings/purchase_nature.toml``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.matching.texts import N_, Text
from domain.reservations import INSERTION_KINDS
from domain.text import fold

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "mappings" / "purchase_nature.toml"

INSERTION, STAFFING = "insertion", "staffing"


@dataclass(frozen=True)
class Nature:
    """What a non-trade purchase is, which kinds it is bought from, and why we think so."""

    kind: str  # INSERTION | STAFFING
    kinds: frozenset[str]  # the structure kinds it is bought from
    why: Text  # French, translatable


@dataclass(frozen=True)
class NatureRules:
    version: str
    insertion_cpv_alone: tuple[str, ...]
    insertion_cpv_with_title: tuple[str, ...]
    insertion_title_alone: re.Pattern
    insertion_title_with_cpv: re.Pattern
    not_insertion: re.Pattern
    staffing_cpv_alone: tuple[str, ...]
    staffing_title_alone: re.Pattern
    staffing_kinds: frozenset[str]


def _phrases(phrases: Iterable[str]) -> re.Pattern:
    folded = sorted({fold(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in folded) + r")\b")


def load_nature_rules(path: Path = RULES_FILE) -> NatureRules:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    insertion, staffing = data["insertion"], data["staffing"]
    return NatureRules(
        version=data["version"],
        insertion_cpv_alone=tuple(insertion["cpv_alone"]),
        insertion_cpv_with_title=tuple(insertion["cpv_with_title"]),
        insertion_title_alone=_phrases(insertion["title_alone"]),
        insertion_title_with_cpv=_phrases(insertion["title_with_cpv"]),
        not_insertion=_phrases(insertion["not_insertion"]),
        staffing_cpv_alone=tuple(staffing["cpv_alone"]),
        staffing_title_alone=_phrases(staffing["title_alone"]),
        staffing_kinds=frozenset(staffing["kinds"]),
    )


@cache
def default_nature_rules() -> NatureRules:
    return load_nature_rules()


def purchase_nature(
    cpv: Iterable[str], title: str, rules: NatureRules | None = None
) -> Nature | None:
    """The nature of a purchase from its CPV codes (8 digits) and its title (and, if the
    caller wishes, its description appended), or None for a trade. Staff provision is
    read first: "mise à disposition de personnel en insertion" is bought from AI, ETTI
    and GEIQ."""
    rules = rules or default_nature_rules()
    codes = tuple(cpv)
    text = fold(title)
    staffing_code = next((c for c in codes if c.startswith(rules.staffing_cpv_alone)), None)
    if staffing_code:
        return Nature(
            STAFFING,
            rules.staffing_kinds,
            Text(N_("mise à disposition de personnel (CPV {code})"), code=staffing_code),
        )
    # A supply or works contract naming staff ("... gestion du remplacement des agents"
    # for software) is not staff provision: the title counts for service codes only.
    found = rules.staffing_title_alone.search(text) if _services_only(codes) else None
    if found:
        return Nature(
            STAFFING,
            rules.staffing_kinds,
            Text(
                N_("mise à disposition de personnel (« {words} » dans l'intitulé)"),
                words=found.group(1),
            ),
        )
    insertion_code = next((c for c in codes if c.startswith(rules.insertion_cpv_alone)), None)
    if insertion_code:
        return Nature(
            INSERTION,
            INSERTION_KINDS,
            Text(N_("prestation d'insertion (CPV {code})"), code=insertion_code),
        )
    if rules.not_insertion.search(text):
        return None
    found = rules.insertion_title_alone.search(text)
    if found:
        return Nature(
            INSERTION,
            INSERTION_KINDS,
            Text(N_("prestation d'insertion (« {words} » dans l'intitulé)"), words=found.group(1)),
        )
    generic = next((c for c in codes if c.startswith(rules.insertion_cpv_with_title)), None)
    found = rules.insertion_title_with_cpv.search(text) if generic else None
    if found:
        return Nature(
            INSERTION,
            INSERTION_KINDS,
            Text(
                N_("prestation d'insertion (CPV {code} et « {words} » dans l'intitulé)"),
                code=generic,
                words=found.group(1),
            ),
        )
    return None


def _services_only(codes: tuple[str, ...]) -> bool:
    """No CPV code, or only service codes (divisions 50 to 98; below: supplies and works)."""
    return all(code[:2] >= "50" for code in codes)
