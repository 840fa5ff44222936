"""A page of hits in the query's order: by relevance (in tiers), by name or by distance,
layer after layer of partial matches.

Measured on 200,000 documents:

- ``bm25()`` costs ~3 µs a hit: 40 ms to rank the 12,000 hits of ``nettoyage``. Relevance
  is therefore in tiers (exact name; every word as typed in the name or SIRET; every word
  with its prefixes, typos and synonyms there; in the sectors; anywhere), each tier one
  FTS query looked up only when the page reaches it, index order within a tier.
- A relevance tier is the text in some columns AND the filter tokens: FTS5 merges the
  filter's short doclists into the text's, 3 ms instead of 9 ms for ``nettoyage`` in a
  région's sector group (52 hits out of 12,000 text matches).
- Sorting a hit set by name in SQL (``IN json_each`` then ORDER BY) costs ~1.4 µs a hit;
  walking the name index and keeping the hits costs ~0.7 µs a row walked: the cheaper of
  the two is chosen per query (``_by_name``).
"""

from __future__ import annotations

import heapq
import json
import sqlite3

from search.embedded.geometry import unit_vector
from search.embedded.hits import Layer, text_matches
from search.embedded.index import size
from search.embedded.plan import Plan
from search.query import SearchQuery

# Relevance tiers, best first; a hit's score is its tier's. Within a tier, hits keep index
# order (by id, documents changed since the last rebuild last): any stable order would do.
EXACT_NAME, NAME_AS_TYPED, IN_NAME, IN_SECTORS, ANYWHERE = 5.0, 4.0, 3.0, 2.0, 1.0
PARTIAL_SCORE_FACTOR = 0.1  # per word dropped: 5.0 (best tier) x 0.1 < 1.0 (worst tier)
NAME_COLUMNS = "{name ids}"
SECTOR_COLUMNS = "{name ids sectors}"
# Below this many hits, the tiers' FTS queries carry the token filters too (3 ms instead
# of 9 for "nettoyage" in a région's sector group; dearer for a kind that keeps most).
NARROW_TIERS_BELOW = 2000
# Walking the name index costs about half a name sort per hit (see the module docstring).
WALK_TO_SORT_COST = 2.0

Scored = tuple[int, float]  # (slot, score)


def page(conn: sqlite3.Connection, query: SearchQuery, layers: list[Layer]) -> list[Scored]:
    """The page's (slot, score), in the query's order, layer after layer: a partial
    match always comes after the complete ones, its score a tenth of theirs per word
    dropped (below any complete match's)."""
    offset = (query.page - 1) * query.per_page
    found: list[Scored] = []
    for dropped, (plan, hits) in enumerate(layers):
        if hits is not None and offset >= len(hits):
            offset -= len(hits)
            continue
        taken = _layer_page(conn, plan, query, hits, offset, query.per_page - len(found))
        found += [(slot, score * PARTIAL_SCORE_FACTOR**dropped) for slot, score in taken]
        offset = 0
        if len(found) >= query.per_page:
            break
    return found


def _layer_page(
    conn: sqlite3.Connection,
    plan: Plan,
    query: SearchQuery,
    hits: list[int] | None,
    offset: int,
    limit: int,
) -> list[Scored]:
    """``limit`` (slot, score) of one layer's hits from ``offset``, in the query's order."""
    if query.sort == "distance" and query.origin:
        slots = _by_distance(conn, hits, query.origin, offset, limit)
    elif query.sort == "name":
        slots = _by_name(conn, hits, offset, limit)
    elif plan.units and hits is not None:
        return _by_relevance(conn, plan, set(hits), offset, limit)
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
    conn: sqlite3.Connection, plan: Plan, hits: set[int], offset: int, limit: int
) -> list[Scored]:
    """Tier after tier; a tier is looked up only when the page reaches it."""
    narrow = len(hits) <= NARROW_TIERS_BELOW

    def text_in(columns: str, as_typed: bool = False) -> str:
        return plan.text_in(columns, as_typed, narrow)

    tiers = (
        (EXACT_NAME, lambda: _exact_names(conn, plan.exact_key)),
        (NAME_AS_TYPED, lambda: text_matches(conn, text_in(NAME_COLUMNS, True))),
        (IN_NAME, lambda: text_matches(conn, text_in(NAME_COLUMNS))),
        (IN_SECTORS, lambda: text_matches(conn, text_in(SECTOR_COLUMNS))),
        (ANYWHERE, lambda: hits),
    )
    found: list[Scored] = []
    seen: set[int] = set()
    for score, members in tiers:
        tier = (members() & hits) - seen
        seen |= tier
        taken = heapq.nsmallest(offset + limit - len(found), tier)[offset:]
        found += [(slot, score) for slot in taken]
        offset = max(0, offset - len(tier))
        if len(found) >= limit:
            break
    return found


def _exact_names(conn: sqlite3.Connection, key: str) -> set[int]:
    if not key:
        return set()
    rows = conn.execute("SELECT slot FROM docs WHERE name_key = ?1 OR brand_key = ?1", (key,))
    return {slot for (slot,) in rows}


def _by_name(
    conn: sqlite3.Connection, hits: list[int] | None, offset: int, limit: int
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
    if (offset + limit) * size(conn) / len(hits) <= budget:
        walked = _walk(conn, set(hits), offset + limit, budget)
        if walked is not None:
            return walked[offset:]
    rows = conn.execute(
        "SELECT slot FROM docs WHERE slot IN (SELECT value FROM json_each(?)) "
        "ORDER BY sort_key, id LIMIT ? OFFSET ?",
        (json.dumps(hits), limit, offset),
    )
    return [slot for (slot,) in rows]


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
