"""The embedded search backend: SQLite FTS5 in a database of its own (a file, or memory).

Tables (each with a ``_build`` twin while a rebuild runs; a document's rowid everywhere is
its *slot*, a small integer, so that sets of hits are cheap bitmaps):

- ``docs``: slot, id, sort and exact-name keys, position (a unit vector) and capacity
  numbers;
- ``bodies``: the document JSON, so hits and reasons need no app database;
- ``fts``: FTS5 over the analysed text (``search.text.terms``: folded, stemmed, joined by
  spaces, so the tokenizer only splits) and a ``filters`` column of tokens;
- ``grams``: trigrams of the indexed words, to find typo candidates without scanning the
  vocabulary;
- ``bitmaps``: per facet value, the bitmap of the slots holding it, for facet counts;
- ``state`` (generation, bumped by every write) and ``touched`` (ids written since the
  last rebuild began, re-applied when it swaps in) are never rebuilt.

Filter tokens (``filters`` column): ``k_<kind>``, ``s_<sector>``, ``g_<sector group>``,
``p_<presta>``, ``l_<label>``, ``n_<network>``, ``r_<reservation>``, and the zone:
``z_national``; ``zr_``/``zd_``/``ze_``/``zc_`` + code for the régions, départements,
EPCIs, communes it lists; ``xr_``/``xd_``/``xe_``/``xc_`` + code for those it meets (a
radius: those its circle reaches); ``wr_``/``wd_``/``we_`` + code for those it covers whole
(``search.territory``); ``c_<row>_<column>``, the cell of a half-degree grid holding the
position (a radius's coarse pre-filter inside FTS). Values are folded with ``_`` for any other
character (``r_l2113_13``, ``s_espaces_verts``); text terms never hold a ``_``, so the two
never meet.

User text never reaches SQL or FTS syntax: it is analysed into ``[a-z0-9]`` terms, each
quoted in the MATCH expression (``quoted`` refuses anything else); SQL values are bound.

Measured on 200,000 documents (the snapshot cycled, file index, one thread), which
shaped this design:

- ``bm25()`` costs ~3 µs a hit: 40 ms to rank the 12,000 hits of ``nettoyage``. Relevance
  is therefore in tiers (exact name; every word as typed in the name or SIRET; every word
  with its prefixes, typos and synonyms there; in the sectors; anywhere), each tier one
  FTS query looked up only when the page reaches it, index order within a tier.
- One statement for hits and facets (a MATERIALIZED CTE, UNION ALL of the page, the
  total and a GROUP BY over a (slot, facet, value) table; first layout) took 138 ms
  median / 205 ms p95 for text with facets; separate statements 207 / 286 ms: SQLite pays
  ~2 µs per (hit, facet value) row either way. Neither is kept: the hits come back as one
  ``group_concat`` string (3 ms for 12,000) and facets are counted on in-memory bitmaps,
  one per facet value, by AND and popcount (~3 ms for all ~300 values); text with facets
  is now 9 ms median / 14 ms p95.
- Sorting a hit set by name in SQL (``IN json_each`` then ORDER BY) costs ~1.4 µs a hit;
  walking the name index and keeping the hits costs ~0.7 µs a row walked: the cheaper of
  the two is chosen per query (``_by_name``).
- A radius on latitude/longitude with trigonometry per row: 30 ms for 17,000 hits around
  Paris; on unit vectors in an R*Tree, a box then a chord length: 7 ms (11 ms on a slower
  machine, where the R*Tree alone made a radius query with text miss 20 ms p95). The
  positions are now held in memory as a NumPy array per generation (``Positions``): the
  same radius takes ~1 ms, after a ~0.1 s load following each write.
- A relevance tier is the text in some columns AND the filter tokens: FTS5 merges the
  filter's short doclists into the text's, 3 ms instead of 9 ms for ``nettoyage`` in a
  région's sector group (52 hits out of 12,000 text matches).
"""

from __future__ import annotations

import heapq
import json
import math
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np

from domain.geo import EARTH_RADIUS_KM, KM_PER_DEGREE, haversine_km
from search import territory
from search.backend import Document, SearchUnavailable
from search.fields import FACET_FIELDS, LIST_FILTERS
from search.query import SearchQuery
from search.reasons import hit_from_document
from search.results import Hit, SearchResult
from search.synonyms import default_synonyms
from search.text import (
    MAX_WORD,
    MIN_PREFIX,
    STOP_WORDS,
    Phrase,
    folded,
    min_shared_trigrams,
    partial_applies,
    segment,
    split_identifiers,
    stem,
    synonym_table,
    terms,
    trigrams,
    typo_budget,
    typo_distance,
    words,
)

