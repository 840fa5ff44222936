"""Measure how many enterprises of the SIAE snapshot get a sector suggestion, and from what.

Usage::

    python scripts/sector_coverage.py [--snapshot data/demo/siae_snapshot.csv.gz]
                                      [--mappings data/mappings] [--sectors PATH] [--top 20]

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

from webapp.domain.sector_suggestion import (  # noqa: E402
    DEFAULT_MAPPINGS_DIR,
    DEFAULT_SECTORS_CSV,
    SectorSuggester,
)

# The public SIAE snapshot the repository ships as demo data.
DEFAULT_SNAPSHOT = REPO_ROOT / "data" / "demo" / "siae_snapshot.csv.gz"


def read_snapshot(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def share(count: int, total: int) -> str:
    return f"{count:5d} / {total}  {100 * count / total:5.1f} %"


def report(rows: list[dict[str, str]], suggester: SectorSuggester, top: int) -> str:
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
        f"mappings version {suggester.version}, {total} rows",
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
    parser.add_argument("--mappings", type=Path, default=DEFAULT_MAPPINGS_DIR)
    parser.add_argument("--sectors", type=Path, help="sector taxonomy CSV")
    parser.add_argument("--top", type=int, default=20, help="unmatched names to list")
    args = parser.parse_args(argv)
    snapshot = args.snapshot or DEFAULT_SNAPSHOT
    sectors = args.sectors or DEFAULT_SECTORS_CSV
    suggester = SectorSuggester.load(args.mappings, sectors)
    print(f"snapshot {snapshot}\ntaxonomy {sectors}")
    print(report(read_snapshot(snapshot), suggester, args.top))


if __name__ == "__main__":
    main()
