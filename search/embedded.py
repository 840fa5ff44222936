"""The embedded search backend: SQLite FTS5 in a database file of its own (or in memory).

Layout (``_build`` twins of each during a rebuild):

- ``docs``: one row per searchable (active) document: sort key, exact-name keys, position,
  capacity numbers and the document JSON, so hits and reasons need no app database.
- ``fts``: FTS5 over the analysed text (``search.text.terms``, already folded and
  stemmed, so the tokenizer only splits on spaces) and a ``filters`` column of tokens.
- ``facets``: (facet, value, id) rows for the facet counts.
- ``grams``: trigrams of every indexed word, to find typo candidates without scanning the
  vocabulary.
- ``touched``: ids written while a rebuild runs, which the rebuild must not overwrite.

Filter tokens (``filters`` column, weight 0): ``k_<kind>``, ``s_<sector>``,
``g_<sector group>``, ``p_<presta>``, ``l_<label>``, ``n_<network>``,
``r_<reservation>``, and the zone: ``z_national``, ``zr_<region>``, ``zd_<departement>``,
``ze_<epci>``, ``zc_<commune>`` for the divisions it lists, ``xr_``/``xd_``/``xe_``/``xc_``
for those a radius zone reaches. Values are folded with ``_`` for every other character
(``r_l2113_13``, ``s_espaces_verts``); text terms never contain ``_``, so the two never
meet. Numbers and positions are filtered on ``docs``.

User text never reaches SQL or FTS syntax: it is analysed into ``[a-z0-9]`` terms, each
quoted in the MATCH expression; every SQL value is a bound parameter.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from importers.gazetteer import haversine_km
from search.backend import Document
from search.query import SearchQuery
from search.reasons import explain
from search.results import Hit, SearchResult
from search.synonyms import default_synonyms
from search.text import (
    STOP_WORDS,
    Phrase,
    edit_distance,
    min_shared_trigrams,
    segment,
    split_identifiers,
    stem,
    synonym_table,
    terms,
    trigrams,
    typo_budget,
    words,
)
from webapp.domain.text import fold

EARTH_RADIUS_KM = 6371.009  # geopy's, which search.documents and the gazetteer use
TEXT_COLUMNS = ("name", "ids", "sectors", "body")
# bm25 weights, in column order (name, ids, sectors, body, filters): the name and brand
# weigh most, then the sectors, then description and offers; filter tokens not at all.
WEIGHTS = (10.0, 10.0, 4.0, 1.0, 0.0)
EXACT_NAME_BONUS = 1000.0  # above any bm25 score: the enterprise typed by name comes first
MAX_UNITS = 12  # query words searched; the rest of a 10 kB paste is ignored
MAX_WORD = 40  # longer "words" are searched as typed, without prefix or typos
MIN_PREFIX = 3  # shorter words would expand to much of the vocabulary
MAX_TYPO_CANDIDATES = 8
MAX_MATCHED_TERMS = 5
BATCH = 1000
FACET_FIELDS = {
    "kind": "kind",
    "sector_group": "sector_groups",
    "sector": "sectors",
    "departement": "departement",
    "label": "labels",
    "network": "networks",
}
_TOKEN = re.compile(r"[a-z0-9_]+")
_ORIGINAL_WORD = re.compile(r"[^\W_]+")

_TABLES = ("docs", "fts", "facets", "grams")
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS docs{s} (
    id INTEGER PRIMARY KEY,
    sort_key TEXT NOT NULL,
    name_key TEXT NOT NULL,
    brand_key TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    employees INTEGER,
    turnover INTEGER,
    largest_contract INTEGER,
    document TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS docs{s}_sort_{tag} ON docs{s} (sort_key, id)",
    "CREATE INDEX IF NOT EXISTS docs{s}_latitude_{tag} ON docs{s} (latitude)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS fts{s} USING fts5 (
    name, ids, sectors, body, filters,
    tokenize = "unicode61 tokenchars '_'", prefix = '3'
    )""",
    """CREATE TABLE IF NOT EXISTS facets{s} (
    id INTEGER NOT NULL,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (id, facet, value)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS grams{s} (
    gram TEXT NOT NULL,
    length INTEGER NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (gram, length, term)
    ) WITHOUT ROWID""",
)
_TOUCHED = "CREATE TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY)"


