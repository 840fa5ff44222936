"""The versioned search vocabulary, shared by backends.

- ``data/mappings/search_synonyms.txt``: groups of equivalent words or phrases, and
  one-way rules (``a, b => c``: a and b also search c, not the reverse);
- ``data/mappings/search_kinds.txt``: the words each kind of enterprise is found by
  ("intérim" for an ETTI), carried by its search document;
- the kinds' full names (``domain.kinds``) as synonyms of their codes.

A group is a tuple of folded terms; a one-way rule holds ``ONE_WAY`` between the terms
that search and the terms they also search.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from domain.kinds import KIND_CODES, KINDS
from domain.text import fold
from search.text import ONE_WAY, STOP_WORDS, Group

MAPPINGS = Path(__file__).resolve().parent.parent / "data" / "mappings"
SYNONYMS_FILE = MAPPINGS / "search_synonyms.txt"
KIND_WORDS_FILE = MAPPINGS / "search_kinds.txt"
# Meilisearch looks synonyms up for at most three consecutive query words (its n-grams):
# a longer phrase would be a synonym on the embedded engine only.
MAX_PHRASE_WORDS = 3


def phrase_words(term: str) -> list[str]:
    """The words of a folded term that count, stop words left out (as both backends do)."""
    return [word for word in term.split() if word not in STOP_WORDS]


def _terms(part: str, line: str) -> list[str]:
    found = list(dict.fromkeys(t for t in (fold(p) for p in part.split(",")) if t))
    for term in found:
        if len(phrase_words(term)) > MAX_PHRASE_WORDS:
            raise ValueError(f"phrase longer than {MAX_PHRASE_WORDS} words: {term!r} in {line!r}")
    return found


def _versioned_lines(text: str) -> tuple[str, list[str]]:
    """A vocabulary file's ``# version:`` and its data lines (stripped, no comments)."""
    version, lines = "", []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# version:"):
            version = line.partition(":")[2].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return version, lines


def parse_synonyms(text: str) -> tuple[str, tuple[Group, ...]]:
    """The version and the groups (and one-way rules) of folded terms."""
    version, lines = _versioned_lines(text)
    groups = []
    for line in lines:
        if ONE_WAY in line:
            left, _, right = line.partition(ONE_WAY)
            searching, searched = _terms(left, line), _terms(right, line)
            if not searching or not searched or ONE_WAY in right:
                raise ValueError(f"one-way rule needs terms on both sides: {line!r}")
            groups.append((*searching, ONE_WAY, *searched))
            continue
        group = tuple(_terms(line, line))
        if len(group) < 2:
            raise ValueError(f"synonym group needs two terms or more: {line!r}")
        groups.append(group)
    if not version:
        raise ValueError("the synonym file has no '# version:' line")
    return version, tuple(groups)


def kind_name_groups() -> tuple[Group, ...]:
    """Each kind's full name and its code, as one group ("entreprise adaptée" finds the
    EA, "EA" finds "entreprise adaptée" in a description); names longer than
    ``MAX_PHRASE_WORDS`` are left out, as Meilisearch could not look them up."""
    groups = []
    for kind in KINDS:
        name = fold(kind.label)
        if len(phrase_words(name)) <= MAX_PHRASE_WORDS:
            groups.append((name, fold(kind.code)))
    return tuple(groups)


@cache
def default_synonyms() -> tuple[str, tuple[Group, ...]]:
    """The file's version and groups, then the kinds' names."""
    version, groups = parse_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8"))
    return version, groups + kind_name_groups()


def parse_kind_words(text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The version and, per kind code, the folded words its documents carry."""
    version, lines = _versioned_lines(text)
    words: dict[str, list[str]] = {}
    for line in lines:
        codes, colon, listed = line.partition(":")
        terms = [t for t in (fold(p) for p in listed.split(",")) if t]
        if not colon or not codes.split() or not terms:
            raise ValueError(f"expected 'KIND [KIND ...]: word, word': {line!r}")
        for term in terms:
            if " " in term:
                raise ValueError(f"one word per entry (phrases go to the synonyms): {line!r}")
        for code in codes.split():
            if code not in KIND_CODES:
                raise ValueError(f"unknown kind {code!r} in {line!r}")
            known = words.setdefault(code, [])
            known += [t for t in terms if t not in known]
    if not version:
        raise ValueError("the kind words file has no '# version:' line")
    return version, {code: tuple(found) for code, found in words.items()}


@cache
def default_kind_words() -> dict[str, tuple[str, ...]]:
    return parse_kind_words(KIND_WORDS_FILE.read_text(encoding="utf-8"))[1]


def kind_terms(code: str) -> list[str]:
    """What a document of kind ``code`` is found by: its code, then its kind's words."""
    return [code, *default_kind_words().get(code, ())]
