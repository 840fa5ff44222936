"""The index's tables, and the writes that keep them: upsert, delete, rebuild.

Tables (each with a ``_build`` twin while a rebuild runs; a document's rowid everywhere is
its *slot*):

- ``docs``: slot, id, sort and exact-name keys, position (a unit vector) and capacity
  numbers;
- ``bodies``: the document JSON, so hits and reasons need no app database;
- ``fts``: FTS5 over the analysed text (``text.text_columns``: folded, stemmed, joined by
  spaces, so the tokenizer only splits) and a ``filters`` column of tokens (``tokens``);
- ``grams``: trigrams of the indexed words, to find typo candidates without scanning the
  vocabulary;
- ``bitmaps``: per facet value, the bitmap of the slots holding it (``facets``);
- ``state`` (generation, bumped by every write) and ``touched`` (ids written since the
  last rebuild began, re-applied when it swaps in) are never rebuilt.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Generic, TypeVar

from search.backend import Document
from search.embedded.database import Database, unavailable_on_error
from search.embedded.facets import BitChanges, store_bits
from search.embedded.geometry import Positions, unit_vector
from search.embedded.text import text_columns
from search.embedded.tokens import filter_tokens
from search.text import folded, trigrams

# Bump when the tables or what is indexed change: an index of another version is recreated.
SCHEMA_VERSION = 6  # 6: one-division zones list only coarser divisions;
# 4: zone_reach_* for divisions zones, zone_cover_* (territory);
# 5: sector group names and kind words in the body column
BATCH = 1000  # documents a rebuild writes per transaction

_TABLES = ("docs", "bodies", "fts", "grams", "bitmaps")
_RETIRED_TABLES = ("geo",)  # dropped from files written by older versions
_SCHEMA = (
    """CREATE TABLE docs{s} (
        slot INTEGER PRIMARY KEY,
        id INTEGER NOT NULL,
        display_name TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        name_key TEXT NOT NULL,
        brand_key TEXT NOT NULL,
        x REAL,  -- the position as a unit vector (see geometry), NULL when unknown
        y REAL,
        z REAL,
        employees INTEGER,
        turnover INTEGER,
        largest_contract INTEGER
    )""",
    "CREATE UNIQUE INDEX docs{s}_id_{tag} ON docs{s} (id)",
    "CREATE INDEX docs{s}_sort_{tag} ON docs{s} (sort_key, id)",
    "CREATE INDEX docs{s}_name_{tag} ON docs{s} (name_key)",
    "CREATE INDEX docs{s}_brand_{tag} ON docs{s} (brand_key)",
    "CREATE INDEX docs{s}_employees_{tag} ON docs{s} (employees)",
    "CREATE INDEX docs{s}_turnover_{tag} ON docs{s} (turnover)",
    "CREATE INDEX docs{s}_contract_{tag} ON docs{s} (largest_contract)",
    "CREATE TABLE bodies{s} (slot INTEGER PRIMARY KEY, document TEXT NOT NULL)",
    # No bm25 (see ``order``), hence no column sizes to keep.
    """CREATE VIRTUAL TABLE fts{s} USING fts5 (
        name, ids, sectors, body, filters,
        tokenize = "unicode61 tokenchars '_'", prefix = '3', columnsize = 0
    )""",
    """CREATE TABLE grams{s} (
        gram TEXT NOT NULL,
        length INTEGER NOT NULL,
        term TEXT NOT NULL,
        PRIMARY KEY (gram, length, term)
    ) WITHOUT ROWID""",
    """CREATE TABLE bitmaps{s} (
        facet TEXT NOT NULL,
        value TEXT NOT NULL,
        bits BLOB NOT NULL,
        PRIMARY KEY (facet, value)
    )""",
)
_STATE = (
    "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO state VALUES ('generation', 0)",
    "INSERT OR IGNORE INTO state VALUES ('schema', 0)",
    "CREATE TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY)",
)
T = TypeVar("T")


# --- Schema and state -------------------------------------------------------------------


def prepare(database: Database) -> None:
    """Create the tables of a new database, or recreate those an older version wrote."""
    with unavailable_on_error("open"), database.writing() as conn:
        for statement in _STATE:
            conn.execute(statement)
        schema = conn.execute("SELECT value FROM state WHERE key = 'schema'").fetchone()[0]
        if schema != SCHEMA_VERSION:
            _drop(conn, "_build")
            _drop(conn, "")
            _create(conn, "")
            conn.execute("UPDATE state SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
            _bump(conn)


def _create(conn: sqlite3.Connection, suffix: str) -> None:
    # Index names keep their name when their table is renamed into place: a random
    # tag keeps the next build's from colliding with them.
    tag = secrets.token_hex(4)
    for statement in _SCHEMA:
        conn.execute(statement.format(s=suffix, tag=tag))


def _drop(conn: sqlite3.Connection, suffix: str) -> None:
    for table in (*_TABLES, *_RETIRED_TABLES):
        conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}")


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")


def generation(conn: sqlite3.Connection) -> int:
    """The index generation this transaction reads (every write bumps it)."""
    return conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()[0]


class PerGeneration(Generic[T]):
    """What searches read from the index into memory (facet bitmaps, positions), kept
    until a write bumps the generation: read again once after each write, not per search."""

    def __init__(self, read: Callable[[sqlite3.Connection], T]):
        self._read = read
        self._kept: tuple[int, T] | None = None

    def get(self, conn: sqlite3.Connection) -> T:
        """The value for the generation this transaction reads."""
        current = generation(conn)
        kept = self._kept
        if kept is None or kept[0] != current:
            kept = self._kept = (current, self._read(conn))
        return kept[1]


# --- Reads ------------------------------------------------------------------------------


def size(conn: sqlite3.Connection) -> int:
    """How many documents the index holds."""
    return conn.execute("SELECT count(*) FROM docs").fetchone()[0]


def count(database: Database) -> int:
    """How many documents the index holds, in a read transaction of its own."""
    with unavailable_on_error("count"), database.reading() as conn:
        return size(conn)


def bodies(conn: sqlite3.Connection, slots: list[int]) -> dict[int, str]:
    """The stored document JSON of each slot."""
    rows = conn.execute(
        "SELECT slot, document FROM bodies WHERE slot IN (SELECT value FROM json_each(?))",
        (json.dumps(slots),),
    )
    return dict(rows.fetchall())


def read_positions(conn: sqlite3.Connection) -> Positions:
    """The positions of the located documents (~0.1 s for 200,000)."""
    return Positions.of(
        conn.execute("SELECT slot, x, y, z FROM docs WHERE x IS NOT NULL").fetchall()
    )


# --- Writes -----------------------------------------------------------------------------


def upsert(database: Database, documents: list[Document]) -> None:
    """Add or replace documents by id; only active ones are searchable."""
    documents = list({d["id"]: d for d in documents}.values())  # the last version wins
    if not documents:
        return
    with database.writing() as conn:
        changes = BitChanges()
        ids = [d["id"] for d in documents]
        slots = _remove(conn, "", ids, changes)
        active = [d for d in documents if d["status"] == "active"]
        _insert(conn, "", _slotted(conn, "", active, slots), changes)
        store_bits(conn, "", changes)
        _touch(conn, ids)
        _bump(conn)


def delete(database: Database, ids: list[int]) -> None:
    """Remove documents; unknown ids are ignored."""
    if not ids:
        return
    with database.writing() as conn:
        changes = BitChanges()
        _remove(conn, "", ids, changes)
        store_bits(conn, "", changes)
        _touch(conn, ids)
        _bump(conn)


def rebuild(database: Database, documents: Iterable[Document]) -> int:
    """Index ``documents`` into ``_build`` tables, a batch per transaction (searches and
    writes go on meanwhile, on the live tables), then, in one transaction, re-apply the
    writes made meanwhile and swap the new tables in. Returns how many are indexed."""
    with database.writing() as conn:
        _drop(conn, "_build")
        _create(conn, "_build")
        conn.execute("DELETE FROM touched")
    changes = BitChanges()  # the bitmaps are written once, at the end
    known_terms: set[str] = set()
    following = 1
    iterator = iter(documents)
    try:
        while batch := list(islice(iterator, BATCH)):
            active = [d for d in batch if d["status"] == "active"]
            with database.writing() as conn:
                slotted = list(enumerate(active, following))
                _insert(conn, "_build", slotted, changes, known_terms)
            following += len(active)
        with database.writing() as conn:
            _replay_touched(conn, changes)
            store_bits(conn, "_build", changes)
            _drop(conn, "")
            for table in _TABLES:
                conn.execute(f"ALTER TABLE {table}_build RENAME TO {table}")
            conn.execute("DELETE FROM touched")
            _bump(conn)
            return size(conn)
    except BaseException:
        with database.writing() as conn:
            _drop(conn, "_build")
        raise


def _replay_touched(conn: sqlite3.Connection, changes: BitChanges) -> None:
    """Documents written while the rebuild ran: the live tables hold their latest state
    (or their absence), which replaces whatever the rebuild read of them."""
    ids = [row[0] for row in conn.execute("SELECT id FROM touched")]
    if not ids:
        return
    slots = _remove(conn, "_build", ids, changes)
    live = conn.execute(
        "SELECT b.document FROM docs d JOIN bodies b USING (slot) "
        "WHERE d.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    documents = [json.loads(document) for (document,) in live]
    _insert(conn, "_build", _slotted(conn, "_build", documents, slots), changes)


def _touch(conn: sqlite3.Connection, ids: list[int]) -> None:
    conn.executemany("INSERT OR IGNORE INTO touched VALUES (?)", [(i,) for i in ids])


# Table names below carry only our own suffix ("" or "_build"), hence the S608 waivers.


def _slotted(
    conn: sqlite3.Connection, suffix: str, documents: list[Document], slots: dict[int, int]
) -> list[tuple[int, Document]]:
    """Each document with its slot: the one it had, else a new one after the others
    (those in use and those about to be reused alike)."""
    in_use = conn.execute(
        f"SELECT coalesce(max(slot), 0) FROM docs{suffix}"  # noqa: S608
    ).fetchone()[0]
    following = max(in_use, *slots.values(), 0) + 1
    slotted = []
    for document in documents:
        slot = slots.get(document["id"])
        if slot is None:
            slot, following = following, following + 1
        slotted.append((slot, document))
    return slotted


def _remove(
    conn: sqlite3.Connection, suffix: str, ids: list[int], changes: BitChanges
) -> dict[int, int]:
    """Take the documents out; their slots by id, for their next version to reuse."""
    rows = conn.execute(
        f"SELECT d.id, d.slot, b.document FROM docs{suffix} d "  # noqa: S608
        f"JOIN bodies{suffix} b USING (slot) WHERE d.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ).fetchall()
    for _, slot, document in rows:
        changes.remove(json.loads(document), slot)
    slots = [(slot,) for _, slot, _ in rows]
    for table, key in (("docs", "slot"), ("bodies", "slot"), ("fts", "rowid")):
        conn.executemany(f"DELETE FROM {table}{suffix} WHERE {key} = ?", slots)  # noqa: S608
    # Grams stay: a word no document holds any more only costs a useless candidate,
    # and the next rebuild forgets it.
    return {identifier: slot for identifier, slot, _ in rows}


def _insert(
    conn: sqlite3.Connection,
    suffix: str,
    slotted: list[tuple[int, Document]],
    changes: BitChanges,
    known_terms: set[str] | None = None,
) -> None:
    """Index the documents in their slots; ``known_terms``, words whose trigrams are
    already stored, is updated (a rebuild saves most of the trigram work with it)."""
    known_terms = set() if known_terms is None else known_terms
    docs, stored, fts, vocabulary = [], [], [], set()
    for slot, document in slotted:
        name_key, brand_key, *columns = text_columns(document)
        latitude, longitude = document["latitude"], document["longitude"]
        located = latitude is not None and longitude is not None
        vector = unit_vector(latitude, longitude) if located else (None, None, None)
        docs.append(
            (
                slot,
                document["id"],
                document["display_name"],
                folded(document["display_name"]),
                name_key,
                brand_key,
                *vector,
                document["employees"],
                document["turnover"],
                document["largest_contract"],
            )
        )
        stored.append((slot, json.dumps(document, ensure_ascii=False, separators=(",", ":"))))
        fts.append((slot, *columns, " ".join(filter_tokens(document))))
        changes.add(document, slot)
        vocabulary.update(columns[0].split(), columns[2].split(), columns[3].split())
    vocabulary = {term for term in vocabulary - known_terms if term.isalpha()}
    known_terms |= vocabulary
    conn.executemany(f"INSERT INTO docs{suffix} VALUES ({', '.join('?' * 12)})", docs)  # noqa: S608
    conn.executemany(f"INSERT INTO bodies{suffix} VALUES (?, ?)", stored)  # noqa: S608
    conn.executemany(
        f"INSERT INTO fts{suffix} (rowid, name, ids, sectors, body, filters)"  # noqa: S608
        " VALUES (?, ?, ?, ?, ?, ?)",
        fts,
    )
    conn.executemany(
        f"INSERT OR IGNORE INTO grams{suffix} VALUES (?, ?, ?)",  # noqa: S608
        [(gram, len(term), term) for term in vocabulary for gram in trigrams(term)],
    )
