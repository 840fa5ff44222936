"""``flask db backup FILE`` and ``flask db restore FILE``: a consistent copy of the
application's database while it serves — SQLite's online backup API (pages copied under
a read transaction), PostgreSQL's ``pg_dump`` in its custom format — and its restoration
(``pg_restore --clean``; for SQLite the file copied back with the same API)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from webapp.extensions import db


class BackupFailed(RuntimeError):
    """The copy or the restoration could not be made (said with the tool's message)."""


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _libpq_url(url) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupFailed(f"{command[0]} is not installed (PostgreSQL's client tools)")
    done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 - fixed tools
    if done.returncode != 0:
        raise BackupFailed(done.stderr.strip()[:500] or f"{command[0]} failed")


def backup(url_text: str, target: Path) -> None:
    url = make_url(url_text)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--file", str(target), _libpq_url(url)])
    else:
        raise BackupFailed(f"no backup for {url.get_backend_name()} databases")


def restore(url_text: str, source: Path) -> None:
    url = make_url(url_text)
    if not source.is_file():
        raise BackupFailed(f"{source}: no such backup")
    db.engine.dispose()  # no pooled connection keeps the old data open
    if url.get_backend_name() == "sqlite":
        copy = sqlite3.connect(source)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            copy.backup(target)
        finally:
            target.close()
            copy.close()
    elif url.get_backend_name() == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq_url(url),
                str(source),
            ]
        )
    else:
        raise BackupFailed(f"no restore for {url.get_backend_name()} databases")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Copy the database (while it serves) to TARGET."""
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupFailed as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {target} ({target.stat().st_size} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with the backup SOURCE (then `flask search reindex`)."""
    if not yes:
        click.confirm("Replace the whole database with this backup?", abort=True)
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupFailed as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"database restored from {source}; rebuild the index: flask search reindex")
