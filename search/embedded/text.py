"""Text in the embedded index: a document's analysed columns, a query's words as text
units (with the prefixes, typos and synonyms each may match), and the words a hit matched.

The analysis itself (folding, stop words, stems, synonyms, typo distances) is
``search.text``, shared with the Meilisearch backend; this module is what the FTS index
makes of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from search.backend import Document
from search.embedded.tokens import any_of, quoted
from search.reasons import MAX_MATCHED_TERMS
from search.text import (
    MAX_WORD,
    MIN_PREFIX,
    STOP_WORDS,
    TEXT_SOURCES,
    Phrase,
    QueryText,
    folded,
    min_shared_trigrams,
    source_texts,
    stem,
    terms,
    trigrams,
    typo_budget,
    typo_distance,
    written_words,
)

MAX_UNITS = 12  # query words searched; the rest of a 10 kB paste is ignored
MAX_TYPO_CANDIDATES = 8

# --- Documents --------------------------------------------------------------------------


def text_columns(document: Document) -> tuple[str, str, str, str, str, str]:
    """The analysed name and brand (for the exact-name tier), then the FTS columns:
    ``name`` (both), ``ids`` (SIRET and SIREN), and ``sectors`` and ``body`` as
    ``search.text.TEXT_SOURCES`` lists them (the body's words rank below the sectors)."""
    name = " ".join(terms(document["name"]))
    brand = " ".join(terms(document["brand"]))
    return (
        name,
        brand,
        name if brand in ("", name) else f"{name} {brand}",
        f"{document['siret']} {document['siren']}",
        _column(document, TEXT_SOURCES["sectors"]),
        _column(document, TEXT_SOURCES["body"]),
    )


def _column(document: Document, sources: tuple[str, ...]) -> str:
    """The index terms of the document's ``sources``, in order (``terms`` of their texts
    joined, as ``search.meili_schema.analysed_fields`` reads them): neighbouring text
    fields analysed at once, each list field through a cache."""
    found: list[str] = []
    texts: list[str] = []
    for source in sources:
        value = document.get(source)
        if isinstance(value, str):
            texts.append(value)
        elif value:
            if texts:
                found += terms(" ".join(texts))
                texts = []
            found += _list_terms(tuple(value))
    if texts:
        found += terms(" ".join(texts))
    return " ".join(found)


@lru_cache(maxsize=4096)
def _list_terms(values: tuple[str, ...]) -> list[str]:
    """The terms of a list of names (sectors, sector groups, kind words): the same few
    combinations come back in document after document."""
    return terms(" ".join(values))


# --- Queries ----------------------------------------------------------------------------


@dataclass
class TextUnit:
    """One query word (or synonym phrase) and what it may match in the index."""

    own: Phrase  # the words as typed, as index terms
    exact: set[str] = field(default_factory=set)  # index terms
    prefixes: set[str] = field(default_factory=set)
    phrases: set[Phrase] = field(default_factory=set)

    def expression(self, as_typed: bool = False) -> str:
        """The FTS alternatives; ``as_typed``: only the words themselves (no prefix,
        typo or synonym)."""
        if as_typed:
            return quoted(*self.own)
        return any_of(
            [quoted(t) for t in sorted(self.exact)]
            + [quoted(p) + "*" for p in sorted(self.prefixes)]
            + [quoted(*p) for p in sorted(self.phrases)]
        )


def text_units(conn: sqlite3.Connection, text: QueryText) -> list[TextUnit]:
    """The first ``MAX_UNITS`` units of a query's text (read with ``MAX_UNITS * 2``
    words), each with its synonyms and, for a word, what it may also match in this index."""
    units = [TextUnit(own=(digits,), exact={digits}) for digits in text.identifiers]
    position = 0
    for phrase, others in text.units:
        unit = TextUnit(own=phrase)
        if len(phrase) > 1:
            unit.phrases.add(phrase)
        else:
            expand_word(conn, text.words[position], unit)
        position += len(phrase)
        for synonym in others:
            if len(synonym) > 1:
                unit.phrases.add(synonym)
            else:
                unit.exact.add(synonym[0])
        units.append(unit)
    return units[:MAX_UNITS]


def expand_word(
    conn: sqlite3.Connection, typed: str, unit: TextUnit, min_prefix: int = MIN_PREFIX
) -> None:
    """The word's term, the words it begins (as typed: ``menuis``, not its stem
    ``menui``), and, only when those find nothing, the words within its typo budget:
    a known word is not also searched as its neighbours (``menage``/``message``)."""
    unit.exact.add(stem(typed))
    if len(typed) > MAX_WORD or not typed.isalpha():
        return
    if len(typed) >= min_prefix:
        unit.prefixes.add(typed)
    budget = typo_budget(typed)
    if not budget:
        return
    probe = unit.expression()
    if conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (probe,)).fetchone():
        return
    unit.exact.update(_typo_candidates(conn, stem(typed), budget))


def _typo_candidates(conn: sqlite3.Connection, term: str, budget: int) -> list[str]:
    """The index words within ``budget`` typos of ``term``, nearest first, found through
    the trigrams they share with it (the ``grams`` table) rather than by a scan."""
    rows = conn.execute(
        "SELECT term FROM grams WHERE gram IN (SELECT value FROM json_each(?)) "
        "AND length BETWEEN ? AND ? GROUP BY term HAVING count(*) >= ?",
        (
            json.dumps(sorted(trigrams(term))),
            len(term) - budget,
            len(term) + budget,
            min_shared_trigrams(term, budget),
        ),
    )
    scored = sorted(
        (distance, candidate)
        for (candidate,) in rows
        if (distance := typo_distance(term, candidate, budget)) <= budget
    )
    return [candidate for _, candidate in scored[:MAX_TYPO_CANDIDATES]]


# --- Hits -------------------------------------------------------------------------------


def matched_terms(document: Document, units: list[TextUnit]) -> tuple[str, ...]:
    """The document's words (as written, lower-cased) that the query's units matched."""
    if not units:
        return ()
    found: list[str] = []
    identifiers = {document["siret"], document["siren"]}
    for unit in units:
        found.extend(sorted(unit.exact & identifiers))
    for text in chain.from_iterable(
        source_texts(document, sources) for sources in TEXT_SOURCES.values()
    ):
        found.extend(_matches_in(text, units))
        if len(set(found)) >= MAX_MATCHED_TERMS:
            break
    return tuple(dict.fromkeys(found))[:MAX_MATCHED_TERMS]


def _matches_in(text: str, units: list[TextUnit]) -> Iterator[str]:
    """Words of ``text`` a unit matched; a phrase as its words joined by spaces."""
    if not text:
        return
    analysed = [
        (word, term)
        for word in written_words(text.lower())
        if (term := _index_term(word)) is not None
    ]
    index_terms = [term for _, term in analysed]
    for unit in units:
        for size in sorted({len(p) for p in unit.phrases}, reverse=True):
            for start in range(len(index_terms) - size + 1):
                if tuple(index_terms[start : start + size]) in unit.phrases:
                    yield " ".join(word for word, _ in analysed[start : start + size])
        prefixes = tuple(unit.prefixes)
        for word, term in analysed:
            if term in unit.exact or (prefixes and term.startswith(prefixes)):
                yield word


@lru_cache(maxsize=100_000)
def _index_term(word: str) -> str | None:
    """The index term of one written word (None for a stop word); cached, as the words of
    a page of hits repeat."""
    word = folded(word)
    return None if not word or word in STOP_WORDS else stem(word)
