"""``flask --app webapp search ...``: keep the search index in line with the database."""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from search.backend import SearchUnavailable
from webapp.extensions import db
from webapp.indexing import worker
from webapp.indexing.engine import get_backend
from webapp.indexing.sync import SyncReport, active_count, reindex, sync_outbox
from webapp.models import SearchOutbox

search_group = click.Group("search", help="Build and update the search index.")


def _backend(recover: bool = False):
    """The app's engine; an unreadable embedded index file is a clear error, or — when
    rebuilding (``recover``) — moved aside (kept for inspection) and started afresh."""
    try:
        return get_backend(current_app)
    except SearchUnavailable as error:
        path = current_app.config.get("SEARCH_INDEX_PATH") or ":memory:"
        if not recover or current_app.config.get("MEILI_URL") or path == ":memory:":
            raise click.ClickException(f"search index unavailable: {error}") from error
        aside = f"{path}.unreadable-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.replace(path + suffix, aside + suffix)
        click.echo(f"unreadable index file moved to {aside}; building a new one", err=True)
        current_app.extensions.pop("search_backend", None)
        return get_backend(current_app)


@search_group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the whole index from the database (readers keep the old one meanwhile)."""
    backend = _backend(recover=True)
    count = reindex(db.session, backend)
    click.echo(f"{backend.name}: {count} enterprises indexed", err=True)


@search_group.command("sync")
@click.option(
    "--repair", is_flag=True, help="Rebuild the index if it does not hold every active enterprise."
)
@with_appcontext
def sync_command(repair: bool) -> None:
    """Send pending changes (the outbox) to the index; retried until the engine takes them."""
    backend = _backend(recover=repair)
    report = drain(backend)
    if report.error:
        raise click.ClickException(
            f"{backend.name} refused the update, kept for later: {report.error}"
        )
    active = active_count(db.session)
    if repair and backend.count() != active:
        click.echo(
            f"{backend.name}: index holds {backend.count()} of {active}, rebuilding", err=True
        )
        reindex(db.session, backend)


@search_group.command("status")
@with_appcontext
def status_command() -> None:
    """Documents in the index, active enterprises, and changes waiting in the outbox."""
    backend = _backend()
    pending = db.session.scalar(select(func.count()).select_from(SearchOutbox))
    click.echo(
        f"backend: {backend.name}\nindexed: {backend.count()}\n"
        f"active enterprises: {active_count(db.session)}\npending changes: {pending}"
    )


@search_group.command("worker")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between drains.")
@click.option("--max-backoff", default=60.0, show_default=True, help="Longest wait after failures.")
@with_appcontext
def worker_command(interval: float, max_backoff: float) -> None:
    """Drain the outbox continuously (a process beside the web workers); stops on SIGTERM
    or Ctrl-C after the drain in progress."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    backend = get_backend(current_app)
    click.echo(f"search worker: draining into {backend.name} every {interval:g} s", err=True)
    try:
        report = worker.run(
            db.session,
            backend,
            interval=interval,
            ceiling=max_backoff,
            stop=lambda: bool(stopping),
            release=db.session.remove,
        )
    except KeyboardInterrupt:
        return
    click.echo(
        f"search worker stopped: {report.rounds} drains, {report.indexed} indexed, "
        f"{report.deleted} removed, {report.failures} failed",
        err=True,
    )


def drain(backend) -> SyncReport:
    """Drain the outbox with a progress bar; the report says what was indexed or failed."""
    pending = db.session.scalar(select(func.count()).select_from(SearchOutbox))
    with click.progressbar(length=pending, label="Index", file=sys.stderr) as bar:
        report = sync_outbox(db.session, backend, progress=bar.update)
    click.echo(
        f"{backend.name}: {report.indexed} indexed, {report.deleted} removed"
        + (f", {report.failed} kept for retry ({report.error})" if report.failed else ""),
        err=True,
    )
    return report
