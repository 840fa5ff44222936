"""Text analysis for search: the same words on the indexing and the query side.

Everything works on ``fold``-ed text (lower case, no accents, ``[a-z0-9]`` words), so
what a backend builds from these functions can never carry query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from domain.text import fold

STOP_WORDS = frozenset(
    {"de", "la", "le", "les", "du", "des", "et", "l", "d", "a", "en", "pour", "au", "aux"}
    | {"un", "une"}
)
# Plurals in -aux whose singular is not -al.
_IRREGULAR_PLURALS = {
    "travaux": "travail",
    "vitraux": "vitrail",
    "emaux": "email",
    "coraux": "corail",
    "baux": "bail",
}
# When every word of a query together finds fewer documents than this (a page), the
# documents matching its first words only are added after them, the last words dropped
# first (Meilisearch's "last" matching strategy). A constant, not the page size: a query
# keeps one total whatever page or page size is asked.
PARTIAL_MATCH_BELOW = 20
# Query words searched as the beginning of longer ones: from three letters (shorter ones
# would begin much of the vocabulary), letters only, at most MAX_WORD long.
MIN_PREFIX = 3
MAX_WORD = 40
# A SIRET or SIREN as people write them: digits, maybe grouped by spaces or dots.
_DIGIT_RUN = re.compile(r"[0-9](?:[ .\u00a0\u202f]?[0-9])*")
IDENTIFIER_LENGTHS = {9: "siren", 14: "siret"}
# A document's text, by the column of the embedded index that searches it (and the
# analysed field Meilisearch is sent, ``search.meili_schema.ANALYSED``), heaviest first:
# the name, the sectors, then the rest: the description, the offers, the commune of the
# base (so "nettoyage lille" narrows to Lille), and the names of the sectors' groups and
# the kind's words (so "BTP" or "intérim" find them), below the sectors themselves.
TEXT_SOURCES: dict[str, tuple[str, ...]] = {
    "name": ("name", "brand"),
    "sectors": ("sector_names",),
    "body": ("description", "offers", "commune_name", "sector_group_names", "kind_terms"),
}
_WRITTEN_WORD = re.compile(r"[^\W_]+")


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def folded(text: str | None) -> str:
    """``fold(text)``, with a shortcut for ASCII text (most names): indexing 200,000
    enterprises folds millions of strings."""
    if text and text.isascii():
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    return fold(text)


def written_words(text: str) -> list[str]:
    """The words of ``text`` as written (runs of letters and digits, case and accents
    kept)."""
    return _WRITTEN_WORD.findall(text)


def source_texts(document: Mapping[str, Any], sources: Iterable[str]) -> Iterator[str]:
    """The texts of a document's ``sources`` fields (``TEXT_SOURCES``), in order: a text
    field as it is, a list field item by item; a missing or empty one gives nothing."""
    for source in sources:
        value = document.get(source)
        if isinstance(value, list):
            yield from (item for item in value if isinstance(item, str))
        elif isinstance(value, str):
            yield value


def words(text: str | None) -> list[str]:
    """The folded words of ``text`` without stop words."""
    return [word for word in folded(text).split() if word not in STOP_WORDS]


def stem(word: str) -> str:
    """A folded word's singular, so that plural and singular index the same term.

    Deliberately crude (``dechets`` -> ``dechet``, ``locaux`` -> ``local``, ``bois`` ->
    ``boi``): what matters is that a word and its plural meet, on both sides alike.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux") and len(word) > 4:
        return word[:-3] + "al"
    if word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str | None) -> list[str]:
    """The index terms of ``text``: its words, stemmed, in order."""
    return [stem(word) for word in words(text)]


_PLURAL_OF = {singular: plural for plural, singular in _IRREGULAR_PLURALS.items()}


def forms(term: str) -> list[str]:
    """The written forms (folded) whose term is ``term``: itself, its plurals in -s, -x
    (after au, eu, ou, i), -aux; what an engine without our stemmer must be given so that a
    singular and its plural meet (``dechet`` -> ``dechet``, ``dechets``; ``local`` ->
    ``local``, ``locals``, ``locaux``). Every form returned stems back to ``term``."""
    plural_x = term + "x" if term.endswith(("au", "eu", "ou", "i")) else ""  # jeux, choix
    candidates = [term, term + "s", plural_x, _PLURAL_OF.get(term, "")]
    if term.endswith("al"):
        candidates.append(term[:-2] + "aux")
    return [form for form in dict.fromkeys(candidates) if form and stem(form) == term]


def searched_as_prefix(word: str, min_prefix: int = MIN_PREFIX) -> bool:
    """Whether a typed word also finds the words it begins (``menuis``: "menuiserie")."""
    word = folded(word)
    return min_prefix <= len(word) <= MAX_WORD and word.isalpha()


def partial_applies(units: int, complete: int) -> bool:
    """Whether a query of ``units`` words (or phrases) whose every word together finds
    ``complete`` documents also lists its partial matches."""
    return units > 1 and complete < PARTIAL_MATCH_BELOW