# Bump when the tables or what is indexed change: an index of another version is recreated.
SCHEMA_VERSION = 6  # 6: one-division zones list only coarser divisions;
# 4: zone_reach_* for divisions zones, zone_cover_* (territory);
# 5: sector group names and kind words in the body column
# Grid cells (filter tokens) that narrow a radius query inside FTS: 0.5 degree is ~55 km
# north-south, ~37 km east-west in France; a 20 km radius reaches 2 to 6 of them.
GRID_DEGREES = 0.5
MAX_CELLS = 24
MAX_UNITS = 12  # query words searched; the rest of a 10 kB paste is ignored
MAX_TYPO_CANDIDATES = 8
MAX_MATCHED_TERMS = 5
BATCH = 1000
MAX_IDLE_CONNECTIONS = 8
MMAP_BYTES = 1 << 30  # address space, not memory: the OS pages in what is read
# Relevance tiers, best first; a hit's score is its tier's. Within a tier, hits keep index
# order (by id, documents changed since the last rebuild last): any stable order would do.
EXACT_NAME, NAME_AS_TYPED, IN_NAME, IN_SECTORS, ANYWHERE = 5.0, 4.0, 3.0, 2.0, 1.0
PARTIAL_SCORE_FACTOR = 0.1  # per word dropped: 5.0 (best tier) x 0.1 < 1.0 (worst tier)
NAME_COLUMNS = "{name ids}"
# Below this many hits, the tiers' FTS queries carry the token filters too (3 ms instead
# of 9 for "nettoyage" in a région's sector group; dearer for a kind that keeps most).
NARROW_TIERS_BELOW = 2000
SECTOR_COLUMNS = "{name ids sectors}"
# Walking the name index costs about half a name sort per hit (see the module docstring).
WALK_TO_SORT_COST = 2.0
_TOKEN = re.compile(r"[a-z0-9_]+")
_ORIGINAL_WORD = re.compile(r"[^\W_]+")

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
        x REAL,  -- the position as a unit vector (see geo), NULL when unknown
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
    # No bm25 (see above), hence no column sizes to keep.
    """CREATE VIRTUAL TABLE fts{s} USING fts5 (
        name, ids, sectors, body, filters,
        tokenize = "unicode61 tokenchars '_'", prefix = '3', columnsize = 0
    )""",
    # Positions as points on the unit sphere: "within r km" is then a box and a chord
    # length, plain arithmetic (trigonometry per row cost 10 ms on 17,000 rows, this 7).
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


# --- Documents as rows ------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def token(prefix: str, value: str) -> str:
    """A filter token: ``token("s", "espaces-verts")`` is ``s_espaces_verts`` (cached: the
    same few thousand codes and slugs come back in every document)."""
    return f"{prefix}_{folded(value).replace(' ', '_')}"


_LIST_TOKENS = (
    ("s", "sectors"),
    ("g", "sector_groups"),
    ("p", "presta"),
    ("l", "labels"),
    ("n", "networks"),
    ("r", "reservations"),
    ("zr", "zone_regions"),
    ("zd", "zone_departements"),
    ("ze", "zone_epcis"),
    ("zc", "zone_communes"),
    ("xr", "zone_reach_regions"),
    ("xd", "zone_reach_departements"),
    ("xe", "zone_reach_epcis"),
    ("xc", "zone_reach_communes"),
    ("wr", "zone_cover_regions"),
    ("wd", "zone_cover_departements"),
    ("we", "zone_cover_epcis"),
)
# The token prefix of each document field a query filters on (search.fields.LIST_FILTERS).
_FILTER_PREFIX = {"kind": "k"} | {key: prefix for prefix, key in _LIST_TOKENS}


def filter_tokens(document: Document) -> list[str]:
    found = [token("k", document["kind"])]
    if document["zone_national"]:
        found.append("z_national")
    for prefix, key in _LIST_TOKENS:
        # A document written before a list existed (zone_cover_*) holds none of its values.
        found.extend(token(prefix, value) for value in document.get(key) or ())
    if document["latitude"] is not None and document["longitude"] is not None:
        found.append(cell_token(*grid_cell(document["latitude"], document["longitude"])))
    return found


def grid_cell(latitude: float, longitude: float) -> tuple[int, int]:
    """The cell of a coarse latitude/longitude grid holding a position."""
    return (
        math.floor((latitude + 90) / GRID_DEGREES),
        math.floor((longitude + 180) / GRID_DEGREES),
    )


def cell_token(row: int, column: int) -> str:
    return f"c_{row}_{column}"


def cells_around(latitude: float, longitude: float, km: float) -> list[str] | None:
    """The tokens of the grid cells a radius can reach (its bounding box), or None when
    they are too many to help (a wide radius) or the box crosses a pole or the 180th
    meridian. A coarse pre-filter: the radius itself is measured on the positions."""
    reach = km / KM_PER_DEGREE
    south, north = latitude - reach, latitude + reach
    if south <= -90 or north >= 90:
        return None
    widest = max(math.cos(math.radians(south)), math.cos(math.radians(north)))
    spread = reach / max(widest, 1e-6)
    west, east = longitude - spread, longitude + spread
    if west <= -180 or east >= 180:
        return None
    (row0, column0), (row1, column1) = grid_cell(south, west), grid_cell(north, east)
    if (row1 - row0 + 1) * (column1 - column0 + 1) > MAX_CELLS:
        return None
    return [
        cell_token(row, column)
        for row in range(row0, row1 + 1)
        for column in range(column0, column1 + 1)
    ]


