"""``flask --app webapp alerts ...``: the buyers' saved-search alerts."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.buyers.alerts import send_alerts

alerts_group = click.Group("alerts", help="Saved-search alerts.")


@alerts_group.command("send")
@with_appcontext
def send_command() -> None:
    """E-mail each saved search's owner the enterprises that newly match it."""
    # Mails are rendered as for a request to the public site: the locale selector reads
    # the session, and links are under PUBLIC_URL.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        report = send_alerts()
    click.echo(
        f"{report.searches} saved searches checked, {report.sent} alerts sent, "
        f"{report.failed} failed (search unavailable)."
    )
    if report.failed:
        sys.exit(1)
