"""SQLite connection settings: enforced foreign keys and transactions SQLAlchemy controls."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure(engine: Engine) -> None:
    """Make an SQLite engine behave like the PostgreSQL we run in production.

    pysqlite's own transaction handling breaks SAVEPOINT (used by the tests' rollback
    fixture and nested imports), so we switch it off and emit BEGIN ourselves, as the
    SQLAlchemy documentation recommends. Foreign keys are off by default in SQLite.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")
