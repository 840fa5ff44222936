"""Derive the kind × sector-group prior of the matcher from the SIAE snapshot.

For each kind of structure, the share of its structures (among those whose sectors can be
inferred at all, from their NAF code or name) that work in each sector group. The matcher
uses it for enterprises whose sectors are unknown: an ACI with no known sector still
appears for a green-spaces purchase, ranked below those with a known sector, because 31 %
of ACIs with a known sector work in green spaces. Kinds with too few inferable
structures in the snapshot (EA, ESAT, ...) get no prior: we do not invent one.

Usage::

    python scripts/derive_kind_sector_prior.py > data/mappings/kind_sector_prior.csv

Source: data/demo/siae_snapshot.csv.gz (ASP list of SIAE, via gip-inclusion/le-marche test
fixtures; see data/SOURCES.md) and the sector suggestion mappings of data/mappings.
Byte-identical on re-runs.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from domain.sector_suggestion import (  # noqa: E402
    DEFAULT_MAPPINGS_DIR,
    DEFAULT_SECTORS_CSV,
    SectorSuggester,
)
from scripts.sector_coverage import DEFAULT_SNAPSHOT, read_snapshot  # noqa: E402

VERSION = "2026-11-22.1"
MIN_STRUCTURES = 30  # below this many inferable structures, a kind gets no prior
MIN_SHARE = 0.10  # the matcher's floor: a group below it is not "commonly" done


def main() -> None:
    suggester = SectorSuggester.load(DEFAULT_MAPPINGS_DIR, DEFAULT_SECTORS_CSV)
    group_of = {
        row["sector"]: row["group_slug"]
        for row in csv.DictReader(DEFAULT_SECTORS_CSV.open(encoding="utf-8"))
    }
    known: Counter[str] = Counter()
    working: dict[str, Counter[str]] = {}
    for row in read_snapshot(DEFAULT_SNAPSHOT):
        suggestions = suggester.suggest(row["naf"], row["name"], row["brand"], row["description"])
        groups = {group_of[s.sector] for s in suggestions if s.sector in group_of}
        if not groups:
            continue
        known[row["kind"]] += 1
        working.setdefault(row["kind"], Counter()).update(groups)
    out = csv.writer(sys.stdout, lineterminator="\n")
    print(f"# version: {VERSION}")
    print(f"# min_share: {MIN_SHARE}")
    print("# Derived by scripts/derive_kind_sector_prior.py from the SIAE snapshot; do not edit.")
    out.writerow(["kind", "sector_group", "share", "structures"])
    for kind in sorted(known):
        if known[kind] < MIN_STRUCTURES:
            continue
        for group, count in sorted(working[kind].items(), key=lambda kv: (-kv[1], kv[0])):
            out.writerow([kind, group, f"{count / known[kind]:.3f}", known[kind]])


if __name__ == "__main__":
    main()
