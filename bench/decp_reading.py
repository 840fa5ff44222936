"""How well the DECP reader reads a real file: places, dates, sectors, intentions.

    .venv/bin/python bench/decp_reading.py [--decp FILE] [--today 2015-01-01] [--list]

A fresh temporary SQLite database with the reference data; the file parsed as
``flask import decp --as-intentions --today`` does (no matching). Prints:

- every contract's place of execution (duplicates included) read exactly as its type
  says, reinterpreted (read precisely from what the code and the name agree on, with a
  warning: a CEDEX code read by the name, a postal code in "Code commune"), approximately
  (a coarser place, with a warning: a canton read as its département) or not at all, by
  DECP ``typeCode``;
- the contracts that become intentions, and the reason for each of the others;
- each contract won by an enterprise of the SIAE snapshot or of the ESAT list (by holder
  SIRET): title, CPV, sectors read, place read, outcome (``--list`` prints them all).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import fresh_app, reset_database  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DECP_SAMPLE = SHARED / "decp" / "decp_sample_pes_2019.json"
SIAE = SHARED / "siae_snapshot.csv"
ESAT = SHARED / "esat_finess.csv"


def inclusive_sirets() -> dict[str, str]:
    """SIRET -> kind of every enterprise of the SIAE snapshot and the ESAT list."""
    found: dict[str, str] = {}
    for path, kind_of in ((SIAE, lambda row: row["kind"]), (ESAT, lambda row: "ESAT")):
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("siret"):
                    found.setdefault(row["siret"].strip(), kind_of(row))
    return found


def place_counts(items: list, reader) -> tuple[Counter, Counter]:
    totals: Counter = Counter()
    by_type: Counter = Counter()
    for item in items:
        place = item.get("lieuExecution") if isinstance(item, dict) else None
        reading = reader.decp(place)
        if not reading.ok:
            outcome = "not read"
        elif getattr(reading, "approximate", False):
            outcome = "approximate"
        elif reading.warning:
            outcome = "reinterpreted"  # read precisely from another field, with a warning
        else:
            outcome = "exact"
        totals[outcome] += 1
        type_code = place.get("typeCode") if isinstance(place, dict) else None
        by_type[(str(type_code), outcome)] += 1
    return totals, by_type


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decp", type=Path, default=DECP_SAMPLE)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2015, 1, 1))
    parser.add_argument("--list", action="store_true", help="print every inclusive contract")
    args = parser.parse_args()
    if not args.decp.is_file():
        print(f"no DECP file at {args.decp}")
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        app = fresh_app(f"sqlite:///{tmp}/decp.sqlite3")
        with app.app_context():
            from sqlalchemy import select

            from importers.decp import load_decp, parse_decp, read_contracts
            from importers.places import PlaceReader
            from importers.reference import load_reference
            from webapp.extensions import db
            from webapp.models import PurchaseIntention

            reset_database(app)
            load_reference(db.session)
            session = db.session
            reader = PlaceReader(session)
            items = read_contracts(args.decp)
            totals, by_type = place_counts(items, reader)
            print(
                f"places of {len(items)} contracts: "
                + ", ".join(
                    f"{name} {totals[name]}"
                    for name in ("exact", "reinterpreted", "approximate", "not read")
                )
            )
            for (type_code, outcome), n in sorted(by_type.items()):
                print(f"  {type_code:22} {outcome:12} {n}")

            parsed = parse_decp(args.decp, reader)
            reports = load_decp(
                session, parsed, history=False, as_intentions=True, today=args.today, match=False
            )
            report = reports.intentions
            print(
                f"contracts {parsed.rows}: read {len(parsed.records)}, rejected at parsing "
                f"{len(parsed.rejected)}; intentions created {report.created}"
            )
            print("parse warnings: " + json.dumps(dict(Counter(w.code for w in parsed.warnings))))
            later = Counter(w.code for w in report.warnings[len(parsed.warnings) :])
            dropped_codes = ("renewal_past", "no_duration")
            print(
                "not intentions (dropped): "
                + json.dumps({c: n for c, n in later.items() if c in dropped_codes})
            )
            print(
                "intention warnings: "
                + json.dumps({c: n for c, n in later.items() if c not in dropped_codes})
            )
            reasons = Counter(
                r.reason.split(" maps")[0].split(":")[0] if "CPV" in r.reason else r.reason
                for r in report.rejected[len(parsed.rejected) :]
            )
            print("not intentions (rejected): " + json.dumps(dict(reasons.most_common())))
            sectorless = session.scalars(
                select(PurchaseIntention).where(~PurchaseIntention.sectors.any())
            ).all()
            print(f"intentions with no sector: {len(sectorless)}")

            inclusive = inclusive_sirets()
            intentions = {
                i.external_id: i
                for i in session.scalars(
                    select(PurchaseIntention).where(PurchaseIntention.source == "decp")
                )
            }
            rejected = {r.line: r.reason for r in report.rejected}
            dropped = {w.line: w.code for w in report.warnings[len(parsed.warnings) :]}
            won = [c for c in parsed.records if any(h.siret in inclusive for h in c.holders)]
            became = sum(1 for c in won if c.external_id in intentions)
            print(
                f"contracts won by an SIAE or ESAT (holder SIRET): {len(won)}, intentions {became}"
            )
            for contract in won:
                kinds = sorted(
                    {inclusive[h.siret] for h in contract.holders if h.siret in inclusive}
                )
                intention = intentions.get(contract.external_id)
                if intention is not None:
                    sectors = "; ".join(s.name for s in intention.sectors) or "(none)"
                    place = " ".join(
                        filter(
                            None,
                            (intention.place_kind, intention.place_code, intention.place_label),
                        )
                    )
                    outcome = "intention"
                else:
                    sectors = "-"
                    place = (
                        f"{contract.place.kind} {contract.place.code} {contract.place.label}"
                        if contract.place
                        else "(unread)"
                    )
                    outcome = rejected.get(contract.index) or dropped.get(contract.index) or "?"
                if args.list:
                    print(
                        f"- #{contract.index} [{'/'.join(kinds)}] {contract.object[:90]!r} "
                        f"CPV {contract.cpv} | sectors: {sectors} | place: {place} | {outcome}"
                    )
            session.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
