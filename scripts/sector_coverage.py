"""Measure how many enterprises of each source get a sector suggestion, and from what.

Usage::

    python scripts/sector_coverage.py [--snapshot data/demo/siae_snapshot.csv.gz]
                                      [--esat data/demo/esat_finess.csv.gz]
                                      [--mappings data/mappings] [--sectors PATH] [--top 20]

Sources: the SIAE snapshot (NAF, name, brand, description) and the ESAT of the FINESS
register (the establishment's name only: the register gives no NAF code nor description).

Run it after any change to ``data/mappings/`` and quote its output in the change: the top
unmatched names are where a keyword may still be missing (or where the name says nothing).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # Run as a plain script, the repo root is not on sys.path.
    sys.path.insert(0, str(REPO_ROOT))

from domain.sector_suggestion import (  # noqa: E402
    DEFAULT_MAPPINGS_DIR,
    DEFAULT_SECTORS_CSV,
    SectorSuggester,
)

# The public SIAE snapshot the repository ships as demo data.
DEFAULT_SNAPSHOT = REPO_ROOT / "data" / "demo" / "siae_snapshot.csv.gz"
# The FINESS list of ESAT shipped beside it.
DEFAULT_ESAT = REPO_ROOT / "data" / "demo" / "esat_finess.csv.gz"


def read_snapshot(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def read_esat(path: Path) -> list[dict[str, str]]:
    """The FINESS rows in the snapshot's shape: what the importer reads for suggestions."""
    return [
        {"naf": "", "name": row["et_name"], "brand": "", "description": "", "kind": "ESAT"}
        for row in read_snapshot(path)
    ]


def share(count: int, total: int) -> str:
    return f"{count:5d} / {total}  {100 * count / total:5.1f} %" if total else f"{count:5d} / 0"


def by_source(sources: dict[str, list[dict[str, str]]], suggester: SectorSuggester) -> str:
    """Per source: enterprises with a suggestion, and from what (one enterprise counts under
    every origin it has a suggestion from, so the origins may add up to more than 'any')."""
    origins = ("naf", "name", "description")
    lines = [
        "by source: enterprises with >= 1 suggestion, and from what",
        f"  {'source':<12} {'rows':>5} {'any':>13} "
        + " ".join(f"{o:>13}" for o in (*origins, "none")),
    ]
    for label, rows in sources.items():
        counts: Counter[str] = Counter()
        for row in rows:
            found = {
                s.source
                for s in suggester.suggest(
                    row["naf"], row["name"], row["brand"], row["description"]
                )
            }
            counts.update(found)
            counts["any" if found else "none"] += 1
        total = len(rows)
        cells = [counts[o] for o in ("any", *origins, "none")]
        lines.append(
            f"  {label:<12} {total:>5} "
            + " ".join(f"{c:>5} {100 * c / total if total else 0:5.1f} %" for c in cells)
        )
    return "\n".join(lines)


def report(
    rows: list[dict[str, str]], suggester: SectorSuggester, top: int, title: str = "rows"
) -> str:
    total = len(rows)
    covered = 0
    by_source: Counter[str] = Counter()
    naf_status: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    kind_totals: Counter[str] = Counter()
    unmatched: Counter[str] = Counter()
    for row in rows:
        suggestions = suggester.suggest(row["naf"], row["name"], row["brand"], row["description"])
        naf_status[suggester.naf_status(row["naf"])] += 1
        kind_totals[row["kind"]] += 1
        if suggestions:
            covered += 1
            by_kind[row["kind"]] += 1
        else:
            unmatched[" ".join(row["name"].split())] += 1
        for source in {s.source for s in suggestions}:
            by_source[source] += 1

    lines = [
        f"mappings version {suggester.version}, {total} {title}",
        f"rows with >= 1 suggestion      {share(covered, total)}",
    ]
    lines += [
        f"  with a suggestion from {source:<11} {share(by_source[source], total)}"
        for source in ("naf", "name", "description")
    ]
    lines.append("NAF codes")
    lines += [
        f"  {status:<28} {share(naf_status[status], total)}"
        for status in ("mapped", "generic", "unmapped", "missing", "invalid")
    ]
    lines.append("rows with >= 1 suggestion, by kind")
    lines += [
        f"  {kind:<28} {share(by_kind[kind], kind_totals[kind])}" for kind in sorted(kind_totals)
    ]
    lines.append(f"top {top} unmatched names (count, name)")
    # Most frequent first, then alphabetical, so the list is stable from run to run.
    ranked = sorted(unmatched.items(), key=lambda item: (-item[1], item[0]))[:top]
    lines += [f"  {count:3d}  {name}" for name, count in ranked]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, help="SIAE snapshot CSV (.csv or .csv.gz)")
    parser.add_argument("--esat", type=Path, help="FINESS ESAT list (.csv or .csv.gz)")
    parser.add_argument("--mappings", type=Path, default=DEFAULT_MAPPINGS_DIR)
    parser.add_argument("--sectors", type=Path, help="sector taxonomy CSV")
    parser.add_argument("--top", type=int, default=20, help="unmatched names to list")
    args = parser.parse_args(argv)
    snapshot = args.snapshot or DEFAULT_SNAPSHOT
    sectors = args.sectors or DEFAULT_SECTORS_CSV
    suggester = SectorSuggester.load(args.mappings, sectors)
    esat = args.esat or DEFAULT_ESAT
    print(f"snapshot {snapshot}\nesat     {esat}\ntaxonomy {sectors}")
    sources = {"SIAE (ASP)": read_snapshot(snapshot), "ESAT FINESS": read_esat(esat)}
    print(by_source(sources, suggester))
    print(f"\n== SIAE snapshot\n{report(sources['SIAE (ASP)'], suggester, args.top)}")
    print(f"\n== ESAT FINESS\n{report(sources['ESAT FINESS'], suggester, args.top, 'ESAT')}")


if __name__ == "__main__":
    main()
