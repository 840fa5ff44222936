"""``flask events ...``: the events' scheduled chores."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.events import meetings
from webapp.extensions import db

events_cli = AppGroup("events", help="Événements : tâches planifiées.")


@events_cli.command("expire")
def expire_command() -> None:
    """Expire the meeting requests left unanswered past their date."""
    count = meetings.expire(db.session)
    click.echo(f"{count} meeting request(s) expired.")
