"""First-fit scheduling, what "quick schedule" tools do: the baseline the benchmark
compares the solver with, and a fallback when the solver finds nothing in time.

Locks are kept; then each request, mutual and intention-tied ones first (then in the
problem's order), goes to the earliest slot both can attend where neither meets
someone else, a table is free and neither has reached their cap. Never revisited.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from domain.scheduling.explain import summarise
from domain.scheduling.problem import Index, Problem, Schedule, index


def first_fit(idx: Index) -> dict[int, int]:
    """Request id -> slot id, locks included."""
    slot_of = {request: lock.slot for request, lock in idx.locked.items()}
    busy: dict[int, set[int]] = defaultdict(set)
    meetings: Counter[int] = Counter()
    per_slot: Counter[int] = Counter()
    for request, slot in slot_of.items():
        meeting = idx.requests[request]
        per_slot[slot] += 1
        for person in (meeting.a, meeting.b):
            busy[person].add(slot)
            meetings[person] += 1
    tables = len(idx.problem.tables)
    order = sorted(idx.problem.requests, key=lambda r: (not r.mutual, not r.intention))
    for meeting in order:
        if meeting.id in slot_of:
            continue
        pair = (meeting.a, meeting.b)
        caps = [idx.people[p].cap for p in pair]
        if any(cap is not None and meetings[p] >= cap for p, cap in zip(pair, caps, strict=True)):
            continue
        for slot in idx.common_slots(meeting):
            if per_slot[slot] < tables and all(slot not in busy[p] for p in pair):
                slot_of[meeting.id] = slot
                per_slot[slot] += 1
                for person in pair:
                    busy[person].add(slot)
                    meetings[person] += 1
                break
    return slot_of


def greedy_schedule(problem: Problem) -> Schedule:
    """The first-fit schedule of ``problem`` (``optimal`` is False: nothing is proven)."""
    start = time.perf_counter()
    idx = index(problem)
    slot_of = first_fit(idx)
    return summarise(
        idx,
        slot_of,
        optimal=False,
        idle_gap=None,
        seconds=time.perf_counter() - start,
        solver="greedy",
    )
