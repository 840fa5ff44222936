"""The meeting scheduler on generated meeting days (issue 12): time to the proven optimum
of the first objective, the second objective's idle slots and gap at its budget, and how
many more meetings the optimal schedule holds than first fit.

    .venv/bin/python bench/forum_bench.py [--sizes small,medium,large,full,full-tight]
                                          [--budget 10] [--seed 12]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass

from domain.scheduling import (
    MeetingRequest,
    Participant,
    Problem,
    greedy_schedule,
    schedule,
    violations,
)

TARGET_SECONDS = 10.0  # issue 12: first objective proven within 10 s


@dataclass(frozen=True)
class Size:
    buyers: int
    enterprises: int
    slots: int
    requests: int
    tables: int | None = None  # None: one per buyer


SIZES = {
    "small": Size(10, 40, 8, 150),
    "medium": Size(30, 120, 12, 600),
    "large": Size(60, 240, 16, 1200),
    "full": Size(100, 400, 16, 2000),
    "full-tight": Size(100, 400, 16, 2000, tables=60),
}
BUYER_CAP, ENTERPRISE_CAP = 12, 6


def generate(size: Size, seed: int) -> Problem:
    """A meeting day: buyers attract requests unevenly (a Zipf-like popularity: a few
    popular buyers), enterprises less so; about 20 % of requests mutual and 40 % tied to
    an intention; each participant unavailable in 0-3 random slots; caps of 12 meetings
    per buyer and 6 per enterprise; buyers host (keep a table)."""
    rng = random.Random(seed)
    slots = tuple(range(size.slots))
    buyers = range(1, size.buyers + 1)
    enterprises = range(size.buyers + 1, size.buyers + size.enterprises + 1)

    def person(pid: int, cap: int) -> Participant:
        return Participant(pid, cap, frozenset(rng.sample(slots, rng.randint(0, 3))))

    participants = tuple(person(b, BUYER_CAP) for b in buyers) + tuple(
        person(e, ENTERPRISE_CAP) for e in enterprises
    )
    buyer_weight = [1 / rank**0.9 for rank in range(1, size.buyers + 1)]
    enterprise_weight = [1 / rank**0.3 for rank in range(1, size.enterprises + 1)]
    pairs: set[tuple[int, int]] = set()
    requests = []
    while len(requests) < size.requests:
        (b,) = rng.choices(buyers, buyer_weight)
        (e,) = rng.choices(enterprises, enterprise_weight)
        if (b, e) in pairs:
            continue
        pairs.add((b, e))
        asker_first = rng.random() < 0.7  # most requests come from enterprises
        a, other = (e, b) if asker_first else (b, e)
        requests.append(
            MeetingRequest(len(requests) + 1, a, other, rng.random() < 0.2, rng.random() < 0.4)
        )
    tables = tuple(range(1, (size.tables or size.buyers) + 1))
    return Problem(slots, tables, participants, tuple(requests), hosts=frozenset(buyers))


def run(name: str, size: Size, seed: int, budget: float) -> dict:
    problem = generate(size, seed)
    first = schedule(problem, budget_seconds=0)  # the first objective alone, timed
    full = schedule(problem, budget_seconds=budget)
    greedy = greedy_schedule(problem)
    for result in (first, full, greedy):
        broken = violations(problem, result.placements)
        assert not broken, broken[:3]
    assert (full.placed, full.mutual_placed, full.intention_placed) == (
        first.placed,
        first.mutual_placed,
        first.intention_placed,
    )
    more = full.placed - greedy.placed
    return {
        "name": name,
        "size": size,
        "first": first,
        "full": full,
        "greedy": greedy,
        "more": more,
        "more_pct": 100 * more / greedy.placed if greedy.placed else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"among {', '.join(SIZES)}")
    parser.add_argument("--budget", type=float, default=10.0, help="second objective, seconds")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sizes.split(",") if n.strip()]
    if unknown := [n for n in names if n not in SIZES]:
        parser.error(f"unknown sizes {unknown}; known: {', '.join(SIZES)}")
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
        f"seed {args.seed}; budget {args.budget:g} s"
    )
    rows = []
    for name in names:
        size = SIZES[name]
        print(f"{name}: {size}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        row = run(name, size, args.seed, args.budget)
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        rows.append(row)
        report(row)
    failed = [r["name"] for r in rows if not ok(r)]
    print(
        f"\nfirst objective proven under {TARGET_SECONDS:g} s at every size: "
        f"{'PASS' if not failed else 'FAIL ' + ', '.join(failed)}"
    )
    return 0


def ok(row: dict) -> bool:
    return row["first"].optimal and row["first"].seconds < TARGET_SECONDS


def report(row: dict) -> None:
    size, first, full, greedy = row["size"], row["first"], row["full"], row["greedy"]
    gap = "none found" if full.idle_gap is None else f"{100 * full.idle_gap:.1f} %"
    print(
        f"\n{row['name']}: {size.buyers} buyers x {size.enterprises} enterprises x "
        f"{size.slots} slots x {size.requests} requests, {size.tables or size.buyers} tables\n"
        f"  first objective: {first.placed} placed ({first.mutual_placed} mutual, "
        f"{first.intention_placed} intention), proven {first.optimal} in {first.seconds:.2f} s "
        f"[{'PASS' if ok(row) else 'FAIL'} < {TARGET_SECONDS:g} s]\n"
        f"  second objective: idle slots {first.idle_slots} -> {full.idle_slots}, gap {gap} "
        f"(total {full.seconds:.2f} s)\n"
        f"  first fit: {greedy.placed} placed ({greedy.mutual_placed} mutual, "
        f"{greedy.intention_placed} intention), idle {greedy.idle_slots}, "
        f"{greedy.seconds:.2f} s\n"
        f"  optimal holds {row['more']} more meetings than first fit ({row['more_pct']:+.1f} %)\n"
        f"  left out (optimal): "
        + ", ".join(
            f"{reason} {n}" for reason, n in sorted(_count(u.reason for u in full.unplaced).items())
        )
    )


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


if __name__ == "__main__":
    sys.exit(main())
