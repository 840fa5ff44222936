"""Import benchmark: the real SIAE snapshot, then a 200,000-row file generated from it.

    .venv/bin/python bench/import_bench.py [--rows 200000] [--database-url URL]

Each run uses a fresh database (a temporary SQLite file unless --database-url is given;
that database is wiped), loads the reference data, then times parse and load separately.
Targets (issue #2): snapshot under 10 s, 200,000 rows under 3 min.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stdnum import luhn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SNAPSHOT = ROOT / "data" / "demo" / "siae_snapshot.csv.gz"


def fresh_app(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    from config import Config
    from webapp import create_app

    return create_app(Config())


def reset_database(app) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from webapp.extensions import db

    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()


def synthetic_siret(rng: random.Random) -> str:
    siren = str(rng.randrange(10_000_000, 99_999_999))
    siren += luhn.calc_check_digit(siren)
    nic = f"{rng.randrange(1, 9999):04d}"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def generate_rows(n: int, seed: int = 2) -> bytes:
    """``n`` rows cycling over the snapshot's rows, each with a new valid SIRET."""
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, source = reader.fieldnames, list(reader)
    rng = random.Random(seed)
    seen: set[str] = set()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for i in range(n):
        siret = synthetic_siret(rng)
        while siret in seen:
            siret = synthetic_siret(rng)
        seen.add(siret)
        writer.writerow(source[i % len(source)] | {"siret": siret})
    return out.getvalue().encode()


def timed_import(app, source, label: str) -> None:
    from importers.enterprise_lists import default_kit, parse_siae
    from importers.enterprise_loader import load_enterprises
    from webapp.extensions import db

    default_kit()  # reference files are read once per process, not per import
    with app.app_context():
        started = time.perf_counter()
        parsed = parse_siae(source)
        parsed_at = time.perf_counter()
        report = load_enterprises(db.session, parsed, source="bench", actor="bench")
        done = time.perf_counter()
    total = done - started
    print(
        f"{label:<28} rows={parsed.rows:>7}  parse={parsed_at - started:6.2f}s  "
        f"load={done - parsed_at:6.2f}s  total={total:6.2f}s  "
        f"({parsed.rows / total:,.0f} rows/s)  created={report.created} updated={report.updated} "
        f"unchanged={report.unchanged} rejected={len(report.rejected)}"
    )


def timed_cli_import(tmp: str) -> None:
    """The command a user types, process start to exit, on a fresh SQLite database."""
    env = os.environ | {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'cli.sqlite3'}"}
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    for setup in (["db", "upgrade"], ["import", "reference"]):
        subprocess.run(flask + setup, env=env, cwd=ROOT, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        flask + ["import", "siae", str(SNAPSHOT)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    print(
        f"{'CLI import siae (snapshot)':<28} total={time.perf_counter() - started:6.2f}s  "
        "(process start to exit, reference files read included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (wiped); default: temp SQLite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = fresh_app(url)
        with app.app_context():
            from importers.reference import load_reference
            from webapp.extensions import db

            reset_database(app)
            started = time.perf_counter()
            load_reference(db.session)
            print(f"{'reference data':<28} {time.perf_counter() - started:6.2f}s")

        print(f"database: {url.split('://')[0]}")
        timed_cli_import(tmp)
        timed_import(app, SNAPSHOT, "snapshot, first run")
        timed_import(app, SNAPSHOT, "snapshot, second run")
        data = generate_rows(args.rows)
        timed_import(app, io.BytesIO(data), f"generated {args.rows:,} rows")
        timed_import(app, io.BytesIO(data), f"same {args.rows:,}, second run")


if __name__ == "__main__":
    main()