# --- Documents as rows ------------------------------------------------------------------


def token(prefix: str, value: str) -> str:
    """A filter token: ``token("s", "espaces-verts")`` is ``s_espaces_verts``."""
    return f"{prefix}_{fold(value).replace(' ', '_')}"


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
)
_PLACE_PREFIX = {"region": "r", "departement": "d", "epci": "e", "commune": "c"}


def filter_tokens(document: Document) -> list[str]:
    found = [token("k", document["kind"])]
    if document["zone_national"]:
        found.append("z_national")
    for prefix, key in _LIST_TOKENS:
        found.extend(token(prefix, value) for value in document[key])
    return found


def _text_row(document: Document) -> tuple[str, str, str, str]:
    """The analysed text of the ``name``, ``ids``, ``sectors`` and ``body`` columns."""
    names = [document["name"]]
    if fold(document["brand"]) not in ("", fold(document["name"])):
        names.append(document["brand"])
    return (
        " ".join(terms(" ".join(names))),
        f"{document['siret']} {document['siren']}",
        " ".join(terms(" ".join(document["sector_names"]))),
        " ".join(terms(f"{document['description']} {document['offers']}")),
    )


def _facet_rows(document: Document) -> Iterator[tuple[int, str, str]]:
    for facet, key in FACET_FIELDS.items():
        values = document[key]
        for value in [values] if isinstance(values, str) else values or ():
            yield document["id"], facet, value


# --- Queries as FTS expressions and SQL ---------------------------------------------------


def quoted(*tokens: str) -> str:
    """A quoted FTS5 string (one token, or a phrase) of tokens this module produced."""
    for tok in tokens:
        if not _TOKEN.fullmatch(tok):
            raise ValueError(f"not an index token: {tok[:40]!r}")
    return '"' + " ".join(tokens) + '"'


def any_of(alternatives: Iterable[str]) -> str:
    return "(" + " OR ".join(dict.fromkeys(alternatives)) + ")"


def filter_expression(query: SearchQuery) -> list[str]:
    """The token filters of ``query``, each an OR group, to be AND-ed."""
    groups = []
    for prefix, values in (
        ("s", query.sectors),
        ("g", query.sector_groups),
        ("k", query.kinds),
        ("p", query.presta),
        ("l", query.labels),
        ("n", query.networks),
        ("r", query.reservations),
    ):
        if values:
            groups.append(any_of(quoted(token(prefix, v)) for v in values))
    place = query.serves
    if place:
        served = ["z_national"]
        served += [token("z" + _PLACE_PREFIX[kind], code) for kind, code in place.covered_by]
        served.append(token("x" + _PLACE_PREFIX[place.kind], place.code))
        groups.append(any_of(quoted(t) for t in served))
    return groups


@dataclass
class TextUnit:
    """One query word (or synonym phrase) and what it may match in the index."""

    exact: set[str] = field(default_factory=set)  # index terms
    prefixes: set[str] = field(default_factory=set)
    phrases: set[Phrase] = field(default_factory=set)

    def expression(self) -> str:
        return any_of(
            [quoted(t) for t in sorted(self.exact)]
            + [quoted(p) + "*" for p in sorted(self.prefixes)]
            + [quoted(*p) for p in sorted(self.phrases)]
        )

    def matches(self, phrase: Phrase) -> bool:
        """Does this run of document terms (one term, or a phrase's length) match?"""
        if len(phrase) == 1:
            term = phrase[0]
            return term in self.exact or any(term.startswith(p) for p in self.prefixes)
        return phrase in self.phrases

    @property
    def longest(self) -> int:
        return max((len(p) for p in self.phrases), default=1)


@dataclass
class Plan:
    """A query as SQL: the MATCH expression (None: no text and no token filter), the
    conditions on ``docs d`` with their parameters, and the text units for reasons."""

    match: str | None
    where: list[str]
    params: list[Any]
    units: list[TextUnit]
    exact_key: str | None