def split_identifiers(text: str) -> tuple[list[str], str]:
    """SIRETs (14 digits) and SIRENs (9 digits) found in ``text``, spaces and dots removed,
    and the text left once they are taken out."""
    found: list[str] = []

    def take(match: re.Match) -> str:
        digits = re.sub(r"[^0-9]", "", match.group())
        if len(digits) in IDENTIFIER_LENGTHS:
            found.append(digits)
            return " "
        return match.group()

    rest = _DIGIT_RUN.sub(take, text)
    return found, rest


def typo_budget(word: str) -> int:
    """Edits tolerated in a query word: none under 5 letters, one up to 8, two from 9."""
    if not word.isalpha() or len(word) < 5:
        return 0
    return 1 if len(word) < 9 else 2


def typo_distance(typed: str, term: str, limit: int) -> int:
    """Typos between a query term and an index term, Meilisearch's way: a different first
    letter counts as two ("reconditionnement" is not "conditionnement"), so it is
    tolerated only as the one edit of a two-typo word."""
    extra = 1 if typed[:1] != term[:1] else 0
    return min(edit_distance(typed, term, limit) + extra, limit + 1)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one), or ``limit + 1``
    as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def trigrams(term: str) -> set[str]:
    """Padded trigrams of a term (``^^a``, ``^ab``, ... ``b$$``): an edit changes at most
    four of them, which bounds how many a term within a few typos must share."""
    padded = f"^^{term}$$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def min_shared_trigrams(term: str, typos: int) -> int:
    """Fewest trigrams a term within ``typos`` edits of ``term`` shares with it."""
    return max(1, len(trigrams(term)) - 4 * typos)


Phrase = tuple[str, ...]
Group = tuple[str, ...]  # folded terms; a one-way rule holds ONE_WAY between its sides
ONE_WAY = "=>"  # never a folded term: folding keeps [a-z0-9] and spaces only


def synonym_pairs(groups: Iterable[Iterable[str]]) -> list[tuple[str, str]]:
    """(term, term it also searches) for every group (each member searches the others) and
    one-way rule (the terms before ``ONE_WAY`` search those after it), in order."""
    found = []
    for group in map(tuple, groups):
        if ONE_WAY in group:
            cut = group.index(ONE_WAY)
            found += [(a, b) for a in group[:cut] for b in group[cut + 1 :] if a != b]
        else:
            found += [(a, b) for a in group for b in group if a != b]
    return found


def synonym_table(groups: Iterable[Iterable[str]]) -> dict[Phrase, tuple[Phrase, ...]]:
    """Each phrase of the synonym groups and rules, as index terms -> the phrases it also
    searches."""
    table: dict[Phrase, list[Phrase]] = {}
    for term, other in synonym_pairs(groups):
        phrase, synonym = tuple(terms(term)), tuple(terms(other))
        if not phrase or not synonym or phrase == synonym:
            continue
        others = table.setdefault(phrase, [])
        if synonym not in others:
            others.append(synonym)
    return {phrase: tuple(others) for phrase, others in table.items()}


def segment(
    query_terms: list[str], table: dict[Phrase, tuple[Phrase, ...]]
) -> list[tuple[Phrase, tuple[Phrase, ...]]]:
    """Query terms cut into units, the longest synonym phrase first: each unit with its
    synonyms (``espace vert`` stays one unit with ``paysagiste`` and the others)."""
    longest = max((len(phrase) for phrase in table), default=1)
    units: list[tuple[Phrase, tuple[Phrase, ...]]] = []
    position = 0
    while position < len(query_terms):
        for size in range(min(longest, len(query_terms) - position), 0, -1):
            phrase = tuple(query_terms[position : position + size])
            if phrase in table or size == 1:
                units.append((phrase, table.get(phrase, ())))
                position += size
                break
    return units


@dataclass(frozen=True)
class QueryText:
    """A query's text as both backends cut it: the SIRETs and SIRENs it holds, then its
    other words (folded, no stop words), the first ``max_words`` of them grouped into
    units, each a word or a synonym phrase with its synonyms (``segment``). Each
    identifier and each unit is one of the words a partial match drops."""

    identifiers: list[str]
    words: list[str]
    units: list[tuple[Phrase, tuple[Phrase, ...]]]

    @classmethod
    def read(
        cls, text: str, synonyms: dict[Phrase, tuple[Phrase, ...]], max_words: int | None = None
    ) -> QueryText:
        identifiers, rest = split_identifiers(text)
        typed = words(rest)
        return cls(identifiers, typed, segment([stem(w) for w in typed[:max_words]], synonyms))

    @property
    def terms(self) -> list[str]:
        """Every word's index term, in order."""
        return [stem(word) for word in self.words]

    def unit_count(self) -> int:
        """How many units ``partial_applies`` weighs."""
        return len(self.identifiers) + len(self.units)
