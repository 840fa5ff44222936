"""The search outbox's drain as a process of its own (``flask search worker``): changes
reach the index within a couple of seconds of their commit, whatever wrote them (a page,
an import, the API), and an engine that is down is retried with an exponential backoff —
the rows stay in the outbox meanwhile, nothing is lost. A loop on the database we already
have: no queue server to run for one kind of job (see README, "Production")."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from search.backend import SearchBackend
from webapp.indexing.sync import sync_outbox


@dataclass
class WorkerReport:
    rounds: int = 0
    indexed: int = 0
    deleted: int = 0
    failures: int = 0
    waits: list[float] = field(default_factory=list)
    last_error: str | None = None


def backoff(failures: int, interval: float, ceiling: float) -> float:
    """The wait after ``failures`` failed drains in a row: interval × 2^failures, capped."""
    return min(ceiling, interval * 2**failures) if failures else interval


def run(
    session: Session,
    backend: SearchBackend,
    *,
    interval: float = 2.0,
    ceiling: float = 60.0,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
    release: Callable[[], None] = lambda: None,
) -> WorkerReport:
    """Drain, wait, drain again until ``stop()`` (or ``rounds`` drains); ``release`` after
    each drain gives the connection back (no transaction held while waiting)."""
    report = WorkerReport()
    failures = 0
    while not stop() and (rounds is None or report.rounds < rounds):
        drained = sync_outbox(session, backend)
        release()
        report.rounds += 1
        report.indexed += drained.indexed
        report.deleted += drained.deleted
        if drained.failed:
            failures += 1
            report.failures += 1
            report.last_error = drained.error
        else:
            failures = 0
        wait = backoff(failures, interval, ceiling)
        report.waits.append(wait)
        if rounds is None or report.rounds < rounds:
            sleep(wait)
    return report