def text_columns(document: Document) -> tuple[str, str, str, str, str, str]:
    """The analysed name and brand (for the exact-name tier), then the FTS columns:
    ``name`` (both), ``ids``, ``sectors`` and ``body`` (description, offers, the commune
    of the base, so "nettoyage lille" narrows to Lille, and the names of the sectors'
    groups and the kind's words, so "BTP" or "intérim" find them; those rank with the
    description, below the sectors themselves)."""
    name = " ".join(terms(document["name"]))
    brand = " ".join(terms(document["brand"]))
    return (
        name,
        brand,
        name if brand in ("", name) else f"{name} {brand}",
        f"{document['siret']} {document['siren']}",
        _sector_terms(tuple(document["sector_names"])),
        " ".join(
            terms(f"{document['description']} {document['offers']} {document['commune_name']}")
            + _vocabulary_terms(
                tuple(document.get("sector_group_names", ())),
                tuple(document.get("kind_terms", ())),
            )
        ),
    )


@lru_cache(maxsize=4096)
def _vocabulary_terms(groups: tuple[str, ...], kind_terms: tuple[str, ...]) -> list[str]:
    return terms(" ".join(groups + kind_terms))


@lru_cache(maxsize=4096)
def _sector_terms(names: tuple[str, ...]) -> str:
    return " ".join(terms(" ".join(names)))  # the same few combinations, over and over


def facet_values(document: Document) -> Iterator[tuple[str, str]]:
    for facet, key in FACET_FIELDS.items():
        values = document[key]
        if isinstance(values, str):
            yield facet, values
        else:
            yield from ((facet, value) for value in values or ())


# --- Bitmaps of slots -------------------------------------------------------------------


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

    added: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    removed: dict[tuple[str, str], set[int]] = field(default_factory=dict)

    def add(self, document: Document, slot: int) -> None:
        for key in facet_values(document):
            self.added.setdefault(key, set()).add(slot)
            self.removed.get(key, set()).discard(slot)

    def remove(self, document: Document, slot: int) -> None:
        for key in facet_values(document):
            self.removed.setdefault(key, set()).add(slot)
            self.added.get(key, set()).discard(slot)

    def affected(self) -> set[tuple[str, str]]:
        return set(self.added) | set(self.removed)

    def apply(self, key: tuple[str, str], bits: int) -> int:
        return (bits & ~bitmap(self.removed.get(key, ()))) | bitmap(self.added.get(key, ()))


@dataclass(frozen=True)
class FacetBitmaps:
    """The bitmaps of one index generation, held in memory between writes: per facet, its
    values (sorted) and a matrix of their bitmaps, one row of 64-bit words per value.
    Counting is one AND and one popcount over the matrix (NumPy): ~1 ms for the ~250
    values of 200,000 documents, where Python integers took ~7 ms."""

    generation: int
    width: int  # words per bitmap
    facets: dict[str, tuple[list[str], np.ndarray]]

    @classmethod
    def load(cls, generation: int, rows: Iterable[tuple[str, str, bytes]]) -> FacetBitmaps:
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
        return cls(generation, width, facets)

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


# --- Queries ----------------------------------------------------------------------------


def quoted(*tokens: str) -> str:
    """A quoted FTS5 string (a token, or a phrase) made of tokens this module produced."""
    for tok in tokens:
        if not _TOKEN.fullmatch(tok):
            raise ValueError(f"not an index token: {tok[:40]!r}")
    return '"' + " ".join(tokens) + '"'


def any_of(alternatives: Iterable[str]) -> str:
    return "(" + " OR ".join(dict.fromkeys(alternatives)) + ")"


def filter_groups(query: SearchQuery) -> list[str]:
    """The token filters of ``query``: each an OR group, the groups to be AND-ed."""
    groups = []
    for attribute, field_name in LIST_FILTERS.items():
        values = getattr(query, attribute)
        if values:
            prefix = _FILTER_PREFIX[field_name]
            groups.append(any_of(quoted(token(prefix, v)) for v in values))
    place = query.serves
    if place:  # the one territory rule (search.territory), as tokens
        groups.append(
            any_of(quoted(zone_token(f, v)) for f, v in territory.alternatives(place, query.cover))
        )
    return groups


def zone_token(field_name: str, value: str | bool) -> str:
    """The filter token of a (document field, value) pair of ``territory.alternatives``."""
    if field_name == "zone_national":
        return "z_national"
    return token(_FILTER_PREFIX[field_name], value)


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


@dataclass
class Plan:
    """A query made ready for SQL: text units, token filters, and conditions on ``docs d``
    (with their parameters) for what tokens cannot say."""

    units: list[TextUnit]
    filters: list[str]
    where: list[str] = field(default_factory=list)  # conditions on ``docs d``
    params: list[Any] = field(default_factory=list)
    near: Radius | None = None
    cells: str = ""  # the grid cells a radius reaches, as an FTS OR group
    exact_key: str = ""

    def match(self) -> str | None:
        """The MATCH expression of the text and the token filters, if any."""
        parts = [unit.expression() for unit in self.units] + self.filters
        return " AND ".join(parts + ([self.cells] if self.cells and parts else [])) or None

    def text_in(self, columns: str, as_typed: bool = False, narrow: bool = False) -> str:
        """The text found in ``columns`` (a relevance tier, intersected with the hits);
        ``narrow``: with the token filters, which make FTS cheaper when they keep few
        documents, dearer when they keep many."""
        return " AND ".join(
            [f"{columns} : {unit.expression(as_typed)}" for unit in self.units]
            + (self.filters if narrow else [])
        )


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    """A position as a point on the unit sphere: the straight (chord) distance between two
    such points grows with the great-circle distance, and costs no trigonometry."""
    lat, lon = math.radians(latitude), math.radians(longitude)
    return math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)


