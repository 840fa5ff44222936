"""``flask --app webapp claims ...``: reminders for claims waiting for a decision."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.claims.services import remind
from webapp.extensions import db

claims_group = click.Group("claims", help="Claims on enterprise profiles.")


@claims_group.command("remind")
@click.option(
    "--after-days",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Remind claims pending this many days since the request or the last reminder.",
)
@click.option(
    "--max",
    "max_reminders",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="After this many unanswered reminders, write to the administrators instead.",
)
@with_appcontext
def remind_command(after_days: int, max_reminders: int) -> None:
    """E-mail the deciders of pending claims; escalate the forgotten ones."""
    # A request context: e-mails are rendered (locale, links) as from the public site.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        report = remind(db.session, after_days=after_days, max_reminders=max_reminders)
    click.echo(f"{report.reminded} reminded, {report.escalated} escalated to administrators")
