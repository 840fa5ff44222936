"""``flask events ...``: the events' scheduled chores and the demo forum."""

from __future__ import annotations

import click
from flask import current_app

from webapp.events import demo, meetings
from webapp.extensions import db
from webapp.security import DEMO_PASSWORD

events_group = click.Group("events", help="Événements : tâches planifiées, forum de démonstration.")


@events_group.command("expire")
def expire_command() -> None:
    """Expire the meeting requests left unanswered past their date."""
    count = meetings.expire(db.session)
    click.echo(f"{count} meeting request(s) expired.")


@events_group.command("demo")
def demo_command() -> None:
    """The demo network's forum in Lille: demo buyers with intentions, ~40 enterprises of
    the Nord, the meetings they asked for, a published schedule (needs `flask users
    demo`; refused in production; re-running changes nothing)."""
    if current_app.config.get("SECURE_COOKIES"):
        raise click.ClickException("the demo forum is refused in production")
    try:
        event = demo.build(db.session, DEMO_PASSWORD)
    except demo.DemoMissing as exc:
        raise click.ClickException(str(exc)) from exc
    accepted = [p for p in event.participants if p.status == "accepted"]
    buyers = sum(p.kind == "buyer" for p in accepted)
    click.echo(
        f"demo forum: {event.title!r} on {event.starts_on:%d/%m/%Y} "
        f"({buyers} buyers, {len(accepted) - buyers} enterprises): /evenements/{event.id}"
    )
