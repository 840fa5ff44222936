"""The Meilisearch backend, over the official client.

What is sent and read is built by ``search.meili_schema``; this module moves it, waits for
the server's tasks (always with a timeout) and turns a server that cannot be reached into
``SearchUnavailable``, so the outbox keeps its rows and retries them on the next drain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)
from meilisearch.models.task import Task, TaskInfo

from search.backend import Document, SearchUnavailable
from search.meili_schema import (
    ids_filter,
    index_settings,
    known_words,
    parse_response,
    search_params,
    search_text,
    settings_drift,
    suggest_params,
    synonym_words,
    to_meili_document,
    wants_partial,
)
from search.query import SearchQuery
from search.results import SearchResult
from search.synonyms import default_synonyms

BATCH_SIZE = 5000
DELETE_BATCH_SIZE = 1000  # ids per filter: keeps each filter expression short
TASK_POLL_MS = 100


class IndexingFailed(RuntimeError):
    """The server refused a write (its task failed): retrying the same data will not help."""


_READS = frozenset({"search", "suggest", "count"})


@contextmanager
def _unavailable_on_failure(action: str) -> Iterator[None]:
    try:
        yield
    except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
        raise SearchUnavailable(f"Meilisearch unavailable ({action}): {exc.message}") from exc
    except MeilisearchApiError as exc:
        # A refused read (e.g. an index created elsewhere without our filterable
        # attributes) is an outage to the visitor, not a crash; `flask search reindex`
        # rebuilds the index with our settings. A refused write is raised as it is.
        if exc.status_code >= 500 or exc.code == "index_not_found" or action in _READS:
            raise SearchUnavailable(f"Meilisearch unavailable ({action}): {exc.message}") from exc
        raise


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class MeiliBackend:
    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        index: str = "enterprises",
        *,
        timeout_ms: int = 2000,
        task_timeout_ms: int = 120_000,
        batch_size: int = BATCH_SIZE,
    ):
        # timeout_ms bounds each HTTP request (a search, an enqueue); task_timeout_ms bounds
        # the wait for the server to finish a write, which on 200,000 documents takes long.
        self.client = meilisearch.Client(url, api_key, timeout=timeout_ms / 1000)
        self.index_uid = index
        self.task_timeout_ms = task_timeout_ms
        self.batch_size = batch_size
        self.settings = index_settings(default_synonyms()[1])
        self._ready = False
        self._known: set[str] | None = None  # the index's known words, once read

    # --- Reading --------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        params = search_params(query)
        text = params.pop("q")
        with _unavailable_on_failure("search"):
            index = self.client.index(self.index_uid)
            response = index.search(text, params)
            if text and wants_partial(query, response["totalHits"]):
                # Too few documents hold every word: the partial matches after them.
                params["matchingStrategy"] = "last"
                response = index.search(text, params)
        return parse_response(query, response)

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        # The last word is still being typed: two letters already narrow it (as embedded).
        text = search_text(prefix, min_prefix=2)
        if not text:
            return []
        with _unavailable_on_failure("suggest"):
            response = self.client.index(self.index_uid).search(text, suggest_params(limit))
        return list(dict.fromkeys(hit["display_name"] for hit in response["hits"]))

    def count(self) -> int:
        with _unavailable_on_failure("count"):
            if not self._exists(self.index_uid):
                return 0
            return self.client.index(self.index_uid).get_stats().number_of_documents

    # --- Writing --------------------------------------------------------------------------

    def upsert(self, documents: list[Document]) -> None:
        if not documents:
            return
        self._ensure_ready()
        with _unavailable_on_failure("upsert"):
            known: set[str] = set()
            self._add(self.index_uid, documents, known)
            self._add_known_words(known)

    def delete(self, ids: list[int]) -> None:
        if not ids:
            return
        self._ensure_ready()
        index = self.client.index(self.index_uid)
        with _unavailable_on_failure("delete"):
            for batch in _batches(ids, DELETE_BATCH_SIZE):
                self._wait(index.delete_documents(filter=ids_filter(batch)), "delete documents")

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Index ``documents`` into a fresh index, then swap it with the live one: searches
        keep answering from the old index until the swap, which is atomic."""
        building = f"{self.index_uid}_new_{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        with _unavailable_on_failure("rebuild"):
            self._create(building)
            try:
                self._apply_settings(building)
                known: set[str] = set()
                count = self._add(building, documents, known)
                self._set_known_words(building, known)
                if not self._exists(self.index_uid):
                    self._create(self.index_uid)  # a swap needs both indexes to exist
                swap = self.client.swap_indexes([{"indexes": [self.index_uid, building]}])
                self._wait(swap, "swap indexes")
            except BaseException:
                self._drop_quietly(building)
                raise
            # After the swap, ``building`` holds the previous documents.
            self._wait(self.client.delete_index(building), "delete the previous index")
        self._ready = True
        return count

    def ensure_index(self) -> list[str]:
        """Create the index if missing and apply our settings where the server's differ;
        returns the settings that were changed."""
        with _unavailable_on_failure("ensure index"):
            if not self._exists(self.index_uid):
                self._create(self.index_uid)
            current = self.client.index(self.index_uid).get_settings()
            drift = settings_drift(self.settings, current)
            if drift:
                self._apply_settings(self.index_uid)
        self._ready = True
        return drift

    # --- Helpers --------------------------------------------------------------------------

    def _ensure_ready(self) -> None:
        # Once per process: adding documents to a missing index would create it with
        # default settings, where none of our filters work.
        if not self._ready:
            self.ensure_index()

    def _add(self, uid: str, documents: Iterable[Document], known: set[str]) -> int:
        """Add ``documents``; ``known`` receives their words (``known_words``)."""
        index = self.client.index(uid)
        count = 0
        for batch in _batches(documents, self.batch_size):
            stored = [to_meili_document(d) for d in batch]
            for document in stored:
                known |= known_words(document)
            self._wait(index.add_documents(stored, primary_key="id"), "add documents")
            count += len(batch)
        return count

    def _set_known_words(self, uid: str, known: set[str]) -> None:
        """No typo around a word the index holds (``known_words``): the embedded rule."""
        words = known | synonym_words(self.settings["synonyms"])
        task = self.client.index(uid).update_typo_tolerance({"disableOnWords": sorted(words)})
        self._wait(task, "update known words")
        self._known = words

    def _add_known_words(self, known: set[str]) -> None:
        """Upserted documents may bring words the index did not hold: they join the
        known words (read from the server once per process). Words of deleted documents
        stay: a word kept known by mistake is only searched without its typos."""
        if self._known is None:
            current = self.client.index(self.index_uid).get_typo_tolerance()
            self._known = set(current.disable_on_words or ())
        if not known <= self._known:
            self._set_known_words(self.index_uid, self._known | known)

    def _apply_settings(self, uid: str) -> None:
        self._wait(self.client.index(uid).update_settings(self.settings), "update settings")

    def _exists(self, uid: str) -> bool:
        try:
            self.client.get_raw_index(uid)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return False
            raise
        return True

    def _create(self, uid: str) -> None:
        task = self.client.create_index(uid, {"primaryKey": "id"})
        # Another process may have created it between our check and our request.
        self._wait(task, f"create index {uid}", tolerated="index_already_exists")

    def _drop_quietly(self, uid: str) -> None:
        """Best-effort removal of a half-built index: the error that stopped the rebuild is
        the one worth reporting, and a leftover index holds no live data."""
        with suppress(MeilisearchError):
            self.client.delete_index(uid)

    def _wait(self, info: TaskInfo, action: str, tolerated: str | None = None) -> Task:
        task = self.client.wait_for_task(
            info.task_uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=TASK_POLL_MS
        )
        error = task.error or {}
        if task.status != "succeeded" and not (tolerated and error.get("code") == tolerated):
            raise IndexingFailed(
                f"Meilisearch {action}: task {task.uid} {task.status}: "
                f"{error.get('code')}: {error.get('message')}"
            )
        return task
