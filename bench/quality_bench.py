"""Quality on real data: does the matcher find who really won, and does search find who
really does the trade? Baselines in the same run.

    .venv/bin/python bench/quality_bench.py [--before f68ed58] [--decp FILE] [--no-before]

1. **Winner recall @10 / @50** on the real DECP sample (``../shared/data/decp/``): the
   contracts won by an SIAE or an ESAT of the directory (holder SIRET), imported as
   forecast intentions only (the winners get no track record from them), each matched;
   a contract that does not become an intention counts as a miss. Three rankers on the
   same contracts: the matcher of this tree; the matcher ``--before`` this issue (that
   commit checked out in a temporary git worktree and measured by the same worker,
   ``bench/quality_worker.py``, in its own process); and the plain rule "every structure
   of a fitting kind within 30 km of the place, nearest first".
2. **Search recall** on queries whose truth comes from the NAF codes of the snapshot (for
   example the structures with NAF 43.34Z of a département for "peinture"): the share of
   them the search engine finds among its hits, and among its first 20.

Target (issue #10): the matcher ahead of the proximity baseline by at least 0.10 at both
cut-offs. Nothing is tuned to a single contract: the rules are the product's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DECP = SHARED / "decp" / "decp_sample_pes_2019.json"
ESAT = SHARED / "esat_finess.csv"
SNAPSHOT = Path("data") / "demo" / "siae_snapshot.csv.gz"
BEFORE = "f68ed58"  # main before issue #10
TARGET_MARGIN = 0.10


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_worker(tree: Path, out: Path, decp: Path, baseline: bool) -> dict:
    command = [
        sys.executable,
        str(ROOT / "bench" / "quality_worker.py"),
        "--decp",
        str(decp),
        "--esat",
        str(ESAT),
        "--snapshot",
        str(SNAPSHOT),
        "--out",
        str(out),
    ]
    if baseline:
        command.append("--baseline")
    log(f"measuring {tree} ...")
    subprocess.run(
        command,
        cwd=tree,
        check=True,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "PASSERELLES_ENV": "development"},
    )
    return json.loads(out.read_text())


def recall(ranks: list[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decp", type=Path, default=DECP)
    parser.add_argument("--before", default=BEFORE, help="commit of the matcher before")
    parser.add_argument("--no-before", action="store_true")
    args = parser.parse_args()
    if not args.decp.exists():
        sys.exit(f"{args.decp} not found (../shared/data is needed)")

    work = Path(tempfile.mkdtemp(prefix="quality-bench-"))
    now = run_worker(ROOT, work / "now.json", args.decp, baseline=True)
    before = None
    if not args.no_before:
        tree = work / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), args.before],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            before = run_worker(tree, work / "before.json", args.decp, baseline=False)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)],
                cwd=ROOT,
                check=False,
                capture_output=True,
            )
    shutil.rmtree(work, ignore_errors=True)

    rows = now["rows"]
    keys = [r["key"] for r in rows]
    before_ranks = {r["key"]: r["rank"] for r in before["rows"]} if before else {}
    print(
        f"Directory: {now['directory']} active enterprises; DECP: {now['contracts']} "
        f"contracts read, {now['intentions']} intentions"
    )
    print(f"Contracts won by an enterprise of the directory (holder SIRET): {len(rows)}")
    print()
    print(f"{'ranker':<52}{'@10':>8}{'@50':>8}")
    rankers = [("matcher (this tree)", [r["rank"] for r in rows])]
    if before:
        rankers.append(
            (f"matcher before issue #10 ({args.before})", [before_ranks.get(k) for k in keys])
        )
    rankers.append(("nearest fitting kind within 30 km", [r.get("baseline_rank") for r in rows]))
    for name, ranks in rankers:
        print(f"{name:<52}{recall(ranks, 10):>8.2f}{recall(ranks, 50):>8.2f}")
    ours = [r["rank"] for r in rows]
    base = [r.get("baseline_rank") for r in rows]
    for k in (10, 50):
        margin = recall(ours, k) - recall(base, k)
        verdict = "PASS" if margin >= TARGET_MARGIN else "FAIL"
        print(
            f"margin over the proximity baseline @{k}: {margin:+.2f}  {verdict} "
            f"(target +{TARGET_MARGIN:.2f})"
        )
    print()
    print("Per contract: rank now / before / baseline — listed — object — why")
    for r in rows:
        print(
            f"  {fmt(r['rank']):>4} / {fmt(before_ranks.get(r['key'])) if before else '-':>4}"
            f" / {fmt(r.get('baseline_rank')):>4}  {r['listed']:>5}  "
            f"{'+'.join(r['winner_kinds'])} {r.get('place', '')} {','.join(r.get('sectors', []))}"
            f" — {r['object']} {('— ' + r['why']) if r['why'] else ''}"
        )
    search_table(now.get("searches", []), before.get("searches") if before else None)


def search_table(now: list[dict], before: list[dict] | None) -> None:
    """Per query: structures of its NAF codes (in départements with enough of them), the
    share the search finds in their département, and in its first 20 — now and before."""
    print()
    print("Search recall (truth: NAF codes of the snapshot, per département, serves=...)")
    print(
        f"{'query':<16}{'deps':>5}{'truth':>7}{'found now':>11}{'before':>8}"
        f"{'@20 now':>9}{'before':>8}"
    )

    def totals(rows, query):
        picked = [r for r in rows if r["query"] == query]
        return (
            len(picked),
            sum(r["truth"] for r in picked),
            sum(r["found"] for r in picked),
            sum(r["found_20"] for r in picked),
        )

    queries = list(dict.fromkeys(r["query"] for r in now))
    all_now, all_before = [0, 0, 0], [0, 0, 0]
    for query in queries:
        deps, truth, found, top = totals(now, query)
        line = f"{query:<16}{deps:>5}{truth:>7}{found / truth:>11.2f}"
        all_now = [all_now[0] + truth, all_now[1] + found, all_now[2] + top]
        if before is not None:
            _, b_truth, b_found, b_top = totals(before, query)
            all_before = [all_before[0] + b_truth, all_before[1] + b_found, all_before[2] + b_top]
            line += f"{(b_found / b_truth if b_truth else 0):>8.2f}"
        else:
            line += f"{'-':>8}"
        line += f"{top / truth:>9.2f}"
        line += f"{(b_top / b_truth if before is not None and b_truth else 0):>8.2f}"
        print(line)
    if all_now[0]:
        line = f"{'all':<16}{'':>5}{all_now[0]:>7}{all_now[1] / all_now[0]:>11.2f}"
        line += f"{(all_before[1] / all_before[0] if all_before[0] else 0):>8.2f}"
        line += f"{all_now[2] / all_now[0]:>9.2f}"
        line += f"{(all_before[2] / all_before[0] if all_before[0] else 0):>8.2f}"
        print(line)


def fmt(rank: int | None) -> str:
    return "—" if rank is None else str(rank)


if __name__ == "__main__":
    main()
