"""The versioned synonym list (``data/mappings/search_synonyms.txt``), shared by backends."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from webapp.domain.text import fold

SYNONYMS_FILE = Path(__file__).resolve().parent.parent / "data" / "mappings" / "search_synonyms.txt"


def parse_synonyms(text: str) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """The version and the groups of folded, equivalent terms."""
    version, groups = "", []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# version:"):
            version = line.partition(":")[2].strip()
        if not line or line.startswith("#"):
            continue
        group = tuple(dict.fromkeys(t for t in (fold(p) for p in line.split(",")) if t))
        if len(group) < 2:
            raise ValueError(f"synonym group needs two terms or more: {line!r}")
        groups.append(group)
    if not version:
        raise ValueError("the synonym file has no '# version:' line")
    return version, tuple(groups)


@cache
def default_synonyms() -> tuple[str, tuple[tuple[str, ...], ...]]:
    return parse_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8"))


def synonym_map(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    """Each term -> the other terms of every group it belongs to."""
    mapping: dict[str, list[str]] = {}
    for group in groups:
        for term in group:
            others = mapping.setdefault(term, [])
            others.extend(t for t in group if t != term and t not in others)
    return {term: tuple(others) for term, others in mapping.items()}