def _distance_sql(alias: str = "d") -> str:
    """Haversine distance (km) from the point bound as (lat, lat, lon) to a document."""
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(min(1, sqrt("
        f"power(sin(radians({alias}.latitude - ?) / 2), 2) + cos(radians(?)) * "
        f"cos(radians({alias}.latitude)) * power(sin(radians({alias}.longitude - ?) / 2), 2))))"
    )


def _bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, ...]:
    import math

    d_lat = radius_km / 111.0
    d_lon = radius_km / (111.0 * max(0.01, math.cos(math.radians(latitude))))
    return latitude - d_lat, latitude + d_lat, longitude - d_lon, longitude + d_lon


# --- The backend ------------------------------------------------------------------------


class EmbeddedBackend:
    """SearchBackend on SQLite FTS5. ``path`` is a file (one connection per thread, WAL:
    readers never wait for a writer) or ``":memory:"`` (one connection behind a lock)."""

    name = "embedded"

    def __init__(self, path: str = ":memory:", synonyms: Iterable[Iterable[str]] | None = None):
        self.path = path
        self._memory = path == ":memory:" or path.startswith("file::memory:")
        self._local = threading.local()
        self._lock = threading.RLock()
        self._connections: list[sqlite3.Connection] = []
        groups = default_synonyms()[1] if synonyms is None else synonyms
        self._synonyms = synonym_table(groups)
        with self._writing() as conn:
            self._create(conn, "")
            conn.execute(_TOUCHED)

    # Connections -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: transactions are opened explicitly, so none is left open by accident.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA temp_store = MEMORY")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        self._connections.append(conn)
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._memory:
            with self._lock:
                if not self._connections:
                    self._connect()
                yield self._connections[0]
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        yield conn

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
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            self._local = threading.local()

    # Writes ------------------------------------------------------------------------------

    @staticmethod
    def _create(conn: sqlite3.Connection, suffix: str) -> None:
        # Index names carry a tag of their own: they keep their name when their table is
        # renamed into place, and the next build must not collide with them.
        tag = f"{threading.get_ident():x}{id(conn):x}{len(suffix)}"
        for statement in _SCHEMA:
            conn.execute(statement.format(s=suffix, tag=tag))

    @staticmethod
    def _building(conn: sqlite3.Connection) -> bool:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'docs_build'"
        ).fetchone()
        return row is not None

    def upsert(self, documents: list[Document]) -> None:
        if not documents:
            return
        with self._writing() as conn:
            suffixes = ["", "_build"] if self._building(conn) else [""]
            for suffix in suffixes:
                self._remove(conn, suffix, [d["id"] for d in documents])
                self._insert(conn, suffix, [d for d in documents if d["status"] == "active"])
            if len(suffixes) > 1:
                conn.executemany(
                    "INSERT OR IGNORE INTO touched (id) VALUES (?)", [(d["id"],) for d in documents]
                )

    def delete(self, ids: list[int]) -> None:
        if not ids:
            return
        with self._writing() as conn:
            building = self._building(conn)
            for suffix in ["", "_build"] if building else [""]:
                self._remove(conn, suffix, ids)
            if building:
                conn.executemany(
                    "INSERT OR IGNORE INTO touched (id) VALUES (?)", [(i,) for i in ids]
                )

    @staticmethod
    def _remove(conn: sqlite3.Connection, suffix: str, ids: list[int]) -> None:
        rows = [(i,) for i in ids]
        conn.executemany(f"DELETE FROM docs{suffix} WHERE id = ?", rows)  # noqa: S608
        conn.executemany(f"DELETE FROM fts{suffix} WHERE rowid = ?", rows)  # noqa: S608
        conn.executemany(f"DELETE FROM facets{suffix} WHERE id = ?", rows)  # noqa: S608
        # Grams stay: a word no document holds any more only costs a useless candidate,
        # and the next rebuild drops it.

    @staticmethod
    def _insert(conn: sqlite3.Connection, suffix: str, documents: list[Document]) -> None:
        if not documents:
            return
        doc_rows, fts_rows, facet_rows, vocabulary = [], [], [], set()
        for document in documents:
            text = _text_row(document)
            doc_rows.append(
                (
                    document["id"],
                    fold(document["display_name"]),
                    " ".join(terms(document["name"])),
                    " ".join(terms(document["brand"])),
                    document["latitude"],
                    document["longitude"],
                    document["employees"],
                    document["turnover"],
                    document["largest_contract"],
                    json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                )
            )
            fts_rows.append((document["id"], *text, " ".join(filter_tokens(document))))
            facet_rows.extend(_facet_rows(document))
            vocabulary.update(t for column in (text[0], text[2], text[3]) for t in column.split())
        conn.executemany(
            f"INSERT INTO docs{suffix} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            doc_rows,
        )
        conn.executemany(
            f"INSERT INTO fts{suffix} (rowid, name, ids, sectors, body, filters)"  # noqa: S608
            " VALUES (?, ?, ?, ?, ?, ?)",
            fts_rows,
        )
        conn.executemany(
            f"INSERT OR IGNORE INTO facets{suffix} VALUES (?, ?, ?)",  # noqa: S608
            facet_rows,
        )
        conn.executemany(
            f"INSERT OR IGNORE INTO grams{suffix} VALUES (?, ?, ?)",  # noqa: S608
            [
                (gram, len(term), term)
                for term in vocabulary
                if term.isalpha()
                for gram in trigrams(term)
            ],
        )

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Index ``documents`` into ``_build`` tables, a batch per transaction (searches and
        writes go on meanwhile, writes into both), then swap them in one transaction."""
        with self._writing() as conn:
            self._drop(conn, "_build")
            self._create(conn, "_build")
            conn.execute("DELETE FROM touched")
        count = 0
        iterator = iter(documents)
        try:
            while batch := list(islice(iterator, BATCH)):
                with self._writing() as conn:
                    touched = self._touched(conn, [d["id"] for d in batch])
                    fresh = [d for d in batch if d["status"] == "active" and d["id"] not in touched]
                    self._insert(conn, "_build", fresh)
                count += len(fresh)
            with self._writing() as conn:
                self._drop(conn, "")
                for table in _TABLES:
                    conn.execute(f"ALTER TABLE {table}_build RENAME TO {table}")
                conn.execute("DELETE FROM touched")
        except BaseException:
            with self._writing() as conn:
                self._drop(conn, "_build")
            raise
        return count

    @staticmethod
    def _touched(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
        rows = conn.execute(
            "SELECT id FROM touched WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
        return {row[0] for row in rows}

    @staticmethod
    def _drop(conn: sqlite3.Connection, suffix: str) -> None:
        for table in _TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}{suffix}")

    def count(self) -> int:
        with self._reading() as conn:
            return conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    # Reads -------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        with self._reading() as conn:
            plan = self._plan(conn, query)
            page, total, facets = self._execute(conn, plan, query)
        hits = tuple(self._hit(query, plan, row) for row in page)
        return SearchResult(
            total=total, page=query.page, per_page=query.per_page, hits=hits, facets=facets
        )

    def _plan(self, conn: sqlite3.Connection, query: SearchQuery) -> Plan:
        units = self._text_units(conn, query.text)
        groups = [unit.expression() for unit in units] + filter_expression(query)
        where: list[str] = []
        params: list[Any] = []
        for column, minimum in (
            ("employees", query.min_employees),
            ("turnover", query.min_turnover),
            ("largest_contract", query.min_contract),
        ):
            if minimum is not None:  # an unknown value does not pass a minimum
                where.append(f"d.{column} >= ?")
                params.append(minimum)
        if query.near and query.radius_km is not None:
            south, north, west, east = _bounding_box(
                query.near.latitude, query.near.longitude, query.radius_km
            )
            where.append(
                "d.latitude BETWEEN ? AND ? AND d.longitude BETWEEN ? AND ? "
                f"AND {_distance_sql()} <= ?"
            )
            params += [south, north, west, east]
            params += [query.near.latitude, query.near.latitude, query.near.longitude]
            params.append(query.radius_km)
        text_terms = terms(query.text)
        return Plan(
            match=" AND ".join(groups) if groups else None,
            where=where,
            params=params,
            units=units,
            exact_key=" ".join(text_terms) if units else None,
        )

    def _text_units(self, conn: sqlite3.Connection, text: str) -> list[TextUnit]:
        identifiers, rest = split_identifiers(text)
        units = [TextUnit(exact={digits}) for digits in identifiers]
        typed = words(rest)[: MAX_UNITS * 2]
        position = 0
        for phrase, synonyms in segment([stem(w) for w in typed], self._synonyms):
            unit = TextUnit()
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

    def _expand_word(self, conn: sqlite3.Connection, typed: str, unit: TextUnit) -> None:
        """The word's term, the words it begins (as typed: ``menuis``, not its stem
        ``menui``), and, only when those find nothing, the words within its typo budget:
        a known word is not also searched as its neighbours (``menage``/``message``)."""
        term = stem(typed)
        unit.exact.add(term)
        if len(typed) > MAX_WORD or not typed.isalpha():
            return
        if len(typed) >= MIN_PREFIX:
            unit.prefixes.add(typed)
        if not typo_budget(typed):
            return
        probe = unit.expression()
        if conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (probe,)).fetchone():
            return
        unit.exact.update(self._typo_candidates(conn, term, typo_budget(typed)))

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
            if (distance := edit_distance(term, candidate, budget)) <= budget
        )
        return [candidate for _, candidate in scored[:MAX_TYPO_CANDIDATES]]

    def _execute(
        self, conn: sqlite3.Connection, plan: Plan, query: SearchQuery
    ) -> tuple[list[tuple[int, float, str]], int, dict[str, dict[str, int]]]:
        """The page's (id, score, document JSON), the total and the facet counts."""
        source, params = self._source(plan, query)
        order = self._order(plan, query)
        offset = (query.page - 1) * query.per_page
        facets = [name for name in query.facets if name in FACET_FIELDS]
        if STRATEGY == "single":
            sql = (
                f"WITH hits AS MATERIALIZED ({source}) "
                f"SELECT 0, id, score, NULL, NULL FROM "
                f"(SELECT * FROM hits ORDER BY {order} LIMIT ? OFFSET ?) "
                "UNION ALL SELECT 1, count(*), NULL, NULL, NULL FROM hits "
                "UNION ALL SELECT 2, count(*), NULL, f.facet, f.value "
                "FROM hits JOIN facets f ON f.id = hits.id "
                "WHERE f.facet IN (SELECT value FROM json_each(?)) GROUP BY f.facet, f.value"
            )
            rows = conn.execute(
                sql, [*params, query.per_page, offset, json.dumps(facets)]
            ).fetchall()
            page_rows = [(r[1], r[2]) for r in rows if r[0] == 0]
            total = next(r[1] for r in rows if r[0] == 1)
            counts: dict[str, dict[str, int]] = {name: {} for name in facets}
            for _, n, _, facet, value in (r for r in rows if r[0] == 2):
                counts[facet][value] = n
        else:
            page_rows = conn.execute(
                f"SELECT id, score FROM ({source}) ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, query.per_page, offset],
            ).fetchall()
            total = conn.execute(f"SELECT count(*) FROM ({source})", params).fetchone()[0]
            counts = {name: {} for name in facets}
            if facets:
                rows = conn.execute(
                    "SELECT facet, value, count(*) FROM facets "
                    f"WHERE id IN (SELECT id FROM ({source})) "
                    "AND facet IN (SELECT value FROM json_each(?)) GROUP BY facet, value",
                    [*params, json.dumps(facets)],
                )
                for facet, value, n in rows:
                    counts[facet][value] = n
        documents = dict(
            conn.execute(
                "SELECT id, document FROM docs WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([r[0] for r in page_rows]),),
            ).fetchall()
        )
        page = [(i, score, documents[i]) for i, score in page_rows]
        return page, total, counts

    @staticmethod
    def _source(plan: Plan, query: SearchQuery) -> tuple[str, list[Any]]:
        """The SELECT of every hit: id, score, distance and sort key."""
        params: list[Any] = []
        columns = ["d.id AS id", "d.sort_key AS sort_key"]
        if plan.match:
            columns.append(
                f"CASE WHEN ? IN (d.name_key, d.brand_key) THEN {EXACT_NAME_BONUS} ELSE 0 END "
                f"- bm25(fts, {', '.join(map(str, WEIGHTS))}) AS score"
            )
            params.append(plan.exact_key)
        else:
            columns.append("0.0 AS score")
        origin = query.origin
        if query.sort == "distance" and origin:
            columns.append(f"{_distance_sql()} AS distance")
            params += [origin[0], origin[0], origin[1]]
        sql = f"SELECT {', '.join(columns)} "
        where = list(plan.where)
        if plan.match:
            sql += "FROM fts JOIN docs d ON d.id = fts.rowid "
            where.insert(0, "fts MATCH ?")
            params.append(plan.match)
        else:
            sql += "FROM docs d "
        if where:
            sql += "WHERE " + " AND ".join(where)
        return sql, params + plan.params

    @staticmethod
    def _order(plan: Plan, query: SearchQuery) -> str:
        if query.sort == "distance" and query.origin:
            return "distance IS NULL, distance, sort_key, id"
        if query.sort == "relevance" and plan.match and plan.units:
            return "score DESC, sort_key, id"
        return "sort_key, id"

    def _hit(self, query: SearchQuery, plan: Plan, row: tuple[int, float, str]) -> Hit:
        identifier, score, raw = row
        document = json.loads(raw)
        distance = None
        origin = query.origin
        if origin and document["latitude"] is not None:
            distance = round(
                haversine_km(origin[0], origin[1], document["latitude"], document["longitude"]),
                1,
            )
        matched = matched_terms(document, plan.units)
        return Hit(
            id=identifier,
            siret=document["siret"],
            name=document["display_name"],
            kind=document["kind"],
            sectors=tuple(document["sectors"]),
            commune=document["commune_name"],
            departement=document["departement"],
            latitude=document["latitude"],
            longitude=document["longitude"],
            distance_km=distance,
            score=round(score, 4),
            reasons=explain(query, document, distance_km=distance, matched_terms=matched),
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Display names whose name words begin with each word typed (typo-tolerant on
        whole words when nothing begins so)."""
        with self._reading() as conn:
            units = []
            for typed in words(prefix)[:MAX_UNITS]:
                unit = TextUnit()
                self._expand_word(conn, typed, unit)
                units.append(unit)
            if not units or limit < 1:
                return []
            match = " AND ".join(f"name : {unit.expression()}" for unit in units)
            rows = conn.execute(
                "SELECT d.document ->> '$.display_name' FROM fts JOIN docs d ON d.id = fts.rowid "
                f"WHERE fts MATCH ? ORDER BY bm25(fts, {', '.join(map(str, WEIGHTS))}), d.sort_key "
                "LIMIT ?",
                (match, limit * 2),
            ).fetchall()
        return list(dict.fromkeys(name for (name,) in rows))[:limit]


STRATEGY = "single"


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
    ):
        found.extend(_matches_in(text, units))
        if len(dict.fromkeys(found)) >= MAX_MATCHED_TERMS:
            break
    return tuple(dict.fromkeys(found))[:MAX_MATCHED_TERMS]


def _matches_in(text: str, units: list[TextUnit]) -> Iterator[str]:
    """Words of ``text`` matched by a unit, a phrase as its words joined by spaces."""
    originals = [w.lower() for w in _ORIGINAL_WORD.findall(text or "")]
    analysed = [(w, stem(fold(w))) for w in originals if fold(w) and fold(w) not in STOP_WORDS]
    stems = [s for _, s in analysed]
    for unit in units:
        for size in range(unit.longest, 0, -1):
            for start in range(len(stems) - size + 1):
                if unit.matches(tuple(stems[start : start + size])):
                    yield " ".join(w for w, _ in analysed[start : start + size])
