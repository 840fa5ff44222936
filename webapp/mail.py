"""Sending e-mail. With no MAIL_SERVER (development, tests) nothing leaves the machine:
messages are kept in an in-memory outbox (``outbox()``, which tests read) and written as
``.eml`` files under MAIL_OUTBOX_DIR for developers to open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_mail import Message

from webapp.extensions import mail

_OUTBOX = "mail_outbox"


def init_app(app: Flask) -> None:
    mail.init_app(app)
    app.extensions[_OUTBOX] = []


def send(
    recipients: list[str],
    subject: str,
    template: str,
    reply_to: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    **context,
) -> Message | None:
    """Send ``templates/mail/<template>.txt`` rendered with ``context``; None if there is
    nobody to send it to. ``reply_to``: where answers go (e.g. a contact's sender);
    ``attachments``: (filename, content type, content) each (e.g. an agenda's ``.ics``)."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return None
    # Subjects carry user text (an enterprise's name, a contact's subject): on one line,
    # or a newline would inject headers (and Flask-Mail refuses to send: a 500).
    subject = " ".join(str(subject).split())
    message = Message(
        subject=f"[Passerelles] {subject}",
        recipients=recipients,
        body=render_template(f"mail/{template}.txt", **context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        reply_to=reply_to,
    )
    for filename, content_type, content in attachments or ():
        message.attach(filename, content_type, content)
    if current_app.config["MAIL_SERVER"]:
        mail.send(message)
    else:
        _keep(message)
    return message


def _keep(message: Message) -> None:
    current_app.extensions[_OUTBOX].append(message)
    folder = current_app.config.get("MAIL_OUTBOX_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (Path(folder) / f"{stamp}.eml").write_text(message.as_string(), encoding="utf-8")


def outbox() -> list[Message]:
    """The messages kept since the application started (or the outbox was cleared)."""
    return current_app.extensions[_OUTBOX]


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, also from the command line (PUBLIC_URL)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)
