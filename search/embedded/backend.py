"""``EmbeddedBackend``: the ``SearchBackend`` of the embedded index, composing its parts
(``search.embedded``): the database, the index writes, searches, suggestions."""

from __future__ import annotations

from collections.abc import Iterable

from search.backend import Document
from search.embedded import index
from search.embedded.database import Database
from search.embedded.execute import Searcher
from search.embedded.suggest import suggestions
from search.query import SearchQuery
from search.results import SearchResult
from search.synonyms import default_synonyms
from search.text import synonym_table


class EmbeddedBackend:
    """SearchBackend on SQLite FTS5; ``path`` is a file or ``":memory:"``
    (``database.Database``). ``synonyms``: groups and rules in place of the shipped ones."""

    name = "embedded"

    def __init__(self, path: str = ":memory:", synonyms: Iterable[Iterable[str]] | None = None):
        self.path = path
        self._database = Database(path)
        table = synonym_table(default_synonyms()[1] if synonyms is None else synonyms)
        self._searcher = Searcher(self._database, table)
        index.prepare(self._database)

    def search(self, query: SearchQuery) -> SearchResult:
        """Results and facets for ``query`` (``execute.Searcher``)."""
        return self._searcher.search(query)

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Names for the search box (``suggest.suggestions``)."""
        return suggestions(self._database, prefix, limit)

    def upsert(self, documents: list[Document]) -> None:
        """Add or replace documents by id, searchable at once (``index.upsert``)."""
        index.upsert(self._database, documents)

    def delete(self, ids: list[int]) -> None:
        """Remove documents; unknown ids are ignored (``index.delete``)."""
        index.delete(self._database, ids)

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index, searches going on meanwhile (``index.rebuild``)."""
        return index.rebuild(self._database, documents)

    def count(self) -> int:
        """How many documents the index holds."""
        return index.count(self._database)

    def close(self) -> None:
        """Close the connections not in use (all of them, once searches are over)."""
        self._database.close()
