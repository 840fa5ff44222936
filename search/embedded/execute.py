"""One search on the embedded index, from the query to the result: its plan, its hits
(layer by layer), the page in the query's order, the facet counts, the hits' reasons."""

from __future__ import annotations

import json

import numpy as np

from search.backend import Document
from search.embedded import hits, order
from search.embedded.database import Database, unavailable_on_error
from search.embedded.facets import read_bitmaps
from search.embedded.index import PerGeneration, bodies, read_positions, size
from search.embedded.plan import Plan, plan_for
from search.embedded.text import matched_terms
from search.fields import FACET_FIELDS
from search.query import SearchQuery
from search.reasons import distance_from_origin, hit_from_document
from search.results import Hit, SearchResult
from search.text import Phrase


class Searcher:
    """Searches of one index database, with its synonym table, and the facet bitmaps and
    positions of the index generation last read."""

    def __init__(self, database: Database, synonyms: dict[Phrase, tuple[Phrase, ...]]):
        self._database = database
        self._synonyms = synonyms
        self._bitmaps = PerGeneration(read_bitmaps)
        self._positions = PerGeneration(read_positions)

    def search(self, query: SearchQuery) -> SearchResult:
        """Results and facets for ``query``, from one read transaction."""
        with unavailable_on_error("search"), self._database.reading() as conn:
            plan = plan_for(conn, query, self._synonyms)
            near = None if plan.near is None else self._positions.get(conn).within(plan.near)
            found = hits.matching(conn, plan, near)  # None: every document
            layers = hits.layers(conn, plan, found, near)
            if len(layers) > 1:  # the complete matches, then the partial ones
                found = sorted(slot for _, layer in layers for slot in layer)
            page = order.page(conn, query, layers)
            facets = [f for f in query.facets if f in FACET_FIELDS]
            counts = {}
            if facets:
                counts = self._bitmaps.get(conn).counts(
                    facets, None if found is None else np.array(found, dtype=np.int64)
                )
            total = size(conn) if found is None else len(found)
            stored = bodies(conn, [slot for slot, _ in page])
        return SearchResult(
            total=total,
            page=query.page,
            per_page=query.per_page,
            hits=tuple(_hit(query, plan, json.loads(stored[s]), score) for s, score in page),
            facets=counts,
        )


def _hit(query: SearchQuery, plan: Plan, document: Document, score: float) -> Hit:
    return hit_from_document(
        query,
        document,
        score=score,
        distance_km=distance_from_origin(query, document),
        matched_terms=matched_terms(document, plan.units),
    )
