"""``flask --app webapp match ...``: recompute the matcher's results, send the digest."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.matching.facts import intentions_query
from webapp.matching.store import run_all
from webapp.models import MatchCandidate, PurchaseIntention
from webapp.services import digest

match_group = click.Group("match", help="The matcher: intentions and enterprises.")

PROGRESS_EVERY = 50


@match_group.command("run")
@click.option("--intention", "intention_id", type=int, help="Only this intention (any status).")
@with_appcontext
def run_command(intention_id: int | None) -> None:
    """Recompute the matches of every published intention (or of one)."""
    session = db.session
    started = time.perf_counter()
    if intention_id is not None:
        intention = session.get(PurchaseIntention, intention_id)
        if intention is None:
            raise click.ClickException(f"no intention #{intention_id}")
        intentions = [intention]
    else:
        intentions = session.scalars(
            intentions_query()
            .where(PurchaseIntention.status == "published")
            .order_by(PurchaseIntention.id)
        ).all()
    total = len(intentions)
    click.echo(f"Matching {total} intention(s)…")

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            elapsed = time.perf_counter() - started
            click.echo(f"  {done}/{total} intentions ({elapsed:.1f} s)")

    count = run_all(session, intentions, progress=progress) if intentions else 0
    session.commit()
    ids = [i.id for i in intentions]
    candidates = (
        session.scalar(
            select(func.count())
            .select_from(MatchCandidate)
            .where(MatchCandidate.intention_id.in_(ids))
        )
        if ids
        else 0
    )
    elapsed = time.perf_counter() - started
    click.echo(f"{count} intentions matched in {elapsed:.1f} s, {candidates} candidates.")


@match_group.command("digest")
@with_appcontext
def digest_command() -> None:
    """E-mail each enterprise's members the intentions newly open to it."""
    # Rendered as for a request to the public site (locale, links under PUBLIC_URL).
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        report = digest.send_digests(db.session)
    click.echo(
        f"{report.refreshed} intentions re-matched; {report.intentions} new opportunities "
        f"for {report.enterprises} enterprises, {report.mails} e-mails sent."
    )