@dataclass(frozen=True)
class Radius:
    """Within ``km`` of a point, as the point's unit vector and the squared chord of the
    distance (comparing squared chords costs no trigonometry)."""

    vector: tuple[float, float, float]
    chord: float

    @classmethod
    def around(cls, latitude: float, longitude: float, km: float) -> Radius:
        chord = 2 * math.sin(min(math.pi, km / EARTH_RADIUS_KM) / 2)
        return cls(unit_vector(latitude, longitude), chord)


@dataclass(frozen=True)
class Positions:
    """The located documents of one index generation, ordered by z (the sine of the
    latitude): a radius first takes the band of z it can reach, by bisection, then
    measures only that band (a 20 km radius: a tenth of France)."""

    generation: int
    slots: np.ndarray  # int64
    vectors: np.ndarray  # float64, one row (x, y, z) per slot, by ascending z

    @classmethod
    def of(cls, generation: int, rows: list[tuple[int, float, float, float]]) -> Positions:
        table = np.array(rows, dtype=np.float64).reshape(-1, 4)
        table = table[np.argsort(table[:, 3], kind="stable")]
        return cls(generation, table[:, 0].astype(np.int64), np.ascontiguousarray(table[:, 1:]))

    def within(self, radius: Radius) -> np.ndarray:
        """The slots within the radius, ascending."""
        z = radius.vector[2]
        low, high = np.searchsorted(self.vectors[:, 2], (z - radius.chord, z + radius.chord))
        offsets = self.vectors[low:high] - np.asarray(radius.vector)
        squared = np.einsum("ij,ij->i", offsets, offsets)
        return np.sort(self.slots[low:high][squared <= radius.chord * radius.chord])


