"""The outbox worker (``flask search worker``): it drains what any writer queued, waits
its interval, backs off exponentially (capped) while the engine is down — keeping every
change — and comes back to its interval once the engine takes them. Run on the real
embedded engine, and on an engine that refuses (ours, for the outage)."""

from __future__ import annotations

from sqlalchemy import func, select

from importers.enterprise_loader import load_enterprises
from search.query import SearchQuery
from tests.importers.factories import BALUCHON, parse_siae_rows
from webapp.indexing import worker
from webapp.models import SearchOutbox


class _Refusing:
    """An engine that is down for its first ``down`` drains (not any engine's behaviour:
    what the worker does around it)."""

    name = "flaky"

    def __init__(self, engine, down: int):
        self.engine, self.down = engine, down

    def upsert(self, documents):
        if self.down:
            self.down -= 1
            raise ConnectionError("engine down")
        self.engine.upsert(documents)

    def delete(self, ids):
        self.engine.delete(ids)


def _pending(session) -> int:
    return session.scalar(select(func.count()).select_from(SearchOutbox))


def test_backoff_doubles_up_to_its_ceiling():
    assert [worker.backoff(n, 2.0, 60.0) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_the_worker_drains_into_the_engine(session, search_backend):
    load_enterprises(session, parse_siae_rows(BALUCHON), source="t", actor="t")
    assert _pending(session) == 1
    waits = []
    report = worker.run(session, search_backend, rounds=2, sleep=waits.append)
    assert (report.rounds, report.indexed, report.failures) == (2, 1, 0)
    assert waits == [2.0] and _pending(session) == 0
    assert search_backend.search(SearchQuery(text="baluchon")).total == 1


def test_an_engine_down_is_retried_with_backoff_and_nothing_lost(session, search_backend):
    load_enterprises(session, parse_siae_rows(BALUCHON), source="t", actor="t")
    flaky = _Refusing(search_backend, down=3)
    waits = []
    report = worker.run(session, flaky, rounds=5, sleep=waits.append, interval=1.0, ceiling=5)
    assert report.failures == 3 and "engine down" in report.last_error
    assert waits == [2.0, 4.0, 5.0, 1.0]  # backed off, capped, then back to the interval
    assert report.indexed == 1 and _pending(session) == 0
    assert search_backend.search(SearchQuery(text="baluchon")).total == 1


def test_the_worker_stops_when_asked(session, search_backend):
    asked = iter([False, True])
    report = worker.run(session, search_backend, stop=lambda: next(asked), sleep=lambda s: None)
    assert report.rounds == 1
