"""What every search backend offers (the engines are chosen in ``search.engines``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from search.query import SearchQuery
from search.results import SearchResult

Document = dict[str, Any]


class SearchUnavailable(RuntimeError):
    """The search engine could not be reached, did not answer in time or has no index yet.
    Nothing was lost: the outbox keeps the pending changes and the next drain retries."""


class SearchBackend(Protocol):
    name: str

    def search(self, query: SearchQuery) -> SearchResult:
        """Results and facets for ``query``; never raises on odd text."""

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Names (display names) starting with or close to ``prefix``, for the search box."""

    def upsert(self, documents: list[Document]) -> None:
        """Add or replace documents by ``id``."""

    def delete(self, ids: list[int]) -> None:
        """Remove documents; unknown ids are ignored."""

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index with ``documents`` (readers keep the old one until done)."""

    def count(self) -> int:
        """How many documents the index holds."""