def slot_list(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[int]:
    """The slots ``sql`` selects, fetched as one string: ~3 ms for 12,000, half the cost
    of as many rows."""
    concatenated = conn.execute(
        f"SELECT group_concat(slot) FROM ({sql})",  # noqa: S608 - our own SQL
        params,
    ).fetchone()[0]
    return json.loads(f"[{concatenated}]") if concatenated else []


# --- The backend ------------------------------------------------------------------------


@contextmanager
def _unavailable_on_error(action: str) -> Iterator[None]:
    """A damaged, locked or unreachable index file is an engine outage (a 503 and a kept
    outbox), not a crash; ``flask search reindex`` rebuilds it."""
    try:
        yield
    except sqlite3.Error as exc:
        raise SearchUnavailable(f"embedded index unavailable ({action}): {exc}") from exc


class EmbeddedBackend:
    """SearchBackend on SQLite FTS5.

    ``path`` is a file or ``":memory:"``. A file is opened in WAL mode (readers never wait
    for the writer) by a small pool of connections, each used by one thread at a time: a
    connection per thread would pile up under a server that starts a thread per request.
    A memory database exists only within its one connection, used behind a lock.
    """

    name = "embedded"

    def __init__(self, path: str = ":memory:", synonyms: Iterable[Iterable[str]] | None = None):
        self.path = path
        self._memory = path == ":memory:"
        self._lock = threading.RLock()
        self._shared: sqlite3.Connection | None = None  # the memory database's
        self._idle: list[sqlite3.Connection] = []  # a file's, not in use
        self._synonyms = synonym_table(default_synonyms()[1] if synonyms is None else synonyms)
        self._bitmaps = FacetBitmaps.load(-1, [])
        self._located = Positions.of(-1, [])
        with _unavailable_on_error("open"), self._writing() as conn:
            for statement in _STATE:
                conn.execute(statement)
            schema = conn.execute("SELECT value FROM state WHERE key = 'schema'").fetchone()[0]
            if schema != SCHEMA_VERSION:  # a new file, or one an older version wrote
                self._drop(conn, "_build")
                self._drop(conn, "")
                self._create(conn, "")
                conn.execute("UPDATE state SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
                self._bump(conn)

    # Connections -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly, none is left open by accident.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA temp_store = MEMORY")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Pages mapped from the file are shared by the pool's connections and other
            # processes; a per-connection cache would hold one copy each.
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._memory:
            with self._lock:
                if self._shared is None:
                    self._shared = self._connect()
                yield self._shared
            return
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        conn = conn or self._connect()
        try:
            yield conn
        finally:
            with self._lock:
                kept = len(self._idle) < MAX_IDLE_CONNECTIONS
                if kept:
                    self._idle.append(conn)
            if not kept:
                conn.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every statement of a search sees the same index."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connections not in use (all of them, once searches are over)."""
        with self._lock:
            for conn in [*self._idle, *([self._shared] if self._shared else [])]:
                conn.close()
            self._idle.clear()
            self._shared = None

    # Schema ------------------------------------------------------------------------------

    @staticmethod
    def _create(conn: sqlite3.Connection, suffix: str) -> None:
        # Index names keep their name when their table is renamed into place: a random
        # tag keeps the next build's from colliding with them.
        tag = secrets.token_hex(4)
        for statement in _SCHEMA:
            conn.execute(statement.format(s=suffix, tag=tag))

    @staticmethod
    def _drop(conn: sqlite3.Connection, suffix: str) -> None:
        for table in (*_TABLES, *_RETIRED_TABLES):
            conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}")

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")

    # Writes ------------------------------------------------------------------------------

    def upsert(self, documents: list[Document]) -> None:
        documents = list({d["id"]: d for d in documents}.values())  # the last version wins
        if not documents:
            return
        with self._writing() as conn:
            changes = BitChanges()
            ids = [d["id"] for d in documents]
            slots = self._remove(conn, "", ids, changes)
            active = [d for d in documents if d["status"] == "active"]
            self._insert(conn, "", self._slotted(conn, "", active, slots), changes)
            self._store_bits(conn, "", changes)
            self._touch(conn, ids)
            self._bump(conn)

    def delete(self, ids: list[int]) -> None:
        if not ids:
            return
        with self._writing() as conn:
            changes = BitChanges()
            self._remove(conn, "", ids, changes)
            self._store_bits(conn, "", changes)
            self._touch(conn, ids)
            self._bump(conn)

    @staticmethod
    def _touch(conn: sqlite3.Connection, ids: list[int]) -> None:
        conn.executemany("INSERT OR IGNORE INTO touched VALUES (?)", [(i,) for i in ids])

    @staticmethod
    def _slotted(
        conn: sqlite3.Connection, suffix: str, documents: list[Document], slots: dict[int, int]
    ) -> list[tuple[int, Document]]:
        """Each document with its slot: the one it had, else a new one after the others
        (those in use and those about to be reused alike)."""
        in_use = conn.execute(
            f"SELECT coalesce(max(slot), 0) FROM docs{suffix}"  # noqa: S608 - our suffix
        ).fetchone()[0]
        following = max(in_use, *slots.values(), 0) + 1
        slotted = []
        for document in documents:
            slot = slots.get(document["id"])
            if slot is None:
                slot, following = following, following + 1
            slotted.append((slot, document))
        return slotted

    @staticmethod
    def _remove(
        conn: sqlite3.Connection, suffix: str, ids: list[int], changes: BitChanges
    ) -> dict[int, int]:
        """Take the documents out; their slots by id, for their next version to reuse."""
        rows = conn.execute(
            f"SELECT d.id, d.slot, b.document FROM docs{suffix} d "  # noqa: S608 - our suffix
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

    @staticmethod
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
        docs, bodies, fts, vocabulary = [], [], [], set()
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
            bodies.append((slot, json.dumps(document, ensure_ascii=False, separators=(",", ":"))))
            fts.append((slot, *columns, " ".join(filter_tokens(document))))
            changes.add(document, slot)
            vocabulary.update(columns[0].split(), columns[2].split(), columns[3].split())
        vocabulary = {term for term in vocabulary - known_terms if term.isalpha()}
        known_terms |= vocabulary
        # Table names carry only our own suffix ("" or "_build"), hence the S608 waivers.
        conn.executemany(f"INSERT INTO docs{suffix} VALUES ({', '.join('?' * 12)})", docs)  # noqa: S608
        conn.executemany(f"INSERT INTO bodies{suffix} VALUES (?, ?)", bodies)  # noqa: S608
        conn.executemany(
            f"INSERT INTO fts{suffix} (rowid, name, ids, sectors, body, filters)"  # noqa: S608
            " VALUES (?, ?, ?, ?, ?, ?)",
            fts,
        )
        conn.executemany(
            f"INSERT OR IGNORE INTO grams{suffix} VALUES (?, ?, ?)",  # noqa: S608
            [(gram, len(term), term) for term in vocabulary for gram in trigrams(term)],
        )

    @staticmethod
    def _store_bits(conn: sqlite3.Connection, suffix: str, changes: BitChanges) -> None:
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

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Index ``documents`` into ``_build`` tables, a batch per transaction (searches and
        writes go on meanwhile, on the live tables), then, in one transaction, re-apply the
        writes made meanwhile and swap the new tables in."""
        with self._writing() as conn:
            self._drop(conn, "_build")
            self._create(conn, "_build")
            conn.execute("DELETE FROM touched")
        changes = BitChanges()  # the bitmaps are written once, at the end
        known_terms: set[str] = set()
        following = 1
        iterator = iter(documents)
        try:
            while batch := list(islice(iterator, BATCH)):
                active = [d for d in batch if d["status"] == "active"]
                with self._writing() as conn:
                    slotted = list(enumerate(active, following))
                    self._insert(conn, "_build", slotted, changes, known_terms)
                following += len(active)
            with self._writing() as conn:
                self._replay_touched(conn, changes)
                self._store_bits(conn, "_build", changes)
                self._drop(conn, "")
                for table in _TABLES:
                    conn.execute(f"ALTER TABLE {table}_build RENAME TO {table}")
                conn.execute("DELETE FROM touched")
                self._bump(conn)
                return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        except BaseException:
            with self._writing() as conn:
                self._drop(conn, "_build")
            raise

    def _replay_touched(self, conn: sqlite3.Connection, changes: BitChanges) -> None:
        """Documents written while the rebuild ran: the live tables hold their latest state
        (or their absence), which replaces whatever the rebuild read of them."""
        ids = [row[0] for row in conn.execute("SELECT id FROM touched")]
        if not ids:
            return
        slots = self._remove(conn, "_build", ids, changes)
        live = conn.execute(
            "SELECT b.document FROM docs d JOIN bodies b USING (slot) "
            "WHERE d.id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
        documents = [json.loads(document) for (document,) in live]
        self._insert(conn, "_build", self._slotted(conn, "_build", documents, slots), changes)

    def count(self) -> int:
        with _unavailable_on_error("count"), self._reading() as conn:
            return self._size(conn)

    @staticmethod
    def _size(conn: sqlite3.Connection) -> int:
        return conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    # Search ------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        with _unavailable_on_error("search"), self._reading() as conn:
            plan = self._plan(conn, query)
            hits = self._hits(conn, plan)  # None: every document
            layers = self._layers(conn, plan, hits)
            if len(layers) > 1:  # the complete matches, then the partial ones
                hits = sorted(slot for _, layer in layers for slot in layer)
            page = self._page(conn, query, layers)
            facets = [f for f in query.facets if f in FACET_FIELDS]
            counts = {}
            if facets:
                bitmaps = self._facet_bitmaps(conn)
                counts = bitmaps.counts(
                    facets, None if hits is None else np.array(hits, dtype=np.int64)
                )
            total = self._size(conn) if hits is None else len(hits)
            bodies = dict(
                conn.execute(
                    "SELECT slot, document FROM bodies "
                    "WHERE slot IN (SELECT value FROM json_each(?))",
                    (json.dumps([slot for slot, _ in page]),),
                ).fetchall()
            )
        return SearchResult(
            total=total,
            page=query.page,
            per_page=query.per_page,
            hits=tuple(self._hit(query, plan, json.loads(bodies[s]), score) for s, score in page),
            facets=counts,
        )

    def _plan(self, conn: sqlite3.Connection, query: SearchQuery) -> Plan:
        identifiers, rest = split_identifiers(query.text)
        plan = Plan(
            units=self._text_units(conn, identifiers, rest),
            filters=filter_groups(query),
            exact_key=" ".join(terms(rest)),
        )
        for column, minimum in (
            ("employees", query.min_employees),
            ("turnover", query.min_turnover),
            ("largest_contract", query.min_contract),
        ):
            if minimum is not None:  # an unknown value (NULL) does not pass a minimum
                plan.where.append(f"d.{column} >= ?")
                plan.params.append(minimum)
        if query.near and query.radius_km is not None:
            latitude, longitude = query.near.latitude, query.near.longitude
            plan.near = Radius.around(latitude, longitude, query.radius_km)
            cells = cells_around(latitude, longitude, query.radius_km)
            if cells:  # narrows the hits' FTS work, if any (not the tiers': dearer there)
                plan.cells = any_of(quoted(cell) for cell in cells)
        return plan

    def _text_units(
        self, conn: sqlite3.Connection, identifiers: list[str], rest: str
    ) -> list[TextUnit]:
        units = [TextUnit(own=(digits,), exact={digits}) for digits in identifiers]
        typed = words(rest)[: MAX_UNITS * 2]
        position = 0
        for phrase, synonyms in segment([stem(w) for w in typed], self._synonyms):
            unit = TextUnit(own=phrase)
            if len(phrase) > 1:
                unit.phrases.add(phrase)
            else:
                self._expand_word(conn, typed[position], unit)
            position += len(phrase)
            for synonym in synonyms:
                if len(synonym) > 1:
                    unit.phrases.add(synonym)
                else:
                    unit.exact.add(synonym[0])
            units.append(unit)
        return units[:MAX_UNITS]

    def _expand_word(
        self, conn: sqlite3.Connection, typed: str, unit: TextUnit, min_prefix: int = MIN_PREFIX
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
        unit.exact.update(self._typo_candidates(conn, stem(typed), budget))

    @staticmethod
    def _typo_candidates(conn: sqlite3.Connection, term: str, budget: int) -> list[str]:
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

    @staticmethod
    def _select(plan: Plan) -> tuple[str, list[Any]] | None:
        """SELECT of the slots matching the plan's text, tokens and conditions (not its
        radius), driven by the FTS index or the docs table; None if it has none."""
        match = plan.match()
        if not match and not plan.where:
            return None
        if match:
            source, slot, conditions, params = "fts", "fts.rowid", ["fts MATCH ?"], [match]
        else:
            source, slot, conditions, params = "docs d", "d.slot", [], []
        if plan.where:
            if match:
                source += " JOIN docs d ON d.slot = fts.rowid"
            conditions += plan.where
            params += plan.params
        sql = f"SELECT {slot} AS slot FROM {source}"  # noqa: S608 - our own fragments
        return sql + " WHERE " + " AND ".join(conditions), params

    def _hits(self, conn: sqlite3.Connection, plan: Plan) -> list[int] | None:
        """Every matching slot, ascending, or None when nothing restricts the search."""
        select = self._select(plan)
        if plan.near is None:
            return None if select is None else sorted(slot_list(conn, *select))
        near = self._positions(conn).within(plan.near)
        if select is None:
            return near.tolist()
        # Next to MATCH, "rowid IN (a set)" makes FTS5 test the whole MATCH row by row
        # (1 ms a row): the two sets are intersected here instead.
        matched = np.fromiter(slot_list(conn, *select), dtype=np.int64)
        return np.intersect1d(matched, near, assume_unique=True).tolist()

    def _positions(self, conn: sqlite3.Connection) -> Positions:
        """The positions of the generation this transaction reads, loaded again only
        after a write (~0.1 s for 200,000 documents)."""
        generation = self._generation(conn)
        cached = self._located
        if cached.generation == generation:
            return cached
        rows = conn.execute("SELECT slot, x, y, z FROM docs WHERE x IS NOT NULL").fetchall()
        self._located = Positions.of(generation, rows)
        return self._located

    @staticmethod
    def _generation(conn: sqlite3.Connection) -> int:
        return conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()[0]

    def _layers(
        self, conn: sqlite3.Connection, plan: Plan, hits: list[int] | None
    ) -> list[tuple[Plan, list[int] | None]]:
        """The hits of every word, then, when they are too few (``search.text``,
        ``partial_applies``), those of the words left once the last is dropped, and so on
        down to the first word, each layer without the documents of the layers before:
        Meilisearch's "last" matching strategy. A stop word is never a unit, so never
        what a partial match rests on."""
        layers: list[tuple[Plan, list[int] | None]] = [(plan, hits)]
        if hits is None or not partial_applies(len(plan.units), len(hits)):
            return layers
        seen = set(hits)
        for kept in range(len(plan.units) - 1, 0, -1):
            fewer = replace(plan, units=plan.units[:kept], exact_key="")
            found = [slot for slot in self._hits(conn, fewer) or () if slot not in seen]
            seen.update(found)
            layers.append((fewer, found))
        return layers

    def _page(
        self,
        conn: sqlite3.Connection,
        query: SearchQuery,
        layers: list[tuple[Plan, list[int] | None]],
    ) -> list[tuple[int, float]]:
        """The page's (slot, score), in the query's order, layer after layer: a partial
        match always comes after the complete ones, its score a tenth of theirs per word
        dropped (below any complete match's)."""
        offset = (query.page - 1) * query.per_page
        page: list[tuple[int, float]] = []
        for dropped, (plan, hits) in enumerate(layers):
            if hits is not None and offset >= len(hits):
                offset -= len(hits)
                continue
            found = self._layer_page(conn, plan, query, hits, offset, query.per_page - len(page))
            page += [(slot, score * PARTIAL_SCORE_FACTOR**dropped) for slot, score in found]
            offset = 0
            if len(page) >= query.per_page:
                break
        return page

    def _layer_page(
        self,
        conn: sqlite3.Connection,
        plan: Plan,
        query: SearchQuery,
        hits: list[int] | None,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        """``limit`` (slot, score) of one layer's hits from ``offset``, in the query's order."""
        if query.sort == "distance" and query.origin:
            slots = self._by_distance(conn, hits, query.origin, offset, limit)
        elif query.sort == "name":
            slots = self._by_name(conn, hits, offset, limit)
        elif plan.units and hits is not None:
            return self._by_relevance(conn, plan, set(hits), offset, limit)
        elif hits is None:
            slots = [
                slot
                for (slot,) in conn.execute(
                    "SELECT slot FROM docs ORDER BY slot LIMIT ? OFFSET ?", (limit, offset)
                )
            ]
        else:
            slots = hits[offset : offset + limit]
        return [(slot, 0.0) for slot in slots]

    def _by_distance(
        self,
        conn: sqlite3.Connection,
        hits: list[int] | None,
        origin: tuple[float, float],
        offset: int,
        limit: int,
    ) -> list[int]:
        if hits is None:
            among, params = "", []
        else:
            among, params = "WHERE d.slot IN (SELECT value FROM json_each(?))", [json.dumps(hits)]
        x, y, z = unit_vector(*origin)
        rows = conn.execute(
            f"SELECT d.slot FROM docs d {among} "  # noqa: S608 - our own SQL
            "ORDER BY d.x IS NULL, (d.x - ?) * (d.x - ?) + (d.y - ?) * (d.y - ?) "
            "+ (d.z - ?) * (d.z - ?), d.sort_key, d.id LIMIT ? OFFSET ?",
            [*params, x, x, y, y, z, z, limit, offset],
        )
        return [slot for (slot,) in rows]

    def _by_relevance(
        self, conn: sqlite3.Connection, plan: Plan, hits: set[int], offset: int, limit: int
    ) -> list[tuple[int, float]]:
        """Tier after tier; a tier is looked up only when the page reaches it."""
        narrow = len(hits) <= NARROW_TIERS_BELOW

        def text_in(columns: str, as_typed: bool = False) -> str:
            return plan.text_in(columns, as_typed, narrow)

        tiers = (
            (EXACT_NAME, lambda: self._exact_names(conn, plan.exact_key)),
            (NAME_AS_TYPED, lambda: self._text_matches(conn, text_in(NAME_COLUMNS, True))),
            (IN_NAME, lambda: self._text_matches(conn, text_in(NAME_COLUMNS))),
            (IN_SECTORS, lambda: self._text_matches(conn, text_in(SECTOR_COLUMNS))),
            (ANYWHERE, lambda: hits),
        )
        page: list[tuple[int, float]] = []
        seen: set[int] = set()
        for score, members in tiers:
            tier = (members() & hits) - seen
            seen |= tier
            taken = heapq.nsmallest(offset + limit - len(page), tier)[offset:]
            page += [(slot, score) for slot in taken]
            offset = max(0, offset - len(tier))
            if len(page) >= limit:
                break
        return page

    @staticmethod
    def _text_matches(conn: sqlite3.Connection, match: str) -> set[int]:
        return set(slot_list(conn, "SELECT rowid AS slot FROM fts WHERE fts MATCH ?", [match]))

    @staticmethod
    def _exact_names(conn: sqlite3.Connection, key: str) -> set[int]:
        if not key:
            return set()
        rows = conn.execute("SELECT slot FROM docs WHERE name_key = ?1 OR brand_key = ?1", (key,))
        return {slot for (slot,) in rows}

    def _by_name(
        self, conn: sqlite3.Connection, hits: list[int] | None, offset: int, limit: int
    ) -> list[int]:
        """``limit`` slots from ``offset`` in name order (``hits`` None: all documents).

        Sorting the hits costs ~len(hits); walking the name index finds them after
        ~(offset + limit) * size / len(hits) rows if they are spread evenly. The walk is
        tried when it looks cheaper, and given up for the sort once it has cost as much.
        """
        if hits is None:
            rows = conn.execute(
                "SELECT slot FROM docs ORDER BY sort_key, id LIMIT ? OFFSET ?", (limit, offset)
            )
            return [slot for (slot,) in rows]
        budget = int(WALK_TO_SORT_COST * len(hits))
        if (offset + limit) * self._size(conn) / len(hits) <= budget:
            walked = self._walk(conn, set(hits), offset + limit, budget)
            if walked is not None:
                return walked[offset:]
        rows = conn.execute(
            "SELECT slot FROM docs WHERE slot IN (SELECT value FROM json_each(?)) "
            "ORDER BY sort_key, id LIMIT ? OFFSET ?",
            (json.dumps(hits), limit, offset),
        )
        return [slot for (slot,) in rows]

    @staticmethod
    def _walk(
        conn: sqlite3.Connection, members: set[int], wanted: int, budget: int
    ) -> list[int] | None:
        """The first ``wanted`` members in name order, or None past ``budget`` rows."""
        found: list[int] = []
        walked = 0
        cursor = conn.execute("SELECT slot FROM docs ORDER BY sort_key, id LIMIT ?", (budget,))
        try:
            while len(found) < wanted:
                rows = cursor.fetchmany(512)
                if not rows:  # the budget is spent, or every document was walked
                    return None if walked == budget else found
                walked += len(rows)
                found += [slot for (slot,) in rows if slot in members]
        finally:
            cursor.close()
        return found[:wanted]

    def _facet_bitmaps(self, conn: sqlite3.Connection) -> FacetBitmaps:
        """The bitmaps of the generation this transaction reads, loaded again only after
        a write (a few milliseconds: one blob per facet value)."""
        generation = self._generation(conn)
        cached = self._bitmaps
        if cached.generation == generation:
            return cached
        rows = conn.execute("SELECT facet, value, bits FROM bitmaps")
        self._bitmaps = FacetBitmaps.load(generation, rows)
        return self._bitmaps

    def _hit(self, query: SearchQuery, plan: Plan, document: Document, score: float) -> Hit:
        distance = None
        origin = query.origin
        if origin and document["latitude"] is not None and document["longitude"] is not None:
            distance = round(
                haversine_km(origin[0], origin[1], document["latitude"], document["longitude"]),
                1,
            )
        return hit_from_document(
            query,
            document,
            score=score,
            distance_km=distance,
            matched_terms=matched_terms(document, plan.units),
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Display names beginning with what was typed, then names whose words begin with
        each word typed (typo-tolerant on whole words when nothing begins so)."""
        start = folded(prefix)[: MAX_WORD * 4]
        if not start or limit < 1:
            return []
        with _unavailable_on_error("suggest"), self._reading() as conn:
            names = [
                name
                for (name,) in conn.execute(
                    "SELECT display_name FROM docs WHERE sort_key >= ? AND sort_key < ? "
                    "ORDER BY sort_key, id LIMIT ?",
                    (start, start + "{", limit * 2),  # "{" sorts right after "z"
                )
            ]
            units = []
            typed_words = words(prefix)[:MAX_UNITS]
            for position, typed in enumerate(typed_words, 1):
                unit = TextUnit(own=(stem(typed),))
                # The last word is still being typed: two letters already narrow it.
                self._expand_word(conn, typed, unit, 2 if position == len(typed_words) else 3)
                units.append(unit)
            if units and len(set(names)) < limit:
                match = " AND ".join(f"name : {unit.expression()}" for unit in units)
                names += [
                    name
                    for (name,) in conn.execute(
                        "SELECT d.display_name FROM fts JOIN docs d ON d.slot = fts.rowid "
                        "WHERE fts MATCH ? LIMIT ?",
                        (match, limit * 2),
                    )
                ]
        return list(dict.fromkeys(names))[:limit]


# --- Reasons ----------------------------------------------------------------------------


def matched_terms(document: Document, units: list[TextUnit]) -> tuple[str, ...]:
    """The document's words (as written, lower-cased) that the query's units matched."""
    if not units:
        return ()
    found: list[str] = []
    identifiers = {document["siret"], document["siren"]}
    for unit in units:
        found.extend(sorted(unit.exact & identifiers))
    for text in (
        document["name"],
        document["brand"],
        *document["sector_names"],
        document["description"],
        document["offers"],
        document["commune_name"] or "",
        *document.get("sector_group_names", ()),
        *document.get("kind_terms", ()),
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
        for word in _ORIGINAL_WORD.findall(text.lower())
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
