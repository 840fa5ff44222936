"""The embedded search backend: SQLite FTS5 in a database of its own (a file, or memory),
with facet bitmaps and positions held in memory; no service to run.

A document's rowid everywhere is its *slot*, a small integer, so that sets of hits are
cheap bitmaps. User text never reaches SQL or FTS syntax: it is analysed into ``[a-z0-9]``
terms, each quoted in the MATCH expression (``tokens.quoted`` refuses anything else); SQL
values are bound.

One job a module; ``backend.EmbeddedBackend`` composes them:

- ``database``: the index file's connections and transactions;
- ``index``: the tables, and the writes that keep them (upsert, delete, rebuild);
- ``tokens``: the filter tokens a document is indexed under and a query filters on, and
  the one way a token reaches a MATCH expression;
- ``text``: a document's analysed text columns, a query's words as text units (prefixes,
  typos, synonyms), the words a hit matched;
- ``geometry``: positions on the unit sphere and the radius around a point;
- ``facets``: facet values as bitmaps of slots, kept by writes, counted by searches;
- ``plan``: a ``SearchQuery`` made ready for SQL;
- ``hits``: the slots a plan matches, by layer of words kept (partial matches);
- ``order``: a page of hits in the query's order (relevance tiers, name, distance);
- ``execute``: one search, from the query to the result;
- ``suggest``: names for the search box.

The design was shaped by measurements on 200,000 documents (the snapshot cycled, a file
index, one thread); each module's docstring gives those that concern it.
"""

from search.embedded.backend import EmbeddedBackend

__all__ = ["EmbeddedBackend"]
