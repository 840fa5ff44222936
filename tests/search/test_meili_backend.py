"""The Meilisearch backend against a server.

A closed port needs no server: those tests always run. The others need a live Meilisearch
at ``MEILI_URL`` (with ``MEILI_MASTER_KEY`` if it has one) and are skipped otherwise; each
works in an index of its own, removed afterwards.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from search.backend import SearchUnavailable
from search.meili import MeiliBackend
from search.query import SearchQuery
from tests.search.conftest import meili_url
from webapp.indexing.sync import sync_outbox
from webapp.models import SearchOutbox

CLOSED_PORT = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused


@pytest.fixture
def unreachable() -> MeiliBackend:
    return MeiliBackend(CLOSED_PORT, None, timeout_ms=200, task_timeout_ms=200)


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.search(SearchQuery(text="menuiserie")),
        lambda b: b.suggest("menui"),
        lambda b: b.count(),
        lambda b: b.upsert([{"id": 1}]),
        lambda b: b.delete([1]),
        lambda b: b.rebuild([{"id": 1}]),
        lambda b: b.ensure_index(),
    ],
    ids=["search", "suggest", "count", "upsert", "delete", "rebuild", "ensure_index"],
)
def test_a_refused_connection_raises_search_unavailable_quickly(unreachable, call):
    started = time.monotonic()
    with pytest.raises(SearchUnavailable, match="Meilisearch unavailable"):
        call(unreachable)
    assert time.monotonic() - started < 2


def test_an_unreachable_server_leaves_the_changes_in_the_outbox(session, unreachable):
    session.add(SearchOutbox(enterprise_id=999_999))  # gone from the database: a deletion
    session.commit()
    report = sync_outbox(session, unreachable)
    assert report.failed == 1 and "Meilisearch unavailable" in report.error
    row = session.scalars(select(SearchOutbox)).one()
    assert row.attempts == 1 and "Meilisearch unavailable" in row.last_error


# --- Live server ------------------------------------------------------------------------


@pytest.fixture
def live_url() -> str:
    url = meili_url()
    if url is None:
        pytest.skip("no Meilisearch server answering at MEILI_URL (unset or down)")
    return url


@pytest.fixture
def index_name(live_url):
    name = f"test_enterprises_{uuid.uuid4().hex[:8]}"
    yield name
    client = MeiliBackend(live_url, os.environ.get("MEILI_MASTER_KEY"), index=name).client
    for raw in client.get_raw_indexes({"limit": 1000})["results"]:
        if raw["uid"].startswith(name):
            client.delete_index(raw["uid"])


def _backend(url: str, index: str, **options) -> MeiliBackend:
    return MeiliBackend(url, os.environ.get("MEILI_MASTER_KEY"), index=index, **options)


def test_settings_applied_once_are_recognised_by_the_server(live_url, index_name):
    backend = _backend(live_url, index_name)
    assert backend.ensure_index()  # a new index: every setting applied
    assert backend.ensure_index() == []  # the server echoes back what settings_drift expects


def test_upsert_count_and_delete(live_url, index_name, search_documents):
    backend = _backend(live_url, index_name, batch_size=1000)
    backend.upsert(search_documents[:2500])
    assert backend.count() == 2500
    backend.delete([d["id"] for d in search_documents[:10]])
    assert backend.count() == 2490


def test_rebuild_swaps_while_searches_keep_answering(live_url, index_name, search_documents):
    backend = _backend(live_url, index_name, batch_size=500)
    backend.upsert(search_documents[:300])
    totals, errors = [], []

    def rebuild() -> None:
        try:
            backend.rebuild(search_documents)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    worker = threading.Thread(target=rebuild)
    worker.start()
    while worker.is_alive():
        totals.append(backend.search(SearchQuery(facets=())).total)
    worker.join()
    assert not errors
    assert set(totals) <= {300, len(search_documents)} and totals
    assert backend.count() == len(search_documents)
    leftovers = [
        raw["uid"]
        for raw in backend.client.get_raw_indexes({"limit": 1000})["results"]
        if raw["uid"].startswith(f"{index_name}_new_")
    ]
    assert leftovers == []


def test_a_task_wait_that_times_out_raises_search_unavailable(
    live_url, index_name, search_documents
):
    backend = _backend(live_url, index_name, task_timeout_ms=1)
    with pytest.raises(SearchUnavailable):
        backend.upsert(search_documents[:2000])
