"""`flask db backup` and `flask db restore`, as an operator runs them: a migrated
database with a row, backed up, changed, restored — the row is back and the change gone;
on SQLite (the online backup API) and on PostgreSQL (pg_dump / pg_restore, in a database
of its own, skipped without the server or its client tools)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.factories import ROOT

FLASK = Path(sys.executable).parent / "flask"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def _flask(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "PASSERELLES_ENV": "development"}
    return subprocess.run(
        [FLASK, "--app", "webapp", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def _names(url: str) -> list[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        found = connection.execute(text("SELECT slug FROM network ORDER BY slug")).scalars()
        names = list(found)
    engine.dispose()
    return names


def _write(url: str, statement: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _round_trip(url: str, backup: Path) -> None:
    assert _flask(url, "db", "upgrade").returncode == 0
    _write(url, "INSERT INTO network (slug, name) VALUES ('kept', 'Réseau gardé')")
    done = _flask(url, "db", "backup", str(backup))
    assert done.returncode == 0, done.stderr
    assert backup.stat().st_size > 0
    _write(url, "DELETE FROM network WHERE slug = 'kept'")
    _write(url, "INSERT INTO network (slug, name) VALUES ('later', 'Après la copie')")
    done = _flask(url, "db", "restore", "--yes", str(backup))
    assert done.returncode == 0, done.stderr
    assert _names(url) == ["kept"]


def test_sqlite_backup_and_restore(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'app.sqlite3'}", tmp_path / "copy.sqlite3")


def test_a_missing_backup_is_refused_and_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    assert _flask(url, "db", "upgrade").returncode == 0
    done = _flask(url, "db", "restore", "--yes", str(tmp_path / "absent.dump"))
    assert done.returncode != 0 and "no such backup" in done.stderr


def test_postgresql_backup_and_restore(tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("psql")):
        pytest.skip("PostgreSQL's client tools are not installed")
    name = "passerelles_backup_test"
    try:
        _write(f"{POSTGRES}/postgres", "SELECT 1")
    except Exception:  # noqa: BLE001 - any failure to reach the server skips
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432")
    admin = create_engine(f"{POSTGRES.replace('://', '+psycopg://')}/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        _round_trip(f"{POSTGRES}/{name}", tmp_path / "copy.dump")
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
