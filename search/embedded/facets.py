"""Facet counts on bitmaps: per facet value, the bitmap of the slots holding it.

The ``bitmaps`` table holds one per (facet, value), updated by every write in its
transaction; searches count on a copy in memory, loaded again after each write.

Measured on 200,000 documents: one statement for hits and facets (a MATERIALIZED CTE,
UNION ALL of the page, the total and a GROUP BY over a (slot, facet, value) table) took
138 ms median / 205 ms p95 for text with facets; separate statements 207 / 286 ms: SQLite
pays ~2 µs per (hit, facet value) row either way. Neither is kept: the hits come back as
one string (``hits.slot_list``) and facets are counted on the in-memory bitmaps by AND
and popcount (~3 ms for all ~300 values); text with facets is now 9 ms median / 14 ms p95.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from search.backend import Document
from search.fields import FACET_FIELDS

FacetValue = tuple[str, str]  # (facet, value)


def facet_values(document: Document) -> Iterator[FacetValue]:
    """The (facet, value) pairs a document holds."""
    for facet, key in FACET_FIELDS.items():
        values = document[key]
        if isinstance(values, str):
            yield facet, values
        else:
            yield from ((facet, value) for value in values or ())


def bitmap(slots: Iterable[int]) -> int:
    """The slots as the bits of one integer (how bitmaps are stored and updated)."""
    words = bit_words(np.fromiter(slots, dtype=np.int64))
    return int.from_bytes(words.tobytes(), "little")


def bit_words(slots: np.ndarray, width: int | None = None) -> np.ndarray:
    """The slots as a bitmap of 64-bit words (little-endian bit order), ``width`` words
    long (slots beyond it dropped) or just long enough."""
    if width is None:
        width = int(slots.max()) // 64 + 1 if slots.size else 0
    flags = np.zeros(width * 64, dtype=bool)
    flags[slots[slots < width * 64]] = True
    return np.packbits(flags, bitorder="little").view("<u8")


def words_of(blob: bytes, width: int) -> np.ndarray:
    """A stored bitmap (little-endian bytes) as ``width`` 64-bit words."""
    padded = blob[: width * 8].ljust(width * 8, b"\0")
    return np.frombuffer(padded, dtype="<u8")


@dataclass
class BitChanges:
    """Slots to set and to clear, per (facet, value), applied in one go per bitmap."""

    added: dict[FacetValue, set[int]] = field(default_factory=dict)
    removed: dict[FacetValue, set[int]] = field(default_factory=dict)

    def add(self, document: Document, slot: int) -> None:
        """The document's values gain ``slot``."""
        for key in facet_values(document):
            self.added.setdefault(key, set()).add(slot)
            self.removed.get(key, set()).discard(slot)

    def remove(self, document: Document, slot: int) -> None:
        """The document's values lose ``slot``."""
        for key in facet_values(document):
            self.removed.setdefault(key, set()).add(slot)
            self.added.get(key, set()).discard(slot)

    def affected(self) -> set[FacetValue]:
        """The (facet, value) pairs whose bitmap changes."""
        return set(self.added) | set(self.removed)

    def apply(self, key: FacetValue, bits: int) -> int:
        """A stored bitmap of ``key`` with the changes applied."""
        return (bits & ~bitmap(self.removed.get(key, ()))) | bitmap(self.added.get(key, ()))


def store_bits(conn: sqlite3.Connection, suffix: str, changes: BitChanges) -> None:
    """Apply the changes to the stored bitmaps of ``bitmaps{suffix}`` (an emptied one is
    deleted)."""
    # Table names carry only our own suffix ("" or "_build"), hence the S608 waivers.
    for facet, value in changes.affected():
        row = conn.execute(
            f"SELECT bits FROM bitmaps{suffix} WHERE facet = ? AND value = ?",  # noqa: S608
            (facet, value),
        ).fetchone()
        bits = changes.apply((facet, value), int.from_bytes(row[0], "little") if row else 0)
        if bits:
            conn.execute(
                f"INSERT OR REPLACE INTO bitmaps{suffix} VALUES (?, ?, ?)",  # noqa: S608
                (facet, value, bits.to_bytes((bits.bit_length() + 7) // 8, "little")),
            )
        else:
            conn.execute(
                f"DELETE FROM bitmaps{suffix} WHERE facet = ? AND value = ?",  # noqa: S608
                (facet, value),
            )


@dataclass(frozen=True)
class FacetBitmaps:
    """The bitmaps of one index generation, held in memory between writes: per facet, its
    values (sorted) and a matrix of their bitmaps, one row of 64-bit words per value.
    Counting is one AND and one popcount over the matrix (NumPy): ~1 ms for the ~250
    values of 200,000 documents, where Python integers took ~7 ms."""

    width: int  # words per bitmap
    facets: dict[str, tuple[list[str], np.ndarray]]

    @classmethod
    def load(cls, rows: Iterable[tuple[str, str, bytes]]) -> FacetBitmaps:
        """From stored (facet, value, bitmap) rows."""
        grouped: dict[str, list[tuple[str, bytes]]] = {}
        for facet, value, blob in rows:
            grouped.setdefault(facet, []).append((value, blob))
        width = max((len(b) for values in grouped.values() for _, b in values), default=0)
        width = (width + 7) // 8
        facets = {}
        for facet, values in grouped.items():
            values.sort()
            matrix = np.stack([words_of(blob, width) for _, blob in values])
            facets[facet] = ([value for value, _ in values], matrix)
        return cls(width, facets)

    def counts(self, facets: Iterable[str], hits: np.ndarray | None) -> dict[str, dict[str, int]]:
        """Counts per value among ``hits`` (slots; None: every document)."""
        mask = None if hits is None else bit_words(hits, self.width)
        counts: dict[str, dict[str, int]] = {}
        for facet in facets:
            values, matrix = self.facets.get(facet, ([], np.zeros((0, self.width), "<u8")))
            held = matrix if mask is None else matrix & mask
            found = np.bitwise_count(held).sum(axis=1, dtype=np.int64)
            counts[facet] = {v: int(n) for v, n in zip(values, found, strict=True) if n}
        return counts


def read_bitmaps(conn: sqlite3.Connection) -> FacetBitmaps:
    """The stored bitmaps, in memory (a few milliseconds: one blob per facet value)."""
    return FacetBitmaps.load(conn.execute("SELECT facet, value, bits FROM bitmaps"))
